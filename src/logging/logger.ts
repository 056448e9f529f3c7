import type { LoggerOptions } from 'pino'
import type { Config } from '../config/config.ts'

/**
 * Paths that must never reach a log line: credentials, and the report fields that identify
 * material or people. Listed even where we do not log those objects today, as a second wall.
 */
export const REDACTED_PATHS = [
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
]

export function loggerOptions(config: Pick<Config, 'logLevel' | 'nodeEnv'>, stream = process.stdout): LoggerOptions {
  const pretty = stream.isTTY === true && config.nodeEnv !== 'production'
  return {
    level: config.logLevel,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    ...(pretty ? { transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' } } } : {}),
  }
}
