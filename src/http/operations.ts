import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify'
import { acceptsAny } from './accept.ts'
import type { Operation, OpenApiContract } from './openapi-document.ts'
import { ContractError } from './openapi-document.ts'
import { problem } from './problems.ts'

export type OperationHandler = (request: FastifyRequest, reply: FastifyReply) => unknown

/** operationId -> handler. Each domain exports one of these next to its service. */
export type OperationHandlers = Record<string, OperationHandler>

/** What every route carries in `routeOptions.config`, for the auth plugin and the access log. */
interface OperationConfig {
  operationId: string
  security: Array<Record<string, string[]>>
  produces: string[]
}

declare module 'fastify' {
  interface FastifyContextConfig {
    operation?: OperationConfig
  }
}

/** Operations served by a plugin rather than a handler (Swagger UI under /docs). */
const SERVED_BY_PLUGIN = 'x-served-by'

/**
 * Binds every operation in openapi.yaml to its handler by operationId. Start-up fails, naming each
 * one, when an operation has no handler, a handler has no operation, or an operation does not
 * declare its security (public operations say `security: []`).
 */
export function registerOperations(app: FastifyInstance, contract: OpenApiContract, handlers: OperationHandlers): void {
  assertBinding(contract.operations, handlers)
  for (const operation of contract.operations) {
    if (operation.extensions[SERVED_BY_PLUGIN]) continue
    app.route(routeFor(operation, handlers[operation.operationId]!))
  }
}

function assertBinding(operations: Operation[], handlers: OperationHandlers): void {
  const problems: string[] = []
  const ids = new Set<string>()
  for (const op of operations) {
    const where = `${op.method} ${op.path}`
    if (!op.operationId) problems.push(`${where} has no operationId`)
    else if (ids.has(op.operationId)) problems.push(`operationId ${op.operationId} is used twice`)
    ids.add(op.operationId)
    if (!Array.isArray(op.security)) problems.push(`${op.operationId ?? where} does not declare security (public operations say security: [])`)
    if (op.extensions[SERVED_BY_PLUGIN]) continue
    if (op.operationId && !handlers[op.operationId]) problems.push(`operation ${op.operationId} (${where}) has no handler`)
  }
  for (const id of Object.keys(handlers)) {
    if (!ids.has(id)) problems.push(`handler ${id} has no operation in openapi.yaml`)
  }
  if (problems.length > 0) throw new ContractError(`openapi.yaml and the handlers disagree:\n  - ${problems.join('\n  - ')}`)
}

function routeFor(op: Operation, handler: OperationHandler): RouteOptions {
  const produces = [...new Set(Object.values(op.responses).flatMap((content) => Object.keys(content)))]
  const multi = multiSegmentParameter(op)
  const bodyLimit = op.extensions['x-body-limit']
  return {
    method: op.method as RouteOptions['method'],
    url: routeUrl(op),
    schema: routeSchema(op),
    config: { operation: { operationId: op.operationId, security: op.security ?? [], produces } },
    ...(typeof bodyLimit === 'number' ? { bodyLimit } : {}),
    onRequest: async (request) => {
      if (!acceptsAny(request.headers.accept, produces)) {
        throw problem('HG_NOT_ACCEPTABLE', `this operation can answer with: ${produces.join(', ')}`)
      }
    },
    preValidation: async (request: FastifyRequest) => {
      if (multi) renameWildcard(request, multi)
      if (op.requestBody?.required) assertBodyPresent(request, Object.keys(op.requestBody.content))
    },
    handler,
  }
}

/**
 * A path parameter marked `x-multi-segment: true` may contain slashes (e.g. a C2SP tile path), which
 * OpenAPI cannot express. It must be the last segment of the path; it is routed as Fastify's wildcard
 * `*` and validated under its own name.
 */
function multiSegmentParameter(op: Operation): string | undefined {
  const multi = op.parameters.filter((p) => p.in === 'path' && (p as unknown as Record<string, unknown>)['x-multi-segment'] === true)
  if (multi.length === 0) return undefined
  const name = multi[0]!.name
  if (multi.length > 1 || !op.path.endsWith(`/{${name}}`)) {
    throw new ContractError(`${op.operationId}: only one x-multi-segment path parameter, as the last segment of the path`)
  }
  return name
}

/** The Fastify route URL of an operation: `{name}` -> `:name`, a multi-segment parameter -> `*`. */
export function routeUrl(op: Operation): string {
  const multi = multiSegmentParameter(op)
  const path = multi ? `${op.path.slice(0, -`{${multi}}`.length)}*` : op.path
  return path.replace(/\{([^}]+)\}/g, ':$1')
}

/**
 * Fastify validates a body declared per media type only when the request names one of them; with no
 * Content-Type and no body nothing would be checked, so a required body is required here, for every type.
 */
function assertBodyPresent(request: FastifyRequest, types: string[]): void {
  if (request.body !== undefined) return
  throw problem('HG_VALIDATION', `a request body is required (${types.join(', ')})`, {
    errors: [{ in: 'body', pointer: '', message: `is required, as one of: ${types.join(', ')}` }],
  })
}

function renameWildcard(request: FastifyRequest, name: string): void {
  const params = request.params as Record<string, string>
  params[name] = params['*'] ?? ''
  delete params['*']
}

function routeSchema(op: Operation): RouteOptions['schema'] {
  const schema: Record<string, unknown> = {}
  for (const [part, where] of [
    ['params', 'path'],
    ['querystring', 'query'],
    ['headers', 'header'],
  ] as const) {
    const parameters = op.parameters.filter((p) => p.in === where)
    // an operation without query parameters still refuses unknown ones (a token in `?access_token=`)
    if (parameters.length === 0 && where !== 'query') continue
    const name = (p: { name: string }) => (where === 'header' ? p.name.toLowerCase() : p.name)
    schema[part] = {
      type: 'object',
      properties: Object.fromEntries(parameters.map((p) => [name(p), p.schema])),
      required: parameters.filter((p) => p.required).map(name),
      // unknown query parameters are mistakes worth reporting; unknown headers are normal
      additionalProperties: where === 'header',
    }
  }
  if (op.requestBody) {
    const entries = Object.entries(op.requestBody.content)
    schema.body =
      entries.length === 1 && entries[0]![0] === 'application/json'
        ? entries[0]![1]
        : { content: Object.fromEntries(entries.map(([type, s]) => [type, { schema: s }])) }
  }
  const response: Record<string, unknown> = {}
  for (const [status, content] of Object.entries(op.responses)) {
    const json = Object.entries(content).filter(([type, s]) => s && /[/+]json$/.test(type))
    if (json.length > 0) response[status] = { content: Object.fromEntries(json.map(([type, s]) => [type, { schema: s }])) }
  }
  if (Object.keys(response).length > 0) schema.response = response
  return schema
}

/** Path templates from the contract as matchers, to tell a 405 (known path, other method) from a 404. */
export function allowedMethods(contract: OpenApiContract): (path: string) => string[] {
  const templates = new Map<string, { pattern: RegExp; methods: string[] }>()
  for (const op of contract.operations) {
    const multi = multiSegmentParameter(op)
    const segment = (param: string) => (param === `{${multi}}` ? '.+' : '[^/]+')
    const pattern = new RegExp(`^${op.path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{[^}]+\\?\}/g, (m) => segment(m))}$`)
    const entry = templates.get(op.path) ?? { pattern, methods: [] }
    entry.methods.push(op.method, ...(op.method === 'GET' ? ['HEAD'] : []))
    templates.set(op.path, entry)
  }
  return (path) => [...templates.values()].filter((t) => t.pattern.test(path)).flatMap((t) => t.methods)
}
