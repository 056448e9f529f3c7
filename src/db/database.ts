import pg from 'pg'
import type { Logger } from 'pino'
import type { Config } from '../config/config.ts'
import { startEmbeddedPostgres } from './embedded.ts'

/**
 * One interface over both back ends: a `pg` pool. With DATABASE_URL it is a real PostgreSQL;
 * without it, embedded PGlite spoken to over the same wire protocol, so no SQL is written twice.
 */
export interface Database {
  readonly pool: pg.Pool
  readonly kind: 'postgres' | 'embedded'
  close(): Promise<void>
}

// bigint (int8) columns come back as strings by default; our counters and indexes fit in 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value))

export async function openDatabase(config: Pick<Config, 'databaseUrl' | 'dataDir'>, log: Logger): Promise<Database> {
  if (config.databaseUrl) return fromPool(new pg.Pool({ connectionString: config.databaseUrl, max: 10 }), 'postgres', log)
  const embedded = await startEmbeddedPostgres(config.dataDir, log)
  // PGlite is single-connection: a pool of one serialises every query through it.
  const pool = new pg.Pool({ ...embedded.connection, max: 1 })
  return fromPool(pool, 'embedded', log, embedded.stop)
}

function fromPool(pool: pg.Pool, kind: Database['kind'], log: Logger, after?: () => Promise<void>): Database {
  // An idle client that loses its connection must not crash the process; the next query reconnects.
  pool.on('error', (error) => log.warn({ err: error }, 'idle database connection failed'))
  let closing: Promise<void> | undefined
  return {
    pool,
    kind,
    close() {
      closing ??= pool.end().then(() => after?.())
      return closing
    },
  }
}
