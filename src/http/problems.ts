import { bounded, boundedErrors, MAX_PROBLEM_TEXT } from './problem-size.ts'
import { GatewayError, type FieldIssue } from '../errors/gateway-error.ts'

/**
 * Every error the gateway answers with is declared here once: a stable code, its HTTP status and
 * a short title. Handlers throw `problem(code, detail)`; the error handler turns it into RFC 9457
 * application/problem+json. Tests assert on `code`, never on wording.
 */
const PROBLEMS = {
  HG_VALIDATION: { status: 400, title: 'The request does not match the API contract' },
  HG_MALFORMED_BODY: { status: 400, title: 'The request body could not be parsed' },
  HG_BAD_REQUEST: { status: 400, title: 'Bad request' },
  HG_UNAUTHENTICATED: { status: 401, title: 'Authentication required' },
  HG_FORBIDDEN: { status: 403, title: 'Not allowed' },
  HG_NOT_FOUND: { status: 404, title: 'Not found' },
  HG_METHOD_NOT_ALLOWED: { status: 405, title: 'Method not allowed' },
  HG_NOT_ACCEPTABLE: { status: 406, title: 'No acceptable representation' },
  HG_REQUEST_TIMEOUT: { status: 408, title: 'Request not received in time' },
  HG_CONFLICT: { status: 409, title: 'Conflict with the current state' },
  HG_GONE: { status: 410, title: 'Purged under the retention policy' },
  HG_PAYLOAD_TOO_LARGE: { status: 413, title: 'Request body too large' },
  HG_URI_TOO_LONG: { status: 414, title: 'Request URI too long' },
  HG_UNSUPPORTED_MEDIA_TYPE: { status: 415, title: 'Unsupported media type' },
  HG_UNPROCESSABLE: { status: 422, title: 'The request is well-formed but cannot be processed' },
  HG_SIGNATURE_INVALID: { status: 422, title: 'The signed message does not verify under your published keys' },
  HG_RATE_LIMITED: { status: 429, title: 'Too many requests' },
  HG_HEADERS_TOO_LARGE: { status: 431, title: 'Request headers too large' },
  HG_INTERNAL: { status: 500, title: 'Internal error' },
  HG_UNAVAILABLE: { status: 503, title: 'Service unavailable' },
} as const satisfies Record<string, { status: number; title: string }>

export type ProblemCode = keyof typeof PROBLEMS

/** How a domain error is answered: as which problem, and where the answer is more than the error's message. */
interface DomainProblem {
  code: ProblemCode
  /** The detail, when it is not the error's message. */
  detail?: (error: GatewayError) => string
  /** Seconds a client waits before it retries a 503 (its Retry-After); RETRY_AFTER_SECONDS when not said. */
  retryAfter?: number
}

/** Foreign-format input answers with the problem's title before what is wrong with the document. */
const titled = (code: ProblemCode): DomainProblem => ({ code, detail: (error) => `${PROBLEMS[code].title}: ${error.message}` })

/**
 * The domain's error codes that an operation answers with, and as which problem: the one table from
 * code to answer (domain code throws GatewayErrors and never imports this file). A GatewayError with
 * a code not listed here reaching the error handler is a bug (500): list it, or catch it where it
 * means something else.
 */
const DOMAIN_PROBLEMS: Readonly<Record<string, ProblemCode | DomainProblem>> = {
  AUDIT_OUT_OF_RANGE: 'HG_VALIDATION',
  AUDIT_NOT_FOUND: 'HG_NOT_FOUND',
  // authentication (src/auth): the auth plugin adds the RFC 6750 challenge
  AUTH_MISSING_TOKEN: 'HG_UNAUTHENTICATED',
  AUTH_INVALID_TOKEN: 'HG_UNAUTHENTICATED',
  AUTH_EXPIRED: 'HG_UNAUTHENTICATED',
  AUTH_INVALID_REQUEST: 'HG_BAD_REQUEST',
  AUTH_INSUFFICIENT_SCOPE: 'HG_FORBIDDEN',
  AUTH_ISSUER_UNAVAILABLE: 'HG_UNAVAILABLE',
  // versioned documents (src/state): the directory, the routing rules
  STATE_VERSION_CONFLICT: 'HG_CONFLICT',
  STATE_DOCUMENT_INVALID: 'HG_VALIDATION',
  // intake (src/intake) and the formats it reads (src/formats)
  INTAKE_IDEMPOTENCY_CONFLICT: 'HG_CONFLICT',
  INTAKE_EXTERNAL_ID_CONFLICT: 'HG_CONFLICT',
  INTAKE_CHANNEL_NOT_ALLOWED: 'HG_UNPROCESSABLE',
  INTAKE_URL_INVALID: 'HG_VALIDATION',
  REPORT_NOT_FOUND: 'HG_NOT_FOUND',
  REPORT_RETRACTED: 'HG_CONFLICT',
  XML_TOO_LARGE: titled('HG_PAYLOAD_TOO_LARGE'),
  XML_DECLARATION_FORBIDDEN: titled('HG_MALFORMED_BODY'),
  XML_TOO_DEEP: titled('HG_MALFORMED_BODY'),
  XML_MALFORMED: titled('HG_MALFORMED_BODY'),
  FORMAT_INVALID: titled('HG_VALIDATION'),
  FORMAT_SCHEMA_VIOLATION: titled('HG_VALIDATION'),
  FORMAT_NOT_REPRESENTABLE: titled('HG_VALIDATION'),
  // handoffs (src/handoffs): the destinations' receipts and statuses, the inbox, evidence
  HANDOFF_NOT_FOUND: 'HG_NOT_FOUND',
  HANDOFF_STATE_CONFLICT: 'HG_CONFLICT',
  HANDOFF_CLAIMS_INVALID: 'HG_UNPROCESSABLE',
  HANDOFF_CURSOR_INVALID: 'HG_VALIDATION',
  HANDOFF_EVIDENCE_PENDING: { code: 'HG_UNAVAILABLE', retryAfter: 1 },
  SIGNED_MALFORMED: 'HG_SIGNATURE_INVALID',
  SIGNED_WRONG_TYPE: 'HG_SIGNATURE_INVALID',
  SIGNED_UNKNOWN_KEY: 'HG_SIGNATURE_INVALID',
  SIGNED_BAD_SIGNATURE: 'HG_SIGNATURE_INVALID',
  // operations (src/stats, src/ops)
  STATS_QUERY_INVALID: 'HG_VALIDATION',
  NOT_READY: 'HG_UNAVAILABLE',
}

/**
 * The problem `error` answers with: a ProblemError as it is, a GatewayError by its code through
 * DOMAIN_PROBLEMS (its message, its fields, its details); undefined for anything else (a bug: 500).
 */
export function problemOf(error: unknown): ProblemError | undefined {
  if (error instanceof ProblemError) return error
  if (!(error instanceof GatewayError)) return undefined
  const entry = DOMAIN_PROBLEMS[error.code]
  if (entry === undefined) return undefined
  const { code, detail, retryAfter }: DomainProblem = typeof entry === 'string' ? { code: entry } : entry
  const extensions: ProblemError['extensions'] = { ...error.details, ...fieldsOf(error) }
  if (code === 'HG_UNAVAILABLE') extensions.headers = { 'retry-after': String(retryAfter ?? RETRY_AFTER_SECONDS) }
  const message = error.field ? `${error.field.in} ${error.field.pointer} ${error.message}` : error.message
  return problem(code, detail ? detail(error) : message, extensions)
}

/** The fields a domain error names, as the problem's `errors`. */
function fieldsOf(error: GatewayError): { errors?: FieldProblem[] } {
  if (error.fieldErrors) return { errors: [...error.fieldErrors] }
  if (error.field) return { errors: [{ ...error.field, message: error.message }] }
  return {}
}

/** One field of a request and what is wrong with it (`in`: body, query, path or header; `pointer`: RFC 6901). */
export type FieldProblem = FieldIssue

export interface ProblemBody {
  type: string
  title: string
  status: number
  detail: string
  code: ProblemCode
  instance?: string
  request_id?: string
  errors?: FieldProblem[]
  [extension: string]: unknown
}

export const PROBLEM_MEDIA_TYPE = 'application/problem+json'

export class ProblemError extends GatewayError<ProblemCode> {
  readonly status: number
  constructor(
    code: ProblemCode,
    readonly detail: string,
    readonly extensions: { errors?: FieldProblem[]; headers?: Record<string, string>; [k: string]: unknown } = {},
  ) {
    super(code, detail)
    this.status = PROBLEMS[code].status
  }
}

export function problem(code: ProblemCode, detail: string, extensions?: ProblemError['extensions']): ProblemError {
  return new ProblemError(code, detail, extensions)
}

function problemType(code: ProblemCode): string {
  return `urn:hotline-gateway:problem:${code.slice(3).toLowerCase().replaceAll('_', '-')}`
}

/** The one body every problem answer is made of, its texts bounded (see problem-size.ts). */
export function problemBody(error: ProblemError, requestId?: string, instance?: string): ProblemBody {
  const { headers: _headers, errors, ...extensions } = error.extensions
  const fields = errors && boundedErrors(errors)
  return {
    type: problemType(error.code),
    title: PROBLEMS[error.code].title,
    status: error.status,
    detail: bounded(error.detail, MAX_PROBLEM_TEXT),
    code: error.code,
    ...(instance ? { instance: bounded(instance, MAX_PROBLEM_TEXT) } : {}),
    ...(requestId ? { request_id: requestId } : {}),
    ...extensions,
    ...(fields ? { errors: fields.errors } : {}),
    ...(fields?.omitted ? { errors_omitted: fields.omitted } : {}),
  }
}

/** How long a client should wait before retrying a 503: about as long as an outage probe takes to notice recovery. */
const RETRY_AFTER_SECONDS = 5

/** A 503 that says when to come back (RFC 9110 §10.2.3): what a client gets while a dependency is unreachable. */
export function unavailable(detail: string): ProblemError {
  return problem('HG_UNAVAILABLE', detail, { headers: { 'retry-after': String(RETRY_AFTER_SECONDS) } })
}
