// Generated from src/config/environment.ts by scripts/contract-types.js (npm run contract:types): do not edit.

export interface Environment {
  /**
   * a postgres:// URL
   */
  DATABASE_URL?: string
  HOST: string
  PORT: number
  LOG_LEVEL: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'
  DATA_DIR: string
  NODE_ENV: 'development' | 'production' | 'test'
  BODY_LIMIT: number
  SHUTDOWN_GRACE_MS: number
  PUBLIC_URL?: string
  /**
   * an http(s) issuer URL
   */
  OIDC_ISSUER?: string
  /**
   * an absolute URI (RFC 8707 resource indicator), e.g. https://gateway.example.org/api
   */
  OIDC_AUDIENCE: string
  DIRECTORY_CACHE_MS: number
  /**
   * how often a process checks for a rotated signing key (milliseconds)
   */
  KEY_CHECK_MS: number
  /**
   * how long a push keeps being retried after signing before the handoff is a dead letter (milliseconds)
   */
  DELIVERY_MAX_AGE_MS: number
  /**
   * how long a background loop may go without completing a step before /readyz fails (milliseconds)
   */
  LOOP_STALL_MS: number
  /**
   * how long a delivery attempt is left to the process that started it before any process may send it again (milliseconds)
   */
  DELIVERY_LEASE_MS: number
  /**
   * how long an urgent handoff may go without a receipt before it is escalated (milliseconds)
   */
  URGENT_ACK_MS: number
  /**
   * how long a notice to a platform may go without content_removed / content_unavailable before it is sent again (milliseconds)
   */
  RENOTICE_AFTER_MS: number
  /**
   * how many re-notices a platform is sent before the handoff is flagged for the operators
   */
  RENOTICE_MAX: number
  /**
   * 32 random bytes, base64 (openssl rand -base64 32)
   */
  ENCRYPTION_KEY?: string
  /**
   * an ISO 3166-1 alpha-2 code, upper case
   */
  GATEWAY_HOME_COUNTRY: string
  /**
   * the path of an IP-to-country .mmdb file
   */
  GEOIP_DB?: string
  /**
   * witnesses, each "<cosignature verifier key> <URL>", separated by commas or newlines
   */
  AUDIT_WITNESSES?: string
  /**
   * requests per minute per IP on public operations
   */
  RATE_LIMIT_PUBLIC: number
  /**
   * requests per minute per participant
   */
  RATE_LIMIT_PARTICIPANT: number
  /**
   * the id of the directory participant (a hotline or the operators) whose public report form /report is
   */
  REPORT_FORM_PARTICIPANT?: string
  /**
   * the emergency number the report form shows, digits (e.g. 112)
   */
  REPORT_FORM_EMERGENCY_NUMBER: string
  /**
   * the operator console's client id at the OIDC issuer (listed in the operator participant's clients)
   */
  CONSOLE_CLIENT_ID: string
  /**
   * report form posts per minute per IP
   */
  RATE_LIMIT_REPORT_FORM: number
  /**
   * an integer from 100 to 600000: how long to wait for a database connection (milliseconds)
   */
  DB_CONNECT_TIMEOUT_MS: number
  /**
   * an integer from 100 to 600000: how long PostgreSQL may run one statement (milliseconds)
   */
  DB_STATEMENT_TIMEOUT_MS: number
  /**
   * an integer from 100 to 600000: how long to wait for the answer to one query (milliseconds)
   */
  DB_QUERY_TIMEOUT_MS: number
  /**
   * a duration: a number and s, m, h or d (e.g. 30d)
   */
  RETENTION_REPORTER_CONTACT: string
  /**
   * a duration: a number and s, m, h or d (e.g. 30d)
   */
  RETENTION_REPORT_CONTENTS: string
  /**
   * a duration: a number and s, m, h or d (e.g. 30d)
   */
  RETENTION_HANDOFF_PAYLOADS: string
  /**
   * a duration: a number and s, m, h or d (e.g. 30d)
   */
  RETENTION_RECEIPTS: string
  /**
   * an integer from 10 to 86400000: how often the retention purge looks for what is due (milliseconds)
   */
  RETENTION_INTERVAL_MS: number
  /**
   * a schema-less URL such as gateway.example.org/audit-log
   */
  AUDIT_LOG_ORIGIN?: string
}
