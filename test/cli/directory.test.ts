import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import t from 'tap'
import { EXAMPLE_DIRECTORY } from '../../src/dev/dev-mode.ts'
import { createTestDatabase } from '../helpers/database.ts'
import { runCli } from '../helpers/process.ts'

async function versions(url: string): Promise<number> {
  const client = new pg.Client(url)
  await client.connect()
  try {
    return (await client.query('SELECT count(*)::int AS n FROM directory_versions')).rows[0].n
  } finally {
    await client.end()
  }
}

t.test('import: dry run shows the diff and writes nothing; import publishes; a second import changes nothing', async (t) => {
  const url = await createTestDatabase(t)
  const env = { DATABASE_URL: url, LOG_LEVEL: 'warn' }
  const dry = await runCli(['directory', 'import', EXAMPLE_DIRECTORY, '--dry-run'], env)
  t.equal(dry.code, 0, dry.stderr)
  t.match(dry.stdout, /\+ be-hotline\n/)
  t.match(dry.stdout, /dry run: directory stays at version 0/)
  t.equal(await versions(url), 0)

  const real = await runCli(['directory', 'import', EXAMPLE_DIRECTORY], env)
  t.equal(real.code, 0, real.stderr)
  t.match(real.stdout, /published directory version 1 \(sha256 [0-9a-f]{64}\)/)
  t.equal(await versions(url), 1)

  const again = await runCli(['directory', 'import', EXAMPLE_DIRECTORY], env)
  t.match(again.stdout, /no changes against the directory in force\ndirectory stays at version 1/)
  t.equal(await versions(url), 1)
})

t.test('a JSON directory file works too, and its diff names changed fields', async (t) => {
  const url = await createTestDatabase(t)
  const env = { DATABASE_URL: url, LOG_LEVEL: 'warn' }
  await runCli(['directory', 'import', EXAMPLE_DIRECTORY], env)
  const dir = await mkdtemp(join(tmpdir(), 'hg-dir-'))
  const file = join(dir, 'directory.json')
  const { parse } = await import('yaml')
  const { readFile } = await import('node:fs/promises')
  const document = parse(await readFile(EXAMPLE_DIRECTORY, 'utf8'))
  document.participants[0].name = 'Renamed'
  await writeFile(file, JSON.stringify(document))
  const run = await runCli(['directory', 'import', file], env)
  t.equal(run.code, 0, run.stderr)
  t.match(run.stdout, /~ be-hotline: name\npublished directory version 2/)
})

t.test('an invalid file is refused with the path of the bad field, and nothing changes', async (t) => {
  const url = await createTestDatabase(t)
  const dir = await mkdtemp(join(tmpdir(), 'hg-dir-'))
  const cases: Record<string, [string, RegExp]> = {
    'bad-country.yaml': [
      "schema_version: '1'\nparticipants:\n  - { id: xx-police, name: X, kind: law_enforcement, countries: [UK], delivery: { mode: pull }, formats: [canonical_v1], clients: [x] }\n",
      /\/participants\/0\/countries\/0: must be equal to one of the allowed values|\/participants\/0\/countries\/0: must be one of/,
    ],
    'duplicate-key.yaml': ["schema_version: '1'\nschema_version: '1'\nparticipants: []\n", /cannot be read or parsed/],
    'missing.yaml': ["schema_version: '1'\n", /\/participants: is required/],
  }
  for (const [name, [content, expected]] of Object.entries(cases)) {
    await writeFile(join(dir, name), content)
    const run = await runCli(['directory', 'import', join(dir, name)], { DATABASE_URL: url })
    t.equal(run.code, 1, name)
    t.match(run.stderr, expected, name)
  }
  const absent = await runCli(['directory', 'import', join(dir, 'nope.yaml')], { DATABASE_URL: url })
  t.equal(absent.code, 1)
  t.match(absent.stderr, /nope\.yaml is not a valid directory:.*cannot be read/s)
  const client = new pg.Client(url)
  await client.connect()
  t.teardown(() => client.end())
  const tables = await client.query("SELECT to_regclass('directory_versions') AS t")
  t.equal(tables.rows[0].t, null, 'nothing was even migrated: the file is checked first')
})

t.test('wrong usage prints the directory usage', async (t) => {
  const run = await runCli(['directory', 'export'])
  t.equal(run.code, 2)
  t.match(run.stderr, /hotline-gateway directory import FILE \[--dry-run\]/)
})
