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

export class ProblemError extends Error {
  readonly status: number
  constructor(
    readonly code: ProblemCode,
    readonly detail: string,
    readonly extensions: { errors?: FieldProblem[]; headers?: Record<string, string>; [k: string]: unknown } = {},
  ) {
    super(detail)
    this.status = PROBLEMS[code].status
  }
}

export function problem(code: ProblemCode, detail: string, extensions?: ProblemError['extensions']): ProblemError {
  return new ProblemError(code, detail, extensions)
}

export function problemType(code: ProblemCode): string {
  return `urn:hotline-gateway:problem:${code.slice(3).toLowerCase().replaceAll('_', '-')}`
}

export function problemBody(error: ProblemError, requestId?: string, instance?: string): ProblemBody {
  const { headers: _headers, ...extensions } = error.extensions
  return {
    type: problemType(error.code),
    title: PROBLEMS[error.code].title,
    status: error.status,
    detail: error.detail,
    code: error.code,
    ...(instance ? { instance } : {}),
    ...(requestId ? { request_id: requestId } : {}),
    ...extensions,
  }
}
