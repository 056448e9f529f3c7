import { Ajv } from 'ajv'
import { resolve } from 'node:path'
import { GatewayError } from '../errors/gateway-error.ts'

/**
 * Configuration comes only from environment variables, validated once at start-up.
 * Messages name the variable and what is wrong, never the value of a secret.
 */
export interface Config {
  databaseUrl: string | undefined
  host: string
  port: number
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'
  dataDir: string
  nodeEnv: 'development' | 'production' | 'test'
  bodyLimit: number
  shutdownGraceMs: number
  publicUrl: string | undefined
  oidcIssuer: string | undefined
  oidcAudience: string
  directoryCacheMs: number
  keyCheckMs: number
  deliveryMaxAgeMs: number
  deliveryLeaseMs: number
  urgentAckMs: number
  /** How long a background loop may go without completing a step before /readyz fails. */
  loopStallMs: number
  renoticeAfterMs: number
  renoticeMax: number
  encryptionKey: string | undefined
  homeCountry: string
  auditLogOrigin: string | undefined
  /** Raw; parsed and checked by the audit log at start (src/audit/witness-publisher.ts). */
  auditWitnesses: string | undefined
  geoipDb: string | undefined
  rateLimitPublic: number
  rateLimitParticipant: number
  /** The public report form: whose it is (none: closed), the emergency number it shows, posts per minute per IP. */
  reportFormParticipant: string | undefined
  reportFormEmergencyNumber: string
  rateLimitReportForm: number
  /** The operator console's OIDC client (a public client: authorization code + PKCE). */
  consoleClientId: string
  /** Bounds on every wait for PostgreSQL (milliseconds): see src/db/database.ts. */
  dbConnectTimeoutMs: number
  dbStatementTimeoutMs: number
  dbQueryTimeoutMs: number
  /** How long each kind of data is kept (milliseconds; src/retention/), and how often the purge looks. */
  retention: RetentionPolicy
  retentionIntervalMs: number
}

export interface RetentionPolicy {
  reporterContactMs: number
  reportContentsMs: number
  handoffPayloadsMs: number
  receiptsMs: number
}

const DURATION = { type: 'string', pattern: '^[0-9]{1,6}(s|m|h|d)$', description: 'a duration: a number and s, m, h or d (e.g. 30d)' } as const
const DURATION_UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }

/** `30d` -> milliseconds (the pattern above was checked). */
function durationMs(value: string): number {
  return Number(value.slice(0, -1)) * DURATION_UNIT_MS[value.slice(-1)]!
}

const SECRET_VARIABLES = new Set(['DATABASE_URL', 'ENCRYPTION_KEY'])

const envSchema = {
  type: 'object',
  properties: {
    DATABASE_URL: { type: 'string', pattern: '^postgres(ql)?://', description: 'a postgres:// URL' },
    HOST: { type: 'string', minLength: 1, default: '127.0.0.1' },
    PORT: { type: 'integer', minimum: 0, maximum: 65535, default: 3000 },
    LOG_LEVEL: { enum: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], default: 'info' },
    DATA_DIR: { type: 'string', minLength: 1, default: './data' },
    NODE_ENV: { enum: ['development', 'production', 'test'], default: 'development' },
    BODY_LIMIT: { type: 'integer', minimum: 1024, maximum: 67108864, default: 1048576 },
    SHUTDOWN_GRACE_MS: { type: 'integer', minimum: 0, maximum: 600000, default: 10000 },
    PUBLIC_URL: { type: 'string', pattern: '^https?://[^/]+(/.*)?$' },
    OIDC_ISSUER: { type: 'string', pattern: '^https?://[^/]+(/.*)?$', description: 'an http(s) issuer URL' },
    OIDC_AUDIENCE: {
      type: 'string',
      pattern: '^[a-zA-Z][a-zA-Z0-9+.-]*:[^\\s]+$',
      maxLength: 500,
      default: 'urn:hotline-gateway:api',
      description: 'an absolute URI (RFC 8707 resource indicator), e.g. https://gateway.example.org/api',
    },
    DIRECTORY_CACHE_MS: { type: 'integer', minimum: 0, maximum: 60000, default: 1000 },
    KEY_CHECK_MS: {
      type: 'integer',
      minimum: 0,
      maximum: 300000,
      default: 10000,
      description: 'how often a process checks for a rotated signing key (milliseconds)',
    },
    DELIVERY_MAX_AGE_MS: {
      type: 'integer',
      minimum: 0,
      maximum: 2592000000,
      default: 86400000,
      description: 'how long a push keeps being retried after signing before the handoff is a dead letter (milliseconds)',
    },
    LOOP_STALL_MS: {
      type: 'integer',
      minimum: 100,
      maximum: 3600000,
      default: 60000,
      description: 'how long a background loop may go without completing a step before /readyz fails (milliseconds)',
    },
    DELIVERY_LEASE_MS: {
      type: 'integer',
      minimum: 1000,
      maximum: 3600000,
      default: 60000,
      description: 'how long a delivery attempt is left to the process that started it before any process may send it again (milliseconds)',
    },
    URGENT_ACK_MS: {
      type: 'integer',
      minimum: 0,
      maximum: 86400000,
      default: 900000,
      description: 'how long an urgent handoff may go without a receipt before it is escalated (milliseconds)',
    },
    RENOTICE_AFTER_MS: {
      type: 'integer',
      minimum: 1000,
      maximum: 2592000000,
      default: 86400000,
      description: 'how long a notice to a platform may go without content_removed / content_unavailable before it is sent again (milliseconds)',
    },
    RENOTICE_MAX: {
      type: 'integer',
      minimum: 0,
      maximum: 20,
      default: 3,
      description: 'how many re-notices a platform is sent before the handoff is flagged for the operators',
    },
    ENCRYPTION_KEY: { type: 'string', pattern: '^[A-Za-z0-9+/]{43}=$', description: '32 random bytes, base64 (openssl rand -base64 32)' },
    GATEWAY_HOME_COUNTRY: { type: 'string', pattern: '^[A-Z]{2}$', default: 'BE', description: 'an ISO 3166-1 alpha-2 code, upper case' },
    GEOIP_DB: { type: 'string', minLength: 1, description: 'the path of an IP-to-country .mmdb file' },
    AUDIT_WITNESSES: {
      type: 'string',
      maxLength: 20000,
      description: 'witnesses, each "<cosignature verifier key> <URL>", separated by commas or newlines',
    },
    RATE_LIMIT_PUBLIC: { type: 'integer', minimum: 1, maximum: 1000000, default: 60, description: 'requests per minute per IP on public operations' },
    RATE_LIMIT_PARTICIPANT: { type: 'integer', minimum: 1, maximum: 100000000, default: 30000, description: 'requests per minute per participant' },
    REPORT_FORM_PARTICIPANT: {
      type: 'string',
      pattern: '^[a-z0-9][a-z0-9-]{1,62}$',
      description: 'the id of the directory participant (a hotline or the operators) whose public report form /report is',
    },
    REPORT_FORM_EMERGENCY_NUMBER: {
      type: 'string',
      pattern: '^[0-9+ ]{2,20}$',
      default: '112',
      description: 'the emergency number the report form shows, digits (e.g. 112)',
    },
    CONSOLE_CLIENT_ID: {
      type: 'string',
      pattern: '^[\\x21-\\x7E]{1,200}$',
      default: 'gateway-console',
      description: "the operator console's client id at the OIDC issuer (listed in the operator participant's clients)",
    },
    RATE_LIMIT_REPORT_FORM: { type: 'integer', minimum: 1, maximum: 100000, default: 10, description: 'report form posts per minute per IP' },
    DB_CONNECT_TIMEOUT_MS: {
      type: 'integer',
      minimum: 100,
      maximum: 600000,
      default: 5000,
      description: 'an integer from 100 to 600000: how long to wait for a database connection (milliseconds)',
    },
    DB_STATEMENT_TIMEOUT_MS: {
      type: 'integer',
      minimum: 100,
      maximum: 600000,
      default: 5000,
      description: 'an integer from 100 to 600000: how long PostgreSQL may run one statement (milliseconds)',
    },
    DB_QUERY_TIMEOUT_MS: {
      type: 'integer',
      minimum: 100,
      maximum: 600000,
      default: 6000,
      description: 'an integer from 100 to 600000: how long to wait for the answer to one query (milliseconds)',
    },
    RETENTION_REPORTER_CONTACT: { ...DURATION, default: '30d' },
    RETENTION_REPORT_CONTENTS: { ...DURATION, default: '365d' },
    RETENTION_HANDOFF_PAYLOADS: { ...DURATION, default: '30d' },
    RETENTION_RECEIPTS: { ...DURATION, default: '1825d' },
    RETENTION_INTERVAL_MS: {
      type: 'integer',
      minimum: 10,
      maximum: 86400000,
      default: 3600000,
      description: 'an integer from 10 to 86400000: how often the retention purge looks for what is due (milliseconds)',
    },
    AUDIT_LOG_ORIGIN: {
      type: 'string',
      pattern: '^[a-z0-9.-]+(/[A-Za-z0-9._/-]+)?$',
      maxLength: 200,
      description: 'a schema-less URL such as gateway.example.org/audit-log',
    },
  },
} as const

const ajv = new Ajv({ allErrors: true, coerceTypes: true, useDefaults: true, strict: true })
const validateEnv = ajv.compile(envSchema)

export class ConfigError extends GatewayError<'CONFIG_INVALID'> {
  constructor(readonly problems: string[]) {
    super('CONFIG_INVALID', `invalid configuration:\n  - ${problems.join('\n  - ')}`)
  }
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const values: Record<string, unknown> = {}
  for (const name of Object.keys(envSchema.properties)) {
    const raw = env[name]
    // An empty variable means "not set": shells and compose files produce them often.
    if (raw !== undefined && raw !== '') values[name] = raw
  }
  if (!validateEnv(values)) throw new ConfigError(describe(validateEnv.errors ?? [], env))
  return {
    databaseUrl: values.DATABASE_URL as string | undefined,
    host: values.HOST as string,
    port: values.PORT as number,
    logLevel: values.LOG_LEVEL as Config['logLevel'],
    dataDir: resolve(values.DATA_DIR as string),
    nodeEnv: values.NODE_ENV as Config['nodeEnv'],
    bodyLimit: values.BODY_LIMIT as number,
    shutdownGraceMs: values.SHUTDOWN_GRACE_MS as number,
    publicUrl: (values.PUBLIC_URL as string | undefined)?.replace(/\/$/, ''),
    oidcIssuer: values.OIDC_ISSUER as string | undefined,
    oidcAudience: values.OIDC_AUDIENCE as string,
    directoryCacheMs: values.DIRECTORY_CACHE_MS as number,
    keyCheckMs: values.KEY_CHECK_MS as number,
    deliveryMaxAgeMs: values.DELIVERY_MAX_AGE_MS as number,
    deliveryLeaseMs: values.DELIVERY_LEASE_MS as number,
    urgentAckMs: values.URGENT_ACK_MS as number,
    loopStallMs: values.LOOP_STALL_MS as number,
    renoticeAfterMs: values.RENOTICE_AFTER_MS as number,
    renoticeMax: values.RENOTICE_MAX as number,
    encryptionKey: values.ENCRYPTION_KEY as string | undefined,
    homeCountry: values.GATEWAY_HOME_COUNTRY as string,
    auditLogOrigin: values.AUDIT_LOG_ORIGIN as string | undefined,
    auditWitnesses: values.AUDIT_WITNESSES as string | undefined,
    geoipDb: values.GEOIP_DB as string | undefined,
    rateLimitPublic: values.RATE_LIMIT_PUBLIC as number,
    rateLimitParticipant: values.RATE_LIMIT_PARTICIPANT as number,
    reportFormParticipant: values.REPORT_FORM_PARTICIPANT as string | undefined,
    reportFormEmergencyNumber: values.REPORT_FORM_EMERGENCY_NUMBER as string,
    rateLimitReportForm: values.RATE_LIMIT_REPORT_FORM as number,
    consoleClientId: values.CONSOLE_CLIENT_ID as string,
    dbConnectTimeoutMs: values.DB_CONNECT_TIMEOUT_MS as number,
    dbStatementTimeoutMs: values.DB_STATEMENT_TIMEOUT_MS as number,
    dbQueryTimeoutMs: values.DB_QUERY_TIMEOUT_MS as number,
    retention: {
      reporterContactMs: durationMs(values.RETENTION_REPORTER_CONTACT as string),
      reportContentsMs: durationMs(values.RETENTION_REPORT_CONTENTS as string),
      handoffPayloadsMs: durationMs(values.RETENTION_HANDOFF_PAYLOADS as string),
      receiptsMs: durationMs(values.RETENTION_RECEIPTS as string),
    },
    retentionIntervalMs: values.RETENTION_INTERVAL_MS as number,
  }
}

function describe(errors: NonNullable<typeof validateEnv.errors>, env: NodeJS.ProcessEnv): string[] {
  return errors.map((error) => {
    const name = error.instancePath.replace(/^\//, '')
    const schema = envSchema.properties[name as keyof typeof envSchema.properties] as Record<string, unknown>
    const expected = schema?.description ?? error.message ?? 'is invalid'
    const shown = SECRET_VARIABLES.has(name) ? '' : ` (got ${JSON.stringify(env[name])})`
    const allowed = 'enum' in (schema ?? {}) ? `one of ${(schema.enum as string[]).join(', ')}` : expected
    return `${name} must be ${allowed}${shown}`
  })
}
