import { bounded, boundedErrors, MAX_PROBLEM_TEXT } from './problem-size.ts'
import { GatewayError } from '../errors/gateway-error.ts'

/**
 * Every error the gateway answers with is declared here once: a stable code, its HTTP status and
 * a short title. Handlers throw `problem(code, detail)`; the error handler turns it into RFC 9457
 * application/problem+json. Tests assert on `code`, never on wording.
 */
export const PROBLEMS = {
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

/**
 * The domain's error codes that an operation answers with, and as which problem. A GatewayError with
 * a code not listed here reaching the error handler is a bug (500): list it, or catch it where it means
 * something else.
 */
export const DOMAIN_PROBLEMS: Readonly<Record<string, ProblemCode>> = {
  AUDIT_OUT_OF_RANGE: 'HG_VALIDATION',
  AUDIT_NOT_FOUND: 'HG_NOT_FOUND',
}

export interface FieldProblem {
  /** Which part of the request: body, query, path or header. */
  in: 'body' | 'query' | 'path' | 'header'
  /** RFC 6901 JSON Pointer into that part, e.g. `/items/0/url`. */
  pointer: string
  message: string
}

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
