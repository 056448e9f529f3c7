import { stdSerializers, type LoggerOptions } from 'pino'
import type { Config } from '../config/config.ts'

/**
 * Paths that must never reach a log line: credentials, and the report fields that identify
 * material or people. Listed even where we do not log those objects today, as a second wall.
 */
const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["proxy-authorization"]',
  'res.headers["set-cookie"]',
  '*.authorization',
  '*.token',
  '*.access_token',
  '*.id_token',
  '*.client_secret',
  '*.password',
  '*.private_key',
  '*.privateKey',
  '*.secret',
  '*.urls',
  '*.profile_url',
  '*.contact',
  '*.email',
  '*.phone',
  '*.description',
  '*.explanation',
  '*.context',
  '*.reporter',
  '*.items',
  '*.reported_accounts',
  'report',
  'body',
  // PostgreSQL's error context echoes the statement's data (e.g. `where` quotes the report JSON)
  ...['where', 'detail', 'hint', 'internalQuery'].flatMap((field) => [`*.${field}`, `*.*.${field}`, `*.*.*.${field}`]),
]

/** Errors nested in an error that pino serialises as errors of their own. */
const NESTED_ERROR_KEYS = ['err', 'error'] as const

/**
 * Errors as pino serialises them, minus what a PostgreSQL error echoes of the data it refused:
 * the quoted values in its message and stack (`invalid input syntax for type uuid: "..."`), also
 * where pino appended them to a wrapping error's, and its context fields. Identifiers are quoted the
 * same way and go too; code, routine, table, column and constraint stay: what an operator needs.
 */
function logSafeError(error: unknown): unknown {
  return scrub(stdSerializers.err(error as Error), error)
}

function scrub(serialized: unknown, raw: unknown): unknown {
  if (typeof serialized !== 'object' || serialized === null) return serialized
  const error = serialized as Record<string, unknown>
  if (causeChain(raw).some(isDriverError)) {
    for (const field of ['message', 'stack'] as const) {
      if (typeof error[field] === 'string') error[field] = (error[field] as string).replace(/"[^"\n]*"/g, '"[redacted]"')
    }
  }
  for (const field of ['where', 'detail', 'hint', 'internalQuery']) if (field in error) error[field] = '[redacted]'
  const parts = (raw as { errors?: unknown }).errors
  if (Array.isArray(error.aggregateErrors) && Array.isArray(parts)) error.aggregateErrors = error.aggregateErrors.map((e, i) => scrub(e, parts[i]))
  for (const key of NESTED_ERROR_KEYS) if (key in error) error[key] = scrub(error[key], (raw as Record<string, unknown>)[key])
  return error
}

function causeChain(error: unknown): unknown[] {
  const chain: unknown[] = []
  for (let e = error; typeof e === 'object' && e !== null && chain.length < 10; e = (e as { cause?: unknown }).cause) chain.push(e)
  return chain
}

/** A PostgreSQL server error as the pg driver reports it: a SQLSTATE code and a severity. */
function isDriverError(error: unknown): boolean {
  const { severity, code } = error as { severity?: unknown; code?: unknown }
  return typeof severity === 'string' && typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)
}

/** The request as logged: method, path and the names of its query parameters, never their values (tokens travel there). */
function logSafeRequest(request: { method?: string; url?: string; ip?: string }): Record<string, unknown> {
  const url = request.url ?? ''
  const mark = url.indexOf('?')
  const names = mark < 0 ? [] : [...new Set(new URLSearchParams(url.slice(mark + 1)).keys())].slice(0, 20)
  return {
    method: request.method,
    url: mark < 0 ? url : url.slice(0, mark),
    ...(names.length > 0 ? { query: names } : {}),
    remoteAddress: request.ip,
  }
}

/** Redaction and serialisers: the part of the logger options every logger of the gateway shares. */
export function logSafety(): Pick<LoggerOptions, 'redact' | 'serializers'> {
  return {
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    serializers: { err: logSafeError, error: logSafeError, req: logSafeRequest },
  }
}

export function loggerOptions(config: Pick<Config, 'logLevel' | 'nodeEnv'>, stream = process.stdout): LoggerOptions {
  const pretty = stream.isTTY === true && config.nodeEnv !== 'production'
  return {
    level: config.logLevel,
    ...logSafety(),
    ...(pretty ? { transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' } } } : {}),
  }
}
