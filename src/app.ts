import type { FastifyInstance } from 'fastify'
import type { Logger } from 'pino'
import type { Config } from './config/config.ts'
import type { Database } from './db/database.ts'
import type { Migration } from './db/migrate.ts'
import { createContractServer } from './http/contract-server.ts'
import { loadContract, type OpenApiContract } from './http/openapi-document.ts'
import { createReadinessCheck, healthHandlers } from './ops/health.ts'
import { databasePlugin } from './plugins/database.ts'
import { contractHandlers, docsPlugin } from './plugins/docs.ts'

export interface AppOptions {
  config: Config
  database: Database
  migrations: Migration[]
  logger: Logger
  contract?: OpenApiContract
}

/** The whole gateway, not listening: server.ts starts it, tests `inject` into it. */
export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const contract = options.contract ?? (await loadContract())
  return createContractServer({
    contract,
    logger: options.logger,
    bodyLimit: options.config.bodyLimit,
    plugins: async (app) => {
      await app.register(databasePlugin, { database: options.database })
      await app.register(docsPlugin, { contract })
    },
    handlers: () => ({
      ...healthHandlers(createReadinessCheck(options.database, options.migrations)),
      ...contractHandlers(contract),
    }),
  })
}
