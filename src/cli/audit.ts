import { readFile } from 'node:fs/promises'
import { parseArgs, type ParseArgsConfig } from 'node:util'
import { toFieldErrors } from '../http/field-errors.ts'
import { schemaValidator } from '../http/schema-files.ts'
import { auditClient } from '../audit/audit-client.ts'
import { AuditError } from '../audit/audit-error.ts'
import { readState, verifyLog, writeState } from '../audit/audit-verify.ts'
import { newCosignatureVerifier, type WitnessPolicy } from '../notes/cosignature.ts'
import { verifyEvidence, type EvidenceBundle } from '../audit/evidence.ts'
import { newNoteVerifier } from '../notes/note.ts'
import { HANDOFF_EVIDENCE_FORMAT, type HandoffEvidence } from '../handoffs/handoff-evidence.ts'
import { verifyHandoffEvidence } from '../handoffs/evidence-verify.ts'
import { GatewayError } from '../errors/gateway-error.ts'

const AUDIT_HELP = `Usage:
  hotline-gateway audit verify --url URL --key VKEY [--state FILE] [--full] [--token TOKEN]
                               [--witness WVKEY ... [--quorum K]]
      Fetches the gateway's latest checkpoint and checks its signature with the log's verifier key VKEY
      (and, with --witness, cosignatures from at least K of those witnesses; K defaults to all of them).
      --state FILE  remembers the checkpoint that verified and, next time, checks that the log only grew
      --full        downloads every entry and recomputes the root (progress on stderr)
      The token (audit:read) comes from --token or HOTLINE_GATEWAY_TOKEN.
      --key may be given more than once (a log's keys across a rotation): a signature by any of them counts.
  hotline-gateway audit verify-evidence FILE --key VKEY [--witness WVKEY ... [--quorum K]]
      Checks an evidence bundle offline: entries (GET /v1/audit/evidence), or a handoff's
      (GET /v1/handoffs/{id}/evidence: also its manifest, receipt and status signatures and digests).

Exit status: 0 everything holds; 1 a check failed (the log is not what it claims); 2 wrong usage;
3 the check could not be made (gateway unreachable or refusing, unreadable file).`

const OPTIONS = {
  url: { type: 'string' },
  key: { type: 'string', multiple: true },
  state: { type: 'string' },
  full: { type: 'boolean', default: false },
  token: { type: 'string' },
  witness: { type: 'string', multiple: true },
  quorum: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} satisfies ParseArgsConfig['options']

class UsageError extends GatewayError<'USAGE'> {
  constructor(message: string) {
    super('USAGE', message)
  }
}

/** `hotline-gateway audit verify|verify-evidence ...`: the auditor's tool. */
export async function auditCommand(args: string[]): Promise<number> {
  try {
    const { positionals, values } = parseArgs({ args, allowPositionals: true, strict: true, options: OPTIONS })
    const [sub, ...rest] = positionals
    if (values.help) {
      console.log(AUDIT_HELP)
      return 0
    }
    if (sub === 'verify' && rest.length === 0) return await verify(values)
    if (sub === 'verify-evidence' && rest.length === 1) return await verifyEvidenceFile(rest[0]!, values)
    throw new UsageError('expected "verify" or "verify-evidence FILE"')
  } catch (error) {
    return report(error)
  }
}

type Values = { url?: string; key?: string[]; state?: string; full?: boolean; token?: string; witness?: string[]; quorum?: string }

async function verify(values: Values): Promise<number> {
  if (!values.url) throw new UsageError('--url is required')
  const policy = policyFrom(values)
  const previous = values.state ? await readState(values.state) : undefined
  let lastProgress = 0
  const state = await verifyLog({
    client: auditClient(values.url, values.token ?? process.env.HOTLINE_GATEWAY_TOKEN),
    policy,
    previous,
    full: values.full ?? false,
    say: (line) => console.log(line),
    progress: (done, total) => {
      if (done < total && Date.now() - lastProgress < 1000) return
      lastProgress = Date.now()
      process.stderr.write(`entries: ${done}/${total} verified (${Math.floor((100 * done) / Math.max(total, 1))}%)\n`)
    },
  })
  if (values.state) await writeState(values.state, state)
  if (!previous && values.state) console.log(`state: first run, remembered tree size ${state.tree_size} in ${values.state}`)
  console.log(`OK: the audit log ${state.origin} at tree size ${state.tree_size} verifies`)
  return 0
}

async function verifyEvidenceFile(file: string, values: Values): Promise<number> {
  const policy = policyFrom(values)
  let bundle: unknown
  try {
    bundle = JSON.parse(await readFile(file, 'utf8'))
  } catch (error) {
    throw new AuditError('AUDIT_BAD_EVIDENCE', `${file} cannot be read as JSON: ${(error as Error).message}`)
  }
  const handoff = (bundle as { format?: unknown } | null)?.format === HANDOFF_EVIDENCE_FORMAT
  const validate = await schemaValidator(handoff ? 'handoff-evidence.json' : 'audit-evidence.json')
  if (!validate(bundle)) {
    const problems = toFieldErrors(validate.errors ?? []).map((e) => `${e.pointer || '/'} ${e.message}`)
    throw new AuditError('AUDIT_BAD_EVIDENCE', `${file} is not ${handoff ? 'a handoff' : 'an audit'} evidence bundle: ${problems.join('; ')}`)
  }
  if (handoff) {
    for (const line of await verifyHandoffEvidence(bundle as HandoffEvidence, policy)) console.log(line)
    return 0
  }
  const verified = verifyEvidence(bundle as EvidenceBundle, policy)
  const { origin, size } = verified.checkpoint.checkpoint
  console.log(
    `checkpoint: ${origin}, tree size ${size}, signature valid${verified.checkpoint.witnesses.length > 0 ? `, cosigned by ${verified.checkpoint.witnesses.map((w) => w.name).join(', ')}` : ''}`,
  )
  for (const { index, entry } of verified.entries) {
    console.log(`entry ${index}: included${entry ? ` (${String(entry.type)} at ${String(entry.at)})` : ''}`)
  }
  console.log(`OK: all ${verified.entries.length} entries are in the log ${origin} at tree size ${size}`)
  return 0
}

function policyFrom(values: Values): WitnessPolicy {
  if (!values.key?.length) throw new UsageError('--key is required: the log verifier key, <name>+<hash>+<base64>')
  const logs = values.key.map((key) => parseKey('--key', () => newNoteVerifier(key)))
  const log = logs[0]!
  if (logs.some((other) => other.name !== log.name))
    throw new UsageError('every --key must name the same log (origin): these are keys of one log, old and new')
  const witnesses = (values.witness ?? []).map((w) => parseKey('--witness', () => newCosignatureVerifier(w)))
  const quorum = values.quorum === undefined ? witnesses.length : Number(values.quorum)
  if (!Number.isInteger(quorum) || quorum < 0 || quorum > witnesses.length) {
    throw new UsageError(`--quorum must be a whole number between 0 and the number of --witness keys (${witnesses.length})`)
  }
  return { log: logs, origin: log.name, witnesses, quorum, now: Math.floor(Date.now() / 1000), maxFutureSeconds: 300 }
}

function parseKey<T>(option: string, parse: () => T): T {
  try {
    return parse()
  } catch (error) {
    throw new UsageError(`${option} is not a valid verifier key: ${(error as Error).message}`)
  }
}

function report(error: unknown): number {
  if (error instanceof UsageError || (error as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    console.error(`hotline-gateway audit: ${(error as Error).message}\n\n${AUDIT_HELP}`)
    return 2
  }
  if (error instanceof AuditError && (error.code === 'AUDIT_VERIFY_FAILED' || error.code === 'AUDIT_BAD_EVIDENCE')) {
    console.error(`FAILED: ${error.message}`)
    return 1
  }
  if (error instanceof Error) {
    console.error(`hotline-gateway audit: could not verify: ${error.message}`)
    return 3
  }
  console.error('hotline-gateway audit failed:', error)
  return 3
}
