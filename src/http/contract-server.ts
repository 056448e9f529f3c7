import Fastify, { LogController, type FastifyInstance } from 'fastify'
import type { Logger } from 'pino'
import { installBodyParsers } from './body-parsers.ts'
import { createProblemSender, installErrorHandling, type ProblemRenderer } from './error-handler.ts'
import { clientErrorHandler, frameworkErrorHandler } from './framework-errors.ts'
import type { OpenApiContract } from './openapi-document.ts'
import { allowedMethods, registerOperations, routeUrl, type OperationHandlers } from './operations.ts'
import { requestIdFrom } from './request-id.ts'
import { createSchemaCompilers, type SchemaCompilers } from './schema-compilers.ts'

export interface ContractServerOptions {
  contract: OpenApiContract
  logger: Logger
  bodyLimit: number
  /** Registered before the operations: cross-cutting plugins (database, auth, docs). */
  plugins?: (app: FastifyInstance) => Promise<void>
  handlers: (app: FastifyInstance) => OperationHandlers
  /** The compiled contract, when the caller needs its validators too (compiling it twice costs ~100 ms). */
  compilers?: SchemaCompilers
  /** Refusals in another form than problem+json where a route asks for it (pages). */
  renderProblem?: ProblemRenderer
}

/**
 * A Fastify instance bound to an OpenAPI contract: ajv 2020-12 validation and response checking,
 * problem+json errors, request ids, and a guard that refuses any route the contract does not declare.
 */
export async function createContractServer(options: ContractServerOptions): Promise<FastifyInstance> {
  const { contract } = options
  const compilers = options.compilers ?? createSchemaCompilers(contract.schemas)
  const sendProblem = createProblemSender(options.renderProblem)
  const app = Fastify({
    loggerInstance: options.logger,
    genReqId: requestIdFrom,
    logController: new LogController({ requestIdLogLabel: 'request_id' }),
    bodyLimit: options.bodyLimit,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    routerOptions: { ignoreTrailingSlash: false, maxParamLength: 200 },
    frameworkErrors: frameworkErrorHandler(sendProblem),
    clientErrorHandler,
  }) as unknown as FastifyInstance
  app.setValidatorCompiler(compilers.validatorCompiler)
  app.setSerializerCompiler(compilers.serializerCompiler)
  guardRoutes(app, contract)
  // Once shutdown starts, responses to in-flight requests close their keep-alive sockets;
  // otherwise a client's idle connection would hold close() open until the grace period ends.
  let closing = false
  app.addHook('preClose', async () => {
    closing = true
  })
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id)
    if (closing) reply.header('connection', 'close')
  })
  installErrorHandling(app, allowedMethods(contract), sendProblem)
  installBodyParsers(app, contract)
  await options.plugins?.(app)
  registerOperations(app, contract, options.handlers(app))
  return app
}

/** A route that is not in openapi.yaml does not exist; Swagger UI's assets under /docs are the one exception. */
function guardRoutes(app: FastifyInstance, contract: OpenApiContract): void {
  const declared = new Set(contract.operations.map((op) => `${op.method} ${routeUrl(op)}`))
  app.addHook('onRoute', (route) => {
    if (route.url === '/docs' || route.url.startsWith('/docs/')) return
    const methods = Array.isArray(route.method) ? route.method : [route.method]
    for (const method of methods) {
      const key = `${method === 'HEAD' ? 'GET' : method} ${route.url}`
      if (!declared.has(key)) throw new Error(`route ${method} ${route.url} is not declared in openapi.yaml`)
    }
  })
}
