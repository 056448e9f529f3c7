import type { Database } from '../db/database.ts'
import { pendingMigrations, type Migration } from '../db/migrate.ts'
import type { OperationHandlers } from '../http/operations.ts'
import { GatewayError } from '../errors/gateway-error.ts'
import { isDatabaseUnavailable } from '../db/unavailable.ts'
import type { LoopHealth } from './loop-health.ts'

export interface Readiness {
  ready: boolean
  database: 'reachable' | 'unreachable'
  pending_migrations: number
  /** This process's background loops that completed no step within the bound (stuck or failing). */
  stalled_loops: string[]
}

/** This process's loops, and how long one may go without completing a step (LOOP_STALL_MS). */
export interface LoopWatch {
  health: LoopHealth
  stallMs: number
}

/**
 * Ready means: the database answers, every migration this code knows is applied, unedited, and every
 * background loop of this process completed a step within `loops.stallMs`.
 */
export function createReadinessCheck(database: Database, migrations: Migration[], loops?: LoopWatch) {
  return async function checkReadiness(): Promise<Readiness> {
    const readiness = await checkDatabase()
    const stalled = loops?.health.stalled(loops.stallMs) ?? []
    return { ...readiness, ready: readiness.ready && stalled.length === 0, stalled_loops: stalled }
  }

  async function checkDatabase(): Promise<Omit<Readiness, 'stalled_loops'>> {
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

/** This process cannot serve yet (or any more): /readyz answers 503 with Retry-After. */
class NotReadyError extends GatewayError<'NOT_READY'> {}

export function healthHandlers(checkReadiness: () => Promise<Readiness>): OperationHandlers {
  return {
    getHealth: async () => ({ status: 'ok' }),
    getReadiness: async () => {
      const { stalled_loops: stalled, ...readiness } = await checkReadiness()
      if (readiness.ready) return { status: 'ready', ...readiness }
      throw new NotReadyError('NOT_READY', `not ready: ${notReadyBecause({ ...readiness, stalled_loops: stalled })}`)
    },
  }
}

function notReadyBecause(readiness: Readiness): string {
  if (readiness.database === 'unreachable') return 'the database is unreachable'
  if (readiness.pending_migrations > 0) return `${readiness.pending_migrations} migration(s) not applied`
  return `background loop(s) completed no step within LOOP_STALL_MS: ${readiness.stalled_loops.join(', ')}`
}
