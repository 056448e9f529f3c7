import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { OpenApiContract } from '../http/openapi-document.ts'
import type { OperationHandlers } from '../http/operations.ts'

/** Swagger UI at /docs over the static, bundled contract; nothing here generates the spec. */
export const docsPlugin = fp(
  async (app: FastifyInstance, { contract }: { contract: OpenApiContract }) => {
    await app.register(swagger, { mode: 'static', specification: { document: contract.bundled as never } })
    await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true })
  },
  { name: 'docs', fastify: '5.x' },
)

export function contractHandlers(contract: OpenApiContract): OperationHandlers {
  return {
    getOpenApiJson: async () => contract.bundled,
    getOpenApiYaml: async (_request, reply) => reply.type('application/yaml').send(contract.bundledYaml),
  }
}
