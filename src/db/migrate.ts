import { createHash } from 'node:crypto'
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type pg from 'pg'

export const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations/', import.meta.url))

/** Arbitrary but fixed: every gateway process serialises migrations on this advisory lock. */
const MIGRATION_LOCK = 7_212_410_001

export interface Migration {
  version: number
  name: string
  file: string
  sql: string
  checksum: string
}

export class MigrationError extends Error {
  readonly code = 'MIGRATION_FAILED'
}

const FILE_NAME = /^(\d{4})_([a-z0-9_]+)\.sql$/

export async function readMigrations(dir = MIGRATIONS_DIR): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((file) => file.endsWith('.sql')).sort()
  const migrations: Migration[] = []
  for (const file of files) {
    const match = FILE_NAME.exec(file)
    if (!match) throw new MigrationError(`migration file ${file} must be named NNNN_lower_snake_name.sql`)
    const sql = await readFile(join(dir, file), 'utf8')
    const version = Number(match[1])
    if (migrations.at(-1)?.version === version) throw new MigrationError(`two migrations share version ${match[1]}`)
    migrations.push({ version, name: match[2]!, file, sql, checksum: createHash('sha256').update(sql).digest('hex') })
  }
  return migrations
}

const CREATE_LEDGER = `CREATE TABLE IF NOT EXISTS schema_migrations (
  version integer PRIMARY KEY,
  name text NOT NULL,
  checksum text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
)`

/**
 * Applies pending migrations, each in its own transaction, under an advisory lock so that
 * several processes starting at once apply each migration exactly once. A failing migration
 * rolls back and stops; an edited, already-applied one stops before anything runs.
 */
export async function migrate(pool: pg.Pool, migrations: Migration[], onApplied?: (m: Migration) => void): Promise<Migration[]> {
  const client = await pool.connect()
  // A migration may rightly run long (an index on a big table) or wait for another process's
  // lock: the timeouts that bound a request's queries do not apply to it.
  // (pg reads query_timeout from a query's config too; its types list it for clients only)
  const run = (text: string, values?: unknown[]) => client.query({ text, values, query_timeout: UNBOUNDED_MS } as pg.QueryConfig)
  try {
    await run('SET statement_timeout = 0')
    await run('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK])
    await run(CREATE_LEDGER)
    const pending = await pendingMigrations(client, migrations)
    for (const migration of pending) {
      await applyOne(run, migration)
      onApplied?.(migration)
    }
    return pending
  } finally {
    await run('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined)
    // back to the pool's bound (the value the connection started with). Not release(true): embedded
    // PGlite has one connection only, and a destroyed one leaves the next query with none.
    const reset = await run('RESET statement_timeout').then(
      () => undefined,
      (error: Error) => error,
    )
    client.release(reset)
  }
}

/** setTimeout's largest delay (~24 days): pg treats 0 as "use the pool's query_timeout". */
const UNBOUNDED_MS = 2 ** 31 - 1

async function applyOne(run: (text: string, values?: unknown[]) => Promise<unknown>, migration: Migration): Promise<void> {
  try {
    await run('BEGIN')
    await run(migration.sql)
    await run('INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)', [migration.version, migration.name, migration.checksum])
    await run('COMMIT')
  } catch (error) {
    await run('ROLLBACK').catch(() => undefined)
    const reason = error instanceof Error ? error.message : String(error)
    throw new MigrationError(`migration ${migration.file} failed and was rolled back: ${reason}`)
  }
}

/** Checks the ledger against the files and returns what is left to apply. */
export async function pendingMigrations(client: pg.ClientBase, migrations: Migration[]): Promise<Migration[]> {
  const { rows } = await client.query<{ version: number; name: string; checksum: string }>(
    'SELECT version, name, checksum FROM schema_migrations ORDER BY version',
  )
  const byVersion = new Map(migrations.map((m) => [m.version, m]))
  for (const row of rows) {
    const file = byVersion.get(row.version)
    if (!file) {
      throw new MigrationError(`the database has migration ${row.version} (${row.name}) that this code does not know: run a newer release`)
    }
    if (file.checksum !== row.checksum) {
      throw new MigrationError(
        `migration ${file.file} was edited after it was applied (checksum differs): restore it and add a new migration instead`,
      )
    }
  }
  const applied = new Set(rows.map((row) => row.version))
  return migrations.filter((m) => !applied.has(m.version))
}
