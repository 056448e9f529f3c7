import type { Database } from '../db/database.ts'
import { pendingMigrations, type Migration } from '../db/migrate.ts'
import type { OperationHandlers } from '../http/operations.ts'
import { unavailable } from '../http/problems.ts'
import { isDatabaseUnavailable } from '../db/unavailable.ts'

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
      client.release()
      return { ready: pending.length === 0, database: 'reachable', pending_migrations: pending.length }
    } catch (error) {
      client.release(error as Error) // the connection may be the broken part: do not hand it out again
      return { ready: false, database: isDatabaseUnavailable(error) ? 'unreachable' : 'reachable', pending_migrations: migrations.length }
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
      throw unavailable(`not ready: ${why}`)
    },
  }
}
