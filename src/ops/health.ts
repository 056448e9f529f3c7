import type { Database } from '../db/database.ts'
import { pendingMigrations, type Migration } from '../db/migrate.ts'
import type { OperationHandlers } from '../http/operations.ts'
import { problem } from '../http/problems.ts'

export interface Readiness {
  ready: boolean
  database: 'reachable' | 'unreachable'
  pending_migrations: number
}

/** Ready means: the database answers and every migration this code knows is applied, unedited. */
export function createReadinessCheck(database: Database, migrations: Migration[]) {
  return async function checkReadiness(): Promise<Readiness> {
    let client
    try {
      client = await database.pool.connect()
    } catch {
      return { ready: false, database: 'unreachable', pending_migrations: migrations.length }
    }
    try {
      const pending = await pendingMigrations(client, migrations)
      return { ready: pending.length === 0, database: 'reachable', pending_migrations: pending.length }
    } catch {
      return { ready: false, database: 'reachable', pending_migrations: migrations.length }
    } finally {
      client.release()
    }
  }
}

export function healthHandlers(checkReadiness: () => Promise<Readiness>): OperationHandlers {
  return {
    getHealth: async () => ({ status: 'ok' }),
    getReadiness: async () => {
      const readiness = await checkReadiness()
      if (readiness.ready) return { status: 'ready', ...readiness }
      const why = readiness.database === 'unreachable' ? 'the database is unreachable' : `${readiness.pending_migrations} migration(s) not applied`
      throw problem('HG_UNAVAILABLE', `not ready: ${why}`, { headers: { 'retry-after': '5' } })
    },
  }
}
