import t from 'tap'
import { gatewayEnv } from '../helpers/gateway-env.ts'
import { startGateway } from '../helpers/process.ts'
import { fixtureJson } from '../intake/helpers.ts'
import { directoryWithKey, signingKey } from './helpers.ts'

t.test('two gateway processes sign every handoff in the background, each once, and stop cleanly', async (t) => {
  const { pool, idp, env } = await gatewayEnv(t, await directoryWithKey(signingKey()))
  const gateways = [await startGateway(env), await startGateway(env)]

  const token = await idp.tokenFor('exampletube')
  for (let i = 0; i < 6; i++) {
    const report = fixtureJson('report-imminent-danger.json')
    delete report.source.external_id
    report.items[0]!.url = `https://example.net/live/channel/${2000 + i}`
    report.items[1]!.locator = { type: 'username', value: `@process_${i}` }
    report.reported_accounts = [{ service: 'Example Live', screen_name: `process_${i}` }]
    const res = await fetch(`${gateways[i % 2]!.url}/v1/reports`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(report),
    })
    t.equal(res.status, 202, `report ${i} accepted`)
  }
  // nothing but the background workers signs: wait until no handoff is pending
  const deadline = Date.now() + 60_000
  for (;;) {
    const { rows } = await pool.query(`SELECT count(*)::int AS n FROM handoffs WHERE state = 'pending'`)
    if (rows[0].n === 0 || Date.now() > deadline) break
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  const { rows } = await pool.query(`
    SELECT h.state, (SELECT count(*)::int FROM handoff_audit a JOIN audit_entries e ON e.id = a.audit_entry_id
                      WHERE a.handoff_id = h.id AND convert_from(e.entry, 'UTF8')::jsonb->>'type' = 'handoff.signed') AS signed
      FROM handoffs h`)
  t.ok(rows.length >= 12, `${rows.length} handoffs`)
  t.same(new Set(rows.map((r) => `${r.state}/${r.signed}`)), new Set(['ready/1']), 'every one signed, once')

  const inbox = await fetch(`${gateways[1]!.url}/v1/inbox?limit=100`, { headers: { authorization: `Bearer ${await idp.tokenFor('de-police')}` } })
  t.equal((await inbox.json()).handoffs.length, 6, 'de-police finds its six handoffs')
  for (const gateway of gateways) {
    const stopped = await gateway.stop('SIGTERM')
    t.equal(stopped.code, 0, 'a graceful stop, with the worker stopped before the database closes')
  }
})
