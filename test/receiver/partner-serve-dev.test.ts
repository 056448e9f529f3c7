import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import pg from 'pg'
import t from 'tap'
import { devCaller, startDevGateway } from '../helpers/dev-gateway.ts'
import { runCli, startCommand, until } from '../helpers/process.ts'
import { fixtureJson } from '../intake/helpers.ts'

type Json = any

t.test('development mode: partner serve --participant registers its own address as the push endpoint, and is pushed to', async (t) => {
  const { gateway, dataDir, env, session } = await startDevGateway(t)
  t.match(gateway.stderr(), /partner serve --participant nl-hotline --out/, 'the start-up output says how to take pushes')
  const call = async (client: string, method: string, path: string, body?: object): Promise<Json> =>
    (await devCaller(session, client)(method, path, body)).body
  const nlEntry = async () => (await call('gateway-admin', 'GET', '/v1/directory')).directory.participants.find((p: Json) => p.id === 'nl-hotline')
  t.match((await nlEntry()).delivery, { mode: 'push', endpoint: /example\.org/ }, 'the example directory names an endpoint nobody here listens on')

  // as the README says: nothing but --participant (and where to keep what arrives)
  const out = join(dataDir, 'pushed-nl')
  const partnerEnv = { DATA_DIR: dataDir, NODE_ENV: 'development' }
  const registered = /registered: nl-hotline takes pushes at (https:\/\/127\.0\.0\.1:\d+\/) \(directory version (\d+)\)/
  const partner = await startCommand(t, ['partner', 'serve', '--participant', 'nl-hotline', '--out', out, '--port', '0'], partnerEnv, registered)
  const endpoint = partner.match[1]!
  t.match(partner.stdout(), `partner serve: listening on ${endpoint}`, 'it says where it listens, over TLS with the development certificate')
  t.same((await nlEntry()).delivery, { mode: 'push', endpoint }, 'its address is nl-hotline’s push endpoint now')
  const pool = new pg.Pool({ connectionString: env.DATABASE_URL, max: 1 })
  t.teardown(() => pool.end())
  const { rows } = await pool.query('SELECT version, created_by FROM directory_versions ORDER BY version DESC LIMIT 1')
  t.same(rows, [{ version: Number(partner.match[2]), created_by: 'gateway-operators' }], 'a directory version like any other, by the administrators')
  const audited = await pool.query(
    `SELECT e->>'actor' AS actor FROM (SELECT convert_from(entry, 'UTF8')::jsonb AS e FROM audit_entries) entries
      WHERE e->>'type' = 'directory.version_published' AND (e->>'version')::int = $1`,
    [rows[0].version],
  )
  t.same(audited.rows, [{ actor: 'gateway-operators' }], 'and audited')

  // be-hotline refers material hosted in NL: the gateway pushes the handoff to the partner, which receipts it
  const report = fixtureJson('report-web-form.json')
  report.channel = 'hotline_referral'
  const { id: reportId } = await call('be-hotline', 'POST', '/v1/reports', report)
  const toNl = async () => (await call('be-hotline', 'GET', `/v1/reports/${reportId}`)).handoffs.find((h: Json) => h.destination === 'nl-hotline')
  await until('the pushed handoff is receipted', async () => (await toNl())?.state === 'received')
  const { id } = await toNl()
  const handoff = await call('nl-hotline', 'GET', `/v1/handoffs/${id}`)
  t.equal(handoff.receipt, await readFile(join(out, `${id}.receipt.jws`), 'utf8'), 'the receipt the gateway verified is the one partner serve kept')
  t.match(JSON.parse(await readFile(join(out, `${id}.json`), 'utf8')), { id, sender: 'be-hotline' }, 'with the handoff as pushed')
  t.match(partner.stdout(), `received ${id} (from be-hotline)`)

  // started again on the same port: the directory already names it, so no new version
  const { port } = new URL(endpoint)
  const stopped = new Promise<number | null>((resolve) => partner.child.once('exit', (code) => resolve(code)))
  partner.child.kill('SIGTERM')
  t.equal(await stopped, 0, 'partner serve stops cleanly on SIGTERM')
  t.match(partner.stdout(), /partner serve: stopped/)
  const again = await startCommand(t, ['partner', 'serve', '--participant', 'nl-hotline', '--out', out, '--port', port], partnerEnv, /registered.*/)
  t.equal(again.match[0], `registered already: nl-hotline takes pushes at ${endpoint}`)
  t.same((await pool.query('SELECT max(version)::int AS v FROM directory_versions')).rows, [{ v: rows[0].version }], 'no new directory version')

  const withKey = await runCli(
    ['partner', 'serve', '--key', join(dataDir, 'partner-keys', 'nl-hotline.json'), '--out', out, '--register'],
    partnerEnv,
  )
  t.equal(withKey.code, 2, 'registering needs an https address: a plain-HTTP receiver without --public-url is refused')
  t.match(withKey.stderr, /HTTPS push endpoints only/)
})
