import { Ajv } from 'ajv'
import { resolve } from 'node:path'
import type { Environment } from '../contract/environment.ts'
import { GatewayError } from '../errors/gateway-error.ts'
import { environmentSchema } from './environment.ts'

const DURATION_UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }

/** `30d` -> milliseconds (the schema's pattern was checked). */
function durationMs(value: string): number {
  return Number(value.slice(0, -1)) * DURATION_UNIT_MS[value.slice(-1)]!
}

const SECRET_VARIABLES = new Set(['DATABASE_URL', 'ENCRYPTION_KEY'])

const ajv = new Ajv({ allErrors: true, coerceTypes: true, useDefaults: true, strict: true })
const validateEnv = ajv.compile<Environment>(environmentSchema)

export class ConfigError extends GatewayError<'CONFIG_INVALID'> {
  constructor(readonly problems: string[]) {
    super('CONFIG_INVALID', `invalid configuration:\n  - ${problems.join('\n  - ')}`)
  }
}

/**
 * Configuration comes only from environment variables, validated once at start-up.
 * Messages name the variable and what is wrong, never the value of a secret.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const values: Record<string, unknown> = {}
  for (const name of Object.keys(environmentSchema.properties)) {
    const raw = env[name]
    // An empty variable means "not set": shells and compose files produce them often.
    if (raw !== undefined && raw !== '') values[name] = raw
  }
  if (!validateEnv(values)) throw new ConfigError(describe(validateEnv.errors ?? [], env))
  return configFrom(values)
}

export type Config = ReturnType<typeof configFrom>
export type RetentionPolicy = Config['retention']

/** The validated variables (defaults filled in) as the gateway uses them. */
function configFrom(values: Environment) {
  return {
    databaseUrl: values.DATABASE_URL,
    host: values.HOST,
    port: values.PORT,
    logLevel: values.LOG_LEVEL,
    dataDir: resolve(values.DATA_DIR),
    nodeEnv: values.NODE_ENV,
    bodyLimit: values.BODY_LIMIT,
    shutdownGraceMs: values.SHUTDOWN_GRACE_MS,
    publicUrl: values.PUBLIC_URL?.replace(/\/$/, ''),
    oidcIssuer: values.OIDC_ISSUER,
    oidcAudience: values.OIDC_AUDIENCE,
    directoryCacheMs: values.DIRECTORY_CACHE_MS,
    keyCheckMs: values.KEY_CHECK_MS,
    deliveryMaxAgeMs: values.DELIVERY_MAX_AGE_MS,
    deliveryLeaseMs: values.DELIVERY_LEASE_MS,
    urgentAckMs: values.URGENT_ACK_MS,
    /** How long a background loop may go without completing a step before /readyz fails. */
    loopStallMs: values.LOOP_STALL_MS,
    renoticeAfterMs: values.RENOTICE_AFTER_MS,
    renoticeMax: values.RENOTICE_MAX,
    encryptionKey: values.ENCRYPTION_KEY,
    homeCountry: values.GATEWAY_HOME_COUNTRY,
    auditLogOrigin: values.AUDIT_LOG_ORIGIN,
    /** Raw; parsed and checked by the audit log at start (src/audit/witness-publisher.ts). */
    auditWitnesses: values.AUDIT_WITNESSES,
    geoipDb: values.GEOIP_DB,
    rateLimitPublic: values.RATE_LIMIT_PUBLIC,
    rateLimitParticipant: values.RATE_LIMIT_PARTICIPANT,
    /** The public report form: whose it is (none: closed), the emergency number it shows, posts per minute per IP. */
    reportFormParticipant: values.REPORT_FORM_PARTICIPANT,
    reportFormEmergencyNumber: values.REPORT_FORM_EMERGENCY_NUMBER,
    rateLimitReportForm: values.RATE_LIMIT_REPORT_FORM,
    /** The operator console's OIDC client (a public client: authorization code + PKCE). */
    consoleClientId: values.CONSOLE_CLIENT_ID,
    /** Bounds on every wait for PostgreSQL (milliseconds): see src/db/database.ts. */
    dbConnectTimeoutMs: values.DB_CONNECT_TIMEOUT_MS,
    dbStatementTimeoutMs: values.DB_STATEMENT_TIMEOUT_MS,
    dbQueryTimeoutMs: values.DB_QUERY_TIMEOUT_MS,
    /** How long each kind of data is kept (milliseconds; src/retention/), and how often the purge looks. */
    retention: {
      reporterContactMs: durationMs(values.RETENTION_REPORTER_CONTACT),
      reportContentsMs: durationMs(values.RETENTION_REPORT_CONTENTS),
      handoffPayloadsMs: durationMs(values.RETENTION_HANDOFF_PAYLOADS),
      receiptsMs: durationMs(values.RETENTION_RECEIPTS),
    },
    retentionIntervalMs: values.RETENTION_INTERVAL_MS,
  }
}

function describe(errors: NonNullable<typeof validateEnv.errors>, env: NodeJS.ProcessEnv): string[] {
  return errors.map((error) => {
    const name = error.instancePath.replace(/^\//, '')
    const schema = environmentSchema.properties[name as keyof typeof environmentSchema.properties] as Record<string, unknown>
    const expected = schema?.description ?? error.message ?? 'is invalid'
    const shown = SECRET_VARIABLES.has(name) ? '' : ` (got ${JSON.stringify(env[name])})`
    const allowed = 'enum' in (schema ?? {}) ? `one of ${(schema.enum as string[]).join(', ')}` : expected
    return `${name} must be ${allowed}${shown}`
  })
}
