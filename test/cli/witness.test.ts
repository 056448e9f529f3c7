import { spawn } from 'node:child_process'
import { mkdtemp, readFile, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import t from 'tap'
import { createTestDatabase } from '../helpers/database.ts'
import { BIN, runCli, startGateway } from '../helpers/process.ts'

/** A token from the development issuer, with the secret it wrote to DATA_DIR (stderr is not a terminal here). */
async function token(dataDir: string, client: string): Promise<string> {
  const credentials = await readFile(join(dataDir, 'dev-credentials.txt'), 'utf8')
  const secret = new RegExp(`${client}:(\\S+)`).exec(credentials)![1]!
  const tokenUrl = /'(http:\/\/127\.0\.0\.1:\d+\/token)'/.exec(credentials)![1]!
  const res = await fetch(tokenUrl, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`${client}:${secret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', resource: 'urn:hotline-gateway:api' }),
  })
  return ((await res.json()) as { access_token: string }).access_token
}

t.test("the receiver kit witness: keygen, serve, cosign the gateway's checkpoints, and auditors check the quorum", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'hg-witness-'))
  const keyFile = join(dir, 'witness.key')
  const keygen = await runCli(['witness', 'keygen', '--name', 'witness.example.net', '--out', keyFile])
  t.equal(keygen.code, 0, keygen.stderr)
  const witnessKey = keygen.stdout.trim()
  t.match(witnessKey, /^witness\.example\.net\+[0-9a-f]{8}\+/)
  t.equal((await stat(keyFile)).mode & 0o777, 0o600, 'the signer key is private to its owner')
  t.equal((await runCli(['witness', 'keygen', '--name', 'witness.example.net', '--out', keyFile])).code, 1, 'an existing key is never overwritten')

  // first start: the log key exists once the gateway has started
  const database = await createTestDatabase(t)
  const env = { DATABASE_URL: database, NODE_ENV: 'development', DATA_DIR: dir }
  const first = await startGateway(env)
  const { keys } = (await (await fetch(`${first.url}/v1/audit/key`)).json()) as { keys: Array<{ verifier_key: string }> }
  const logKey = keys[0]!.verifier_key
  await first.stop()

  const stateFile = join(dir, 'witness-state.json')
  const witness = spawn(process.execPath, [BIN, 'witness', 'serve', '--key-file', keyFile, '--log', logKey, '--state', stateFile], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  t.teardown(() => witness.kill())
  const line = await new Promise<string>((resolve) => createInterface({ input: witness.stdout! }).once('line', resolve))
  const witnessUrl = /listening at (\S+)/.exec(line)![1]!

  const gateway = await startGateway({ ...env, AUDIT_WITNESSES: `${witnessKey} ${witnessUrl}` })
  t.teardown(() => gateway.stop())
  const auditor = await token(dir, 'example-auditor')
  const deadline = Date.now() + 20_000
  let cosigned = ''
  while (Date.now() < deadline && !cosigned.includes('witness.example.net')) {
    await new Promise((resolve) => setTimeout(resolve, 200))
    cosigned = await (await fetch(`${gateway.url}/v1/audit/checkpoint`, { headers: { authorization: `Bearer ${auditor}` } })).text()
  }
  t.match(cosigned, /\n— witness\.example\.net /, 'the served checkpoint carries the witness cosignature')
  const origin = logKey.slice(0, logKey.indexOf('+'))
  const size = Number(cosigned.split('\n')[1])
  t.same(Object.keys(JSON.parse(await readFile(stateFile, 'utf8'))), [origin])
  t.match(JSON.parse(await readFile(stateFile, 'utf8'))[origin], { size: Number, root: String })
  t.ok(JSON.parse(await readFile(stateFile, 'utf8'))[origin].size >= size, 'the witness remembered the size it cosigned')

  const verify = await runCli(['audit', 'verify', '--url', gateway.url, '--key', logKey, '--witness', witnessKey, '--quorum', '1'], {
    HOTLINE_GATEWAY_TOKEN: auditor,
  })
  t.equal(verify.code, 0, verify.stdout + verify.stderr)
  const other = (await runCli(['witness', 'keygen', '--name', 'other.example.org', '--out', join(dir, 'other.key')])).stdout.trim()
  const unknownWitness = await runCli(['audit', 'verify', '--url', gateway.url, '--key', logKey, '--witness', other, '--quorum', '1'], {
    HOTLINE_GATEWAY_TOKEN: auditor,
  })
  t.not(unknownWitness.code, 0, 'a witness that never cosigned does not make the quorum')
  const both = await runCli(
    ['audit', 'verify', '--url', gateway.url, '--key', logKey, '--witness', witnessKey, '--witness', other, '--quorum', '2'],
    {
      HOTLINE_GATEWAY_TOKEN: auditor,
    },
  )
  t.equal(both.code, 1, 'no checkpoint carries two cosignatures: the policy fails (exit 1), it is not a failure to check')
  t.match(both.stderr, /FAILED: the log has no checkpoint cosigned by 2 witness\(es\): the witness policy is not met/)
})
