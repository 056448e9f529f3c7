/**
 * Whether an error means the database cannot be reached or cannot answer now (as opposed to a
 * statement that is wrong): the one place that knows the driver's and the network's ways of saying
 * so. Such a request is worth retrying, so it is answered 503 with Retry-After, never 500.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  return causes(error).some(isUnavailableSignal)
}

/** SQLSTATEs: class 08 connection exceptions, and these. */
const UNAVAILABLE_STATES = new Set([
  '57014', // query_canceled: our statement_timeout
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (starting up, recovering)
  '53300', // too_many_connections
])

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNABORTED',
])

// pg and pg-pool say these without a code: connect timeout, pool acquire timeout, our
// query_timeout, a connection lost mid-query, a client the pool handed out after it broke.
const DRIVER_MESSAGES =
  /^(Connection terminated|timeout exceeded when trying to connect|Query read timeout|Client has encountered a connection error|Client was closed)/

function isUnavailableSignal(error: { code?: unknown; message?: unknown }): boolean {
  const code = typeof error.code === 'string' ? error.code : ''
  if (code.startsWith('08') || UNAVAILABLE_STATES.has(code) || NETWORK_CODES.has(code)) return true
  return typeof error.message === 'string' && DRIVER_MESSAGES.test(error.message)
}

/** The error, its causes and, for an AggregateError (connect tried on several addresses), its parts. */
function causes(error: unknown, depth = 0): Array<{ code?: unknown; message?: unknown }> {
  if (typeof error !== 'object' || error === null || depth > 5) return []
  const { cause, errors } = error as { cause?: unknown; errors?: unknown }
  const parts = Array.isArray(errors) ? errors.flatMap((e) => causes(e, depth + 1)) : []
  return [error as { code?: unknown; message?: unknown }, ...causes(cause, depth + 1), ...parts]
}
