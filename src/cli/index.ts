import { parseArgs } from 'node:util'
import { GatewayError } from '../errors/gateway-error.ts'

const HELP = `hotline-gateway: interoperability gateway for hotlines fighting online child sexual abuse material

Usage:
  hotline-gateway serve [--no-migrate]   apply pending migrations, then serve the API
  hotline-gateway migrate                apply pending migrations and exit
  hotline-gateway directory import FILE [--dry-run]
                                         publish a directory file as a new version (--dry-run: show the diff only)
  hotline-gateway audit verify --url URL --key VKEY [--state FILE] [--full] [--witness WVKEY --quorum K]
                                         verify the audit log: checkpoint signature, consistency, every entry
  hotline-gateway audit verify-evidence FILE --key VKEY
                                         check an audit evidence bundle offline (audit --help for more)
  hotline-gateway keys list|rotate PURPOSE
                                         list or rotate the gateway's signing keys (keys --help)
  hotline-gateway partner keygen|serve|pull|status|verify
                                         a partner's side: key, push receiver, inbox puller (partner --help)
  hotline-gateway witness keygen|serve   run a witness that cosigns the gateway's checkpoints (witness --help)
  hotline-gateway demo                   play a whole case on a throwaway gateway with partners (npm run demo)
  hotline-gateway --help                 show this help

Configuration comes from environment variables (see README.md): DATABASE_URL, HOST, PORT,
LOG_LEVEL, DATA_DIR, NODE_ENV, BODY_LIMIT, SHUTDOWN_GRACE_MS, PUBLIC_URL, OIDC_ISSUER, OIDC_AUDIENCE,
ENCRYPTION_KEY, GATEWAY_HOME_COUNTRY, GEOIP_DB, DIRECTORY_CACHE_MS, KEY_CHECK_MS, RATE_LIMIT_PUBLIC,
RATE_LIMIT_PARTICIPANT, AUDIT_LOG_ORIGIN, AUDIT_WITNESSES, RETENTION_REPORTER_CONTACT, RETENTION_REPORT_CONTENTS,
RETENTION_HANDOFF_PAYLOADS, RETENTION_RECEIPTS, RETENTION_INTERVAL_MS.
Without DATABASE_URL the gateway runs on embedded PGlite under DATA_DIR.`

type Command = (args: string[]) => Promise<number>

const COMMANDS: Record<string, Command> = {
  async serve(args) {
    const { values } = parseArgs({ args, options: { 'no-migrate': { type: 'boolean', default: false } }, strict: true })
    const { serve } = await import('../server.ts')
    await serve({ migrate: !values['no-migrate'] })
    return -1 // keep running; the signal handler exits
  },
  async migrate(args) {
    parseArgs({ args, options: {}, strict: true })
    const { runMigrations } = await import('../server.ts')
    const applied = await runMigrations()
    console.log(applied.length === 0 ? 'database schema is up to date' : `applied ${applied.map((m) => m.file).join(', ')}`)
    return 0
  },
  async audit(args) {
    const { auditCommand } = await import('./audit.ts')
    return auditCommand(args)
  },
  async witness(args) {
    const { witnessCommand } = await import('./witness.ts')
    return witnessCommand(args)
  },
  async partner(args) {
    const { partnerCommand } = await import('../receiver/partner-cli.ts')
    return partnerCommand(args)
  },
  async keys(args) {
    const { keysCommand } = await import('./keys.ts')
    return keysCommand(args)
  },
  async demo(args) {
    parseArgs({ args, options: {}, strict: true })
    const { runDemo } = await import('../demo/demo.ts')
    return runDemo()
  },
  async directory(args) {
    const { directoryCommand } = await import('./directory.ts')
    return directoryCommand(args)
  },
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    console.log(HELP)
    return name === undefined ? 2 : 0
  }
  const command = COMMANDS[name]
  if (!command) {
    console.error(`hotline-gateway: unknown command '${name}'. Commands: ${Object.keys(COMMANDS).join(', ')}. Try --help.`)
    return 2
  }
  try {
    return await command(rest)
  } catch (error) {
    return reportFailure(name, error)
  }
}

function reportFailure(command: string, error: unknown): number {
  if (error instanceof Error && (error as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    console.error(`hotline-gateway ${command}: ${error.message}. Try --help.`)
    return 2
  }
  // an error raised on purpose says what went wrong in its message; anything else is a bug: show all of it
  if (error instanceof GatewayError) {
    console.error(`hotline-gateway ${command}: ${(error as Error).message}`)
    return 1
  }
  console.error(`hotline-gateway ${command} failed:`, error)
  return 1
}
