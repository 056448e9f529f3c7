import { createHash } from 'node:crypto'
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type pg from 'pg'
import { GatewayError } from '../errors/gateway-error.ts'

const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations/', import.meta.url))

/** Arbitrary but fixed: every gateway process serialises migrations on this advisory lock. */
const MIGRATION_LOCK = 7_212_410_001

/**
 * A numbered migration changes the schema once and is never edited. A database function lives in one
 * file under `migrations/functions/`, the version a reader sees is the live one: it is re-applied
 * (CREATE OR REPLACE) whenever its text changes, after the migrations, under the same lock.
 */
export type Migration = NumberedMigration | FunctionDefinition

interface MigrationFile {
  name: string
  file: string
  sql: string
  checksum: string
}

interface NumberedMigration extends MigrationFile {
  kind: 'migration'
  version: number
}

interface FunctionDefinition extends MigrationFile {
  kind: 'function'
}

class MigrationError extends GatewayError<'MIGRATION_FAILED'> {
  constructor(message: string, options?: ErrorOptions) {
    super('MIGRATION_FAILED', message, options)
  }
}

const FILE_NAME = /^(\d{4})_([a-z0-9_]+)\.sql$/
const FUNCTION_FILE_NAME = /^([a-z0-9_]+)\.sql$/
const FUNCTIONS_SUBDIR = 'functions'

export async function readMigrations(dir = MIGRATIONS_DIR): Promise<Migration[]> {
  return [...(await readNumbered(dir)), ...(await readFunctions(join(dir, FUNCTIONS_SUBDIR)))]
}

async function readNumbered(dir: string): Promise<NumberedMigration[]> {
  const migrations: NumberedMigration[] = []
  for (const file of await sqlFiles(dir)) {
    const match = FILE_NAME.exec(file)
    if (!match) throw new MigrationError(`migration file ${file} must be named NNNN_lower_snake_name.sql`)
    const version = Number(match[1])
    if (migrations.at(-1)?.version === version) throw new MigrationError(`two migrations share version ${match[1]}`)
    migrations.push({ kind: 'migration', version, ...(await readSql(dir, file, match[2]!)) })
  }
  return migrations
}

async function readFunctions(dir: string): Promise<FunctionDefinition[]> {
  const functions: FunctionDefinition[] = []
  for (const file of await sqlFiles(dir)) {
    const match = FUNCTION_FILE_NAME.exec(file)
    if (!match) throw new MigrationError(`function file ${file} must be named lower_snake_name.sql`)
    functions.push({ kind: 'function', ...(await readSql(dir, file, match[1]!)) })
  }
  return functions
}

async function sqlFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT' && dir.endsWith(FUNCTIONS_SUBDIR)) return [] // a project may have no functions
    throw error
  })
  return entries.filter((file) => file.endsWith('.sql')).sort()
}

async function readSql(dir: string, file: string, name: string): Promise<MigrationFile> {
  const sql = await readFile(join(dir, file), 'utf8')
  return { name, file, sql, checksum: createHash('sha256').update(sql).digest('hex') }
}

const CREATE_LEDGER = `CREATE TABLE IF NOT EXISTS schema_migrations (
  version integer PRIMARY KEY,
  name text NOT NULL,
  checksum text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS schema_functions (
  name text PRIMARY KEY,
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

function record(migration: Migration): [string, unknown[]] {
  if (migration.kind === 'migration') {
    return ['INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)', [migration.version, migration.name, migration.checksum]]
  }
  const upsert = `INSERT INTO schema_functions (name, checksum) VALUES ($1, $2)
                  ON CONFLICT (name) DO UPDATE SET checksum = EXCLUDED.checksum, applied_at = now()`
  return [upsert, [migration.name, migration.checksum]]
}

async function applyOne(run: (text: string, values?: unknown[]) => Promise<unknown>, migration: Migration): Promise<void> {
  try {
    await run('BEGIN')
    await run(migration.sql)
    await run(...record(migration))
    await run('COMMIT')
  } catch (error) {
    await run('ROLLBACK').catch(() => undefined)
    const reason = error instanceof Error ? error.message : String(error)
    throw new MigrationError(`${migration.kind} ${migration.file} failed and was rolled back: ${reason}`)
  }
}

/** Checks the ledgers against the files and returns what is left to apply: migrations, then changed functions. */
export async function pendingMigrations(client: pg.ClientBase, migrations: Migration[]): Promise<Migration[]> {
  const numbered = migrations.filter((m) => m.kind === 'migration')
  const functions = migrations.filter((m) => m.kind === 'function')
  return [...(await pendingNumbered(client, numbered)), ...(await pendingFunctions(client, functions))]
}

async function pendingNumbered(client: pg.ClientBase, migrations: NumberedMigration[]): Promise<NumberedMigration[]> {
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

/** A function is pending when the database holds another text of it (or none); the ledger may not exist yet. */
async function pendingFunctions(client: pg.ClientBase, functions: FunctionDefinition[]): Promise<FunctionDefinition[]> {
  if (functions.length === 0) return []
  const { rows } = await client
    .query<{ name: string; checksum: string }>('SELECT name, checksum FROM schema_functions')
    .catch((error: { code?: string }) => {
      if (error.code === '42P01') return { rows: [] } // undefined_table: no function applied yet
      throw error
    })
  const live = new Map(rows.map((row) => [row.name, row.checksum]))
  return functions.filter((f) => live.get(f.name) !== f.checksum)
}
