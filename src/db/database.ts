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

export type DatabaseConfig = Pick<Config, 'databaseUrl' | 'dataDir' | 'dbConnectTimeoutMs' | 'dbStatementTimeoutMs' | 'dbQueryTimeoutMs'>

export async function openDatabase(config: DatabaseConfig, log: Logger): Promise<Database> {
  if (config.databaseUrl) return fromPool(new pg.Pool(boundedPoolConfig(config, config.databaseUrl)), 'postgres', log)
  const embedded = await startEmbeddedPostgres(config.dataDir, log)
  // PGlite is single-connection: a pool of one serialises every query through it.
  const pool = new pg.Pool({ ...embedded.connection, max: 1 })
  return fromPool(pool, 'embedded', log, embedded.stop)
}

/**
 * Every wait on a networked PostgreSQL is bounded, so that an outage or a stall (connections
 * accepted, nothing answered) costs a request a few seconds and a 503, not a hang: opening a
 * connection or waiting for a free one (connectionTimeoutMillis), a statement (statement_timeout,
 * enforced by the server, which keeps the connection usable) and the answer to a query
 * (query_timeout, enforced here: the only bound that holds when the server or network is silent).
 * Embedded PGlite runs in this process and cannot stall that way.
 */
function boundedPoolConfig(config: DatabaseConfig, connectionString: string): pg.PoolConfig {
  return {
    connectionString,
    max: 10,
    connectionTimeoutMillis: config.dbConnectTimeoutMs,
    statement_timeout: config.dbStatementTimeoutMs,
    query_timeout: config.dbQueryTimeoutMs,
    keepAlive: true,
  }
}

function fromPool(pool: pg.Pool, kind: Database['kind'], log: Logger, after?: () => Promise<void>): Database {
  // An idle client that loses its connection must not crash the process; the next query reconnects.
  pool.on('error', (error) => log.warn({ err: error }, 'idle database connection failed'))
  // Nor may one that is checked out: pg emits 'error' on it besides failing its query, and an
  // 'error' event without a listener would end the process. The query's caller handles the failure.
  pool.on('connect', (client) => client.on('error', () => undefined))
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
