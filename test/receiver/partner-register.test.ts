import { mkdtemp, readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { readDirectoryFile } from '../../src/directory/directory-file.ts'
import { EXAMPLE_DIRECTORY } from '../../src/dev/dev-mode.ts'
import { gatewayEnv } from '../helpers/gateway-env.ts'
import { runCli, startGateway } from '../helpers/process.ts'

t.test('partner keygen --register puts the public key into the directory entry, with an administrator token', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'hg-register-'))
  const directory = await readDirectoryFile(EXAMPLE_DIRECTORY)
  for (const p of directory.participants) p.delivery = { mode: 'pull' }
  const { pool, idp, env } = await gatewayEnv(t, directory)
  const gateway = await startGateway({ ...env, DIRECTORY_CACHE_MS: '0' })
  t.teardown(() => gateway.stop())
  const keysOf = async (id: string) =>
    (await pool.query(`SELECT document FROM directory_versions ORDER BY version DESC LIMIT 1`)).rows[0].document.participants.find(
      (p: { id: string }) => p.id === id,
    ).keys
  const keygen = (file: string, token: string) =>
    runCli(['partner', 'keygen', '--participant', 'nl-police', '--out', file, '--register', '--gateway', gateway.url, '--token', token], {
      DATA_DIR: dir,
    })

  const refused = await keygen(join(dir, 'k0.json'), await idp.tokenFor('nl-police'))
  t.equal(refused.code, 1, 'a participant cannot register its own key')
  t.match(refused.stderr, /403 HG_FORBIDDEN/)
  t.equal(await keysOf('nl-police'), undefined, 'and nothing changed')

  const admin = await idp.tokenFor('gateway-admin')
  const first = await keygen(join(dir, 'k1.json'), admin)
  t.equal(first.code, 0, first.stderr)
  t.match(first.stdout, /registered: nl-police has 1 key\(s\) in directory version 2/)
  const second = await keygen(join(dir, 'k2.json'), admin)
  t.equal(second.code, 0, second.stderr)
  const x = async (file: string) => JSON.parse(await readFile(join(dir, file), 'utf8')).x
  t.same(
    (await keysOf('nl-police')).jwks.keys.map((k: { x: string; d?: string }) => [k.x, 'd' in k]),
    [
      [await x('k1.json'), false],
      [await x('k2.json'), false],
    ],
    'each new public key is added beside the ones there, never a private part',
  )
})

t.test('partner keygen --register needs an administrator: without a token or a development gateway it says so', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'hg-register-'))
  const run = await runCli(
    ['partner', 'keygen', '--participant', 'nl-hotline', '--out', join(dir, 'k.json'), '--register', '--gateway', 'http://127.0.0.1:9'],
    {
      DATA_DIR: dir,
    },
  )
  t.equal(run.code, 2)
  t.match(run.stderr, /an access token is needed: --token or HOTLINE_GATEWAY_TOKEN/)
})
