import { readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import type { DevSession } from '../../src/receiver/dev-session.ts'
import { devCaller, startDevGateway } from '../helpers/dev-gateway.ts'
import { runCli, until } from '../helpers/process.ts'
import { fixtureJson } from '../intake/helpers.ts'

type Json = any

const keysOf = async (session: DevSession, id: string): Promise<Json[]> =>
  (await devCaller(session, 'gateway-admin')('GET', '/v1/directory')).body.directory.participants.find((p: Json) => p.id === id).keys.jwks.keys

t.test('development mode: npm start, then partner pull --participant nl-hotline works with nothing else done', async (t) => {
  const { gateway, dataDir, session } = await startDevGateway(t)
  t.match(gateway.stderr(), /partner pull --participant nl-hotline --out/, 'the start-up output says how')

  const keyFile = join(dataDir, 'partner-keys', 'nl-hotline.json')
  t.equal((await stat(keyFile)).mode & 0o777, 0o600, 'the key is made under DATA_DIR, mode 0600')
  t.equal((await stat(join(dataDir, 'dev-session.json'))).mode & 0o777, 0o600, 'the session (client secrets) too')
  t.equal(session.gateway, gateway.url)
  const key = JSON.parse(await readFile(keyFile, 'utf8'))
  t.match(await keysOf(session, 'nl-hotline'), [{ kty: 'OKP', crv: 'Ed25519', x: key.x, kid: key.kid }], 'and registered in the directory')

  // be-hotline refers material hosted in NL: the hosting-country rule sends it to nl-hotline
  const report = fixtureJson('report-web-form.json')
  report.channel = 'hotline_referral'
  const submitted = await devCaller(session, 'be-hotline')('POST', '/v1/reports', report)
  t.equal(submitted.status, 202, JSON.stringify(submitted.body))
  const status = () => devCaller(session, 'be-hotline')('GET', `/v1/reports/${submitted.body.id}`)
  const toNl = async () => (await status()).body.handoffs.find((h: Json) => h.destination === 'nl-hotline')
  await until('the handoff to nl-hotline is signed', async () => (await toNl())?.state === 'ready')

  const out = join(dataDir, 'inbox-nl')
  const pulled = await runCli(['partner', 'pull', '--participant', 'nl-hotline', '--out', out, '--once'], {
    DATA_DIR: dataDir,
    NODE_ENV: 'development',
  })
  t.equal(pulled.code, 0, pulled.stderr)
  t.match(pulled.stdout, /pulled: 1 received, 0 retracted, 0 re-notices, 0 refused/)
  t.equal((await toNl()).state, 'received', 'the gateway verified the receipt under the registered dev key')

  // partner keygen --register: in development, the dev issuer's admin client registers the new key
  const extra = join(dataDir, 'nl-hotline-2.json')
  const registered = await runCli(['partner', 'keygen', '--participant', 'nl-hotline', '--out', extra, '--register'], {
    DATA_DIR: dataDir,
    NODE_ENV: 'development',
  })
  t.equal(registered.code, 0, registered.stderr)
  t.match(registered.stdout, /registered: nl-hotline has 2 key\(s\) in directory version \d+/)
  t.same(
    (await keysOf(session, 'nl-hotline')).map((k) => k.x),
    [key.x, JSON.parse(await readFile(extra, 'utf8')).x],
    'the new public key is added beside the first',
  )
})
