import { mkdtemp, readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import t from 'tap'
import { createTestDatabase } from '../helpers/database.ts'
import { startGateway } from '../helpers/process.ts'

t.test('development partner keys are made once: a restart keeps the key files and publishes no new directory version', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'hg-dev-once-'))
  const env = { DATABASE_URL: await createTestDatabase(t), DATA_DIR: dataDir, NODE_ENV: 'development' }
  const pool = new pg.Pool({ connectionString: env.DATABASE_URL, max: 1 })
  t.teardown(() => pool.end())
  const directoryVersions = async () => (await pool.query('SELECT version, created_by FROM directory_versions ORDER BY version')).rows
  const keyFile = join(dataDir, 'partner-keys', 'exampletube.json')

  const first = await startGateway(env)
  const key = await readFile(keyFile, 'utf8')
  t.same(await directoryVersions(), [{ version: 1, created_by: 'dev-bootstrap' }], 'the example directory is published with the keys, as one version')
  await first.stop()

  const second = await startGateway(env)
  t.teardown(() => second.stop())
  t.equal(await readFile(keyFile, 'utf8'), key, 'the same key file')
  t.same(await directoryVersions(), [{ version: 1, created_by: 'dev-bootstrap' }], 'no new directory version')
})
