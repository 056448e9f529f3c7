import t from 'tap'
import { createDirectoryService } from '../../src/directory/directory-service.ts'
import { appPuller } from '../helpers/kit-partner.ts'
import { growth, scrapeMetrics } from '../helpers/metrics.ts'
import { createEscalations } from '../../src/handoffs/escalations.ts'
import { DESTINATION, handoffTestApp, type HandoffTestApp } from './helpers.ts'

function escalationsFor(ctx: HandoffTestApp, ackMs: number) {
  const pool = ctx.database.pool
  return createEscalations({ pool, directory: createDirectoryService({ pool, cacheMs: 0 }), ackMs })
}

async function escalatedEntries(ctx: HandoffTestApp, handoffId: string): Promise<number> {
  const { rows } = await ctx.database.pool.query(
    `SELECT count(*)::int AS n FROM handoff_audit a JOIN audit_entries e ON e.id = a.audit_entry_id
      WHERE a.handoff_id = $1 AND convert_from(e.entry, 'UTF8')::jsonb->>'type' = 'handoff.escalated'`,
    [handoffId],
  )
  return rows[0].n
}

t.test('an urgent handoff not receipted in time is escalated once, listed for operators with whom to call, until its receipt', async (t) => {
  const ctx = await handoffTestApp(t)
  const { handoffId } = await ctx.submit() // imminent danger: de-police's handoff is urgent
  const list = async (client = 'gateway-admin') => ctx.app.inject({ method: 'GET', url: '/v1/escalations', headers: await ctx.auth(client) })

  t.equal(await escalationsFor(ctx, 3_600_000).step(), 0, 'nothing is overdue within the acknowledgement window')
  t.same((await list()).json(), { escalations: [] })

  const overdue = escalationsFor(ctx, 0)
  const before = await scrapeMetrics(ctx)
  const escalated = await overdue.step()
  const scraped = await scrapeMetrics(ctx)
  t.equal(growth(before, scraped)('hg_escalations_total'), escalated, 'metrics: the escalations')
  t.equal(scraped.get('hg_escalations_open'), escalated, 'metrics: open escalations, from the database')
  const { rows: urgent } = await ctx.database.pool.query(`SELECT count(*)::int AS n FROM handoffs WHERE urgent`)
  t.equal(escalated, urgent[0].n, 'every urgent handoff of the report is escalated')
  t.equal(await overdue.step(), 0, 'and only once')
  t.equal(await escalatedEntries(ctx, handoffId), 1, 'one handoff.escalated entry')

  const open = (await list()).json().escalations
  const mine = open.find((e: { handoff_id: string }) => e.handoff_id === handoffId)
  t.match(mine, {
    destination: DESTINATION,
    destination_name: /Germany/,
    urgent_contact: { phone: '+496110000000', available: '24/7' },
    state: 'pending',
    reason: 'urgent_unacknowledged',
  })
  t.equal((await list('exampletube')).statusCode, 403, 'a platform does not see escalations')
  t.equal((await list('example-auditor')).statusCode, 403, 'nor an auditor')

  await ctx.worker.step()
  // de-police receipts through the receiver kit's pull (against the app on a real port), under the key the directory lists
  const kit = await appPuller(ctx, ctx.key, DESTINATION)
  const pulled = await kit.pull()
  t.ok(pulled.received.includes(handoffId), 'the kit verified the urgent handoff and its receipt was taken')
  t.same(pulled.refused, [], 'the kit refused nothing')
  const { rows } = await ctx.database.pool.query('SELECT receipt FROM handoffs WHERE id = $1', [handoffId])
  t.equal(rows[0].receipt, await kit.receipt(handoffId), 'the receipt the gateway recorded is the kit’s')
  const after = (await list()).json().escalations.map((e: { handoff_id: string }) => e.handoff_id)
  t.notOk(after.includes(handoffId), 'a receipted handoff is no longer an open escalation')
})
