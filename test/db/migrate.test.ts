import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import t, { type Test } from 'tap'
import { migrate, readMigrations } from '../../src/db/migrate.ts'
import { createTestDatabase } from '../helpers/database.ts'

async function pool(t: Test) {
  const p = new pg.Pool({ connectionString: await createTestDatabase(t), max: 4 })
  t.teardown(() => p.end())
  return p
}

async function migrationsDir(files: Record<string, string>) {
  const dir = await mkdtemp(join(tmpdir(), 'hg-migrations-'))
  for (const [name, sql] of Object.entries(files)) await writeFile(join(dir, name), sql)
  return dir
}

const tables = async (p: pg.Pool) =>
  (await p.query(`SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1`)).rows.map((r) => r.tablename)

t.test("the project's migrations apply to an empty database, and a second run applies nothing", async (t) => {
  const p = await pool(t)
  const all = await readMigrations()
  t.ok(all.length >= 1)
  t.same(
    (await migrate(p, all)).map((m) => m.version),
    all.map((m) => m.version),
  )
  t.same(await migrate(p, all), [])
  const ledger = await p.query('SELECT version, checksum FROM schema_migrations ORDER BY version')
  t.same(
    ledger.rows,
    all.map((m) => ({ version: m.version, checksum: m.checksum })),
  )
})

t.test('processes migrating at once apply each migration exactly once', async (t) => {
  const dir = await migrationsDir({
    '0001_a.sql': 'CREATE TABLE a (id int); SELECT pg_sleep(0.2);',
    '0002_b.sql': 'CREATE TABLE b (id int);',
  })
  const url = await createTestDatabase(t)
  const pools = [1, 2, 3].map(() => new pg.Pool({ connectionString: url, max: 1 }))
  t.teardown(() => Promise.all(pools.map((p) => p.end())))
  const migrations = await readMigrations(dir)
  const results = await Promise.all(pools.map((p) => migrate(p, migrations)))
  t.equal(results.flat().length, 2, 'two migrations applied in total across three processes')
  t.same(await tables(pools[0]!), ['a', 'b', 'schema_migrations'])
})

t.test('a failing migration is rolled back and stops with its file name; earlier ones stay', async (t) => {
  const p = await pool(t)
  const dir = await migrationsDir({
    '0001_ok.sql': 'CREATE TABLE ok (id int);',
    '0002_bad.sql': 'CREATE TABLE half (id int); SELECT no_such_function();',
  })
  await t.rejects(migrate(p, await readMigrations(dir)), {
    code: 'MIGRATION_FAILED',
    message: /0002_bad\.sql failed and was rolled back: .*no_such_function/,
  })
  t.same(await tables(p), ['ok', 'schema_migrations'], 'the half-applied table is gone')
  t.same((await p.query('SELECT version FROM schema_migrations')).rows, [{ version: 1 }])
})

t.test('an applied migration that was edited stops everything before anything runs', async (t) => {
  const p = await pool(t)
  const first = await migrationsDir({ '0001_a.sql': 'CREATE TABLE a (id int);' })
  await migrate(p, await readMigrations(first))
  const edited = await migrationsDir({ '0001_a.sql': 'CREATE TABLE a (id bigint);', '0002_b.sql': 'CREATE TABLE b (id int);' })
  await t.rejects(migrate(p, await readMigrations(edited)), { code: 'MIGRATION_FAILED', message: /0001_a\.sql was edited after it was applied/ })
  t.same(await tables(p), ['a', 'schema_migrations'], 'migration 0002 did not run')
})

t.test('a database newer than the code is refused', async (t) => {
  const p = await pool(t)
  await migrate(p, await readMigrations(await migrationsDir({ '0001_a.sql': 'SELECT 1;', '0002_b.sql': 'SELECT 1;' })))
  await t.rejects(
    migrate(p, await readMigrations(await migrationsDir({ '0001_a.sql': 'SELECT 1;' }))),
    /migration 2 \(b\) that this code does not know/,
  )
})

t.test('badly named migration files are refused', async (t) => {
  await t.rejects(readMigrations(await migrationsDir({ '1_a.sql': 'SELECT 1;' })), {
    code: 'MIGRATION_FAILED',
    message: /1_a.sql must be named NNNN_lower_snake_name.sql/,
  })
  await t.rejects(readMigrations(await migrationsDir({ '0001_a.sql': '', '0001_b.sql': '' })), /share version 0001/)
})
