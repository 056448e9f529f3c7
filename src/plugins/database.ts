import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { Database } from '../db/database.ts'

declare module 'fastify' {
  interface FastifyInstance {
    db: Database
  }
}

/** Exposes the database to domain plugins and closes it last, after in-flight requests finish. */
export const databasePlugin = fp(
  async (app: FastifyInstance, { database }: { database: Database }) => {
    app.decorate('db', database)
    app.addHook('onClose', async () => database.close())
  },
  { name: 'database', fastify: '5.x' },
)
