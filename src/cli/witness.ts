import { readFile, writeFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import { generateCosignerKey } from '../notes/cosignature.ts'
import { createWitness, fileWitnessStore, memoryWitnessStore, serveWitness, type WitnessedLog } from '../witness/witness.ts'

const WITNESS_HELP = `Usage:
  hotline-gateway witness keygen --name NAME --out FILE
      Makes a witness key: the signer key goes to FILE (mode 0600), the cosignature verifier key is
      printed; give it to the gateway operator (AUDIT_WITNESSES) and to auditors (audit verify --witness).
  hotline-gateway witness serve --key-file FILE --log VKEY [--log VKEY ...] [--state FILE] [--host H] [--port P]
      Runs a C2SP tlog-witness for the logs whose signed-note verifier keys are given: it checks each
      new checkpoint's signature and its consistency with the last one it cosigned (kept in --state),
      and only then cosigns. POST /add-checkpoint is the only route.`

/** `hotline-gateway witness ...`: the receiver kit's witness, for partners who cosign the gateway's checkpoints. */
export async function witnessCommand(args: string[]): Promise<number> {
  const [sub, ...rest] = args
  if (sub === 'keygen') return keygen(rest)
  if (sub === 'serve') return serve(rest)
  console.error(WITNESS_HELP)
  return 2
}

async function keygen(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, strict: true, options: { name: { type: 'string' }, out: { type: 'string' } } })
  if (!values.name || !values.out) {
    console.error(WITNESS_HELP)
    return 2
  }
  const { signerKey, verifierKey } = generateCosignerKey(values.name)
  // 'wx': never overwrite an existing key
  await writeFile(values.out, `${signerKey}\n`, { mode: 0o600, flag: 'wx' })
  console.log(verifierKey)
  return 0
}

async function serve(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    strict: true,
    options: {
      'key-file': { type: 'string' },
      log: { type: 'string', multiple: true },
      state: { type: 'string' },
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string', default: '0' },
    },
  })
  if (!values['key-file'] || !values.log?.length) {
    console.error(WITNESS_HELP)
    return 2
  }
  // the signer key is read from a file, never taken on the command line where `ps` would show it
  const signerKey = (await readFile(values['key-file'], 'utf8')).trim()
  const logs: WitnessedLog[] = values.log.map((verifierKey) => ({ origin: verifierKey.slice(0, verifierKey.indexOf('+')), verifierKey }))
  const witness = createWitness({ signerKey, logs, store: values.state ? fileWitnessStore(values.state) : memoryWitnessStore() })
  const served = await serveWitness(witness, { host: values.host, port: Number(values.port) })
  console.log(`witness listening at ${served.url} for ${logs.map((l) => l.origin).join(', ')}`)
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve)
    process.once('SIGINT', resolve)
  })
  await served.close()
  return 0
}
