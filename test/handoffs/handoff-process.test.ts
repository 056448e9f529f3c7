import t from 'tap'
import { gatewayEnv } from '../helpers/gateway-env.ts'
import { startGateway } from '../helpers/process.ts'
import { fixtureJson } from '../intake/helpers.ts'
import { directoryWithKey, signingKey, urgentCase } from './helpers.ts'

t.test('two gateway processes sign every handoff in the background, each once, and stop cleanly', async (t) => {
  const { pool, idp, env } = await gatewayEnv(t, await directoryWithKey(signingKey()))
  const gateways = [await startGateway(env), await startGateway(env)]

  const token = await idp.tokenFor('exampletube')
  for (let i = 0; i < 6; i++) {
    const report = urgentCase(`process_${i}`)
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

t.test('a long poll on one gateway process is answered when a handoff signed through another becomes available', async (t) => {
  const { idp, env } = await gatewayEnv(t, await directoryWithKey(signingKey()))
  const [a, b] = [await startGateway(env), await startGateway(env)]
  t.teardown(async () => {
    await a!.stop()
    await b!.stop()
  })
  const police = { authorization: `Bearer ${await idp.tokenFor('de-police')}` }
  const { next_cursor: cursor } = await (await fetch(`${a!.url}/v1/inbox`, { headers: police })).json()
  const waiting = fetch(`${a!.url}/v1/inbox?wait=30&cursor=${cursor}`, { headers: police }).then((res) => res.json())
  await new Promise((resolve) => setTimeout(resolve, 300)) // let it start waiting (if it has not, it answers at once anyway)

  const report = fixtureJson('report-imminent-danger.json')
  delete report.source.external_id
  const res = await fetch(`${b!.url}/v1/reports`, {
    method: 'POST',
    headers: { authorization: `Bearer ${await idp.tokenFor('exampletube')}`, 'content-type': 'application/json' },
    body: JSON.stringify(report),
  })
  t.equal(res.status, 202, 'accepted by the other process')
  const answer = await Promise.race([waiting, new Promise<'still waiting'>((resolve) => setTimeout(() => resolve('still waiting'), 20_000))])
  t.not(answer, 'still waiting', 'answered well before its 30 s wait ran out')
  if (answer === 'still waiting') return
  t.equal(answer.handoffs.length, 1, 'with the handoff for de-police')
  t.equal(answer.handoffs[0].urgent, true)
})
