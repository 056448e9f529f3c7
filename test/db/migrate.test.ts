import { mkdir, mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
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
  for (const [name, sql] of Object.entries(files)) {
    await mkdir(dirname(join(dir, name)), { recursive: true })
    await writeFile(join(dir, name), sql)
  }
  return dir
}

const tables = async (p: pg.Pool) =>
  (await p.query(`SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1`)).rows.map((r) => r.tablename)

t.test("the project's migrations apply to an empty database, and a second run applies nothing", async (t) => {
  const p = await pool(t)
  const all = await readMigrations()
  const numbered = all.filter((m) => m.kind === 'migration')
  t.ok(numbered.length >= 1)
  t.ok(
    all.some((m) => m.kind === 'function' && m.name === 'intake_report'),
    'the live intake_report is a function file',
  )
  t.same(
    (await migrate(p, all)).map((m) => m.file),
    all.map((m) => m.file),
  )
  t.same(await migrate(p, all), [])
  const ledger = await p.query('SELECT version, checksum FROM schema_migrations ORDER BY version')
  t.same(
    ledger.rows,
    numbered.map((m) => ({ version: m.version, checksum: m.checksum })),
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
  t.same(await tables(pools[0]!), ['a', 'b', 'schema_functions', 'schema_migrations'])
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
  t.same(await tables(p), ['ok', 'schema_functions', 'schema_migrations'], 'the half-applied table is gone')
  t.same((await p.query('SELECT version FROM schema_migrations')).rows, [{ version: 1 }])
})

t.test('an applied migration that was edited stops everything before anything runs', async (t) => {
  const p = await pool(t)
  const first = await migrationsDir({ '0001_a.sql': 'CREATE TABLE a (id int);' })
  await migrate(p, await readMigrations(first))
  const edited = await migrationsDir({ '0001_a.sql': 'CREATE TABLE a (id bigint);', '0002_b.sql': 'CREATE TABLE b (id int);' })
  await t.rejects(migrate(p, await readMigrations(edited)), { code: 'MIGRATION_FAILED', message: /0001_a\.sql was edited after it was applied/ })
  t.same(await tables(p), ['a', 'schema_functions', 'schema_migrations'], 'migration 0002 did not run')
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

const answer = (body: string) => `CREATE OR REPLACE FUNCTION answer() RETURNS integer LANGUAGE sql AS $$ ${body} $$;`
const callAnswer = async (p: pg.Pool) => (await p.query('SELECT answer() AS a')).rows[0].a

t.test('a function file is applied after the migrations, and again only when its text changes', async (t) => {
  const p = await pool(t)
  const v1 = await migrationsDir({ '0001_a.sql': 'CREATE TABLE a (id int);', 'functions/answer.sql': answer('SELECT 41') })
  const applied = await migrate(p, await readMigrations(v1))
  t.same(
    applied.map((m) => m.file),
    ['0001_a.sql', 'answer.sql'],
  )
  t.equal(await callAnswer(p), 41)
  t.same(await migrate(p, await readMigrations(v1)), [], 'unchanged: nothing applied')

  const v2 = await migrationsDir({ '0001_a.sql': 'CREATE TABLE a (id int);', 'functions/answer.sql': answer('SELECT 42') })
  t.same(
    (await migrate(p, await readMigrations(v2))).map((m) => m.file),
    ['answer.sql'],
    'an edited function is re-applied, not refused like an edited migration',
  )
  t.equal(await callAnswer(p), 42)
  const ledger = await p.query('SELECT name, checksum FROM schema_functions')
  t.same(ledger.rows, [{ name: 'answer', checksum: (await readMigrations(v2)).at(-1)!.checksum }])
})

t.test('a function that does not compile is rolled back and names its file', async (t) => {
  const p = await pool(t)
  await migrate(p, await readMigrations(await migrationsDir({ 'functions/answer.sql': answer('SELECT 41') })))
  const broken = await migrationsDir({ 'functions/answer.sql': answer('SELECT no_such_column FROM no_such_table') })
  await t.rejects(migrate(p, await readMigrations(broken)), { code: 'MIGRATION_FAILED', message: /function answer\.sql failed and was rolled back/ })
  t.equal(await callAnswer(p), 41, 'the previous version stays live')
})

t.test('badly named function files are refused', async (t) => {
  await t.rejects(readMigrations(await migrationsDir({ 'functions/Answer-1.sql': answer('SELECT 1') })), {
    code: 'MIGRATION_FAILED',
    message: /Answer-1.sql must be named lower_snake_name.sql/,
  })
})
