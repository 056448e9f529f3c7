import t from 'tap'
import { DESTINATION, handoffTestApp, urgentCase, type HandoffTestApp } from '../handoffs/helpers.ts'

const MINUTE = 60_000

/** A report routed to de-police (hosted in DE), signed, fetched and receipted; its handoff id, manifest and intake time. */
async function receipted(ctx: HandoffTestApp, name: string) {
  const res = await ctx.app.inject({ method: 'POST', url: '/v1/reports', headers: await ctx.auth('exampletube'), payload: urgentCase(name) })
  const { id: reportId } = res.json()
  await ctx.worker.step()
  const { rows } = await ctx.database.pool.query(
    'SELECT h.id, h.manifest, r.received_at FROM handoffs h JOIN reports r ON r.id = h.report_id WHERE h.report_id = $1 AND h.participant_id = $2',
    [reportId, DESTINATION],
  )
  const { id, manifest, received_at: intake } = rows[0]
  const posted = await ctx.post(DESTINATION, `/v1/handoffs/${id}/receipt`, { receipt: await ctx.receipt(id, manifest) })
  t.equal(posted.statusCode, 200, posted.body)
  return { id: id as string, manifest: manifest as string, intake: intake as Date }
}

async function status(ctx: HandoffTestApp, h: { id: string; manifest: string }, value: string, occurredAt: Date, extra = {}) {
  const res = await ctx.post(DESTINATION, `/v1/handoffs/${h.id}/status`, {
    status: await ctx.status(h.id, h.manifest, value, { occurred_at: occurredAt.toISOString(), ...extra }),
  })
  t.equal(res.statusCode, 200)
}

t.test(
  'takedown statistics: counts and median / p90 from intake to receipt, assessment and removal, per destination and hosting country',
  async (t) => {
    const ctx = await handoffTestApp(t)
    const from = new Date(Date.now() - 3 * 3_600_000).toISOString()
    const a = await receipted(ctx, 'stats-a')
    const b = await receipted(ctx, 'stats-b')
    const c = await receipted(ctx, 'stats-c')
    const pool = ctx.database.pool
    const now = Date.now()
    const ago = (minutes: number) => new Date(now - minutes * MINUTE)
    // intake 100 / 50 / 10 minutes before now, so that statuses "now minus k minutes" fall after it
    for (const [h, minutes] of [
      [a, 100],
      [b, 50],
      [c, 10],
    ] as const) {
      await pool.query(
        `UPDATE reports SET received_at = now() - $2 * interval '1 minute' WHERE id = (SELECT report_id FROM handoffs WHERE id = $1)`,
        [h.id, minutes],
      )
      await pool.query(`UPDATE handoffs SET created_at = now() - $2 * interval '1 minute' WHERE id = $1`, [h.id, minutes])
    }
    await status(ctx, a, 'assessed', ago(90), { outcome: 'illegal' }) // 10 min after intake
    await status(ctx, a, 'content_removed', ago(70)) // 30 min
    await status(ctx, b, 'assessed', ago(30), { outcome: 'illegal' }) // 20 min
    await status(ctx, b, 'content_unavailable', ago(20)) // 30 min... then a second removal that does not count
    await status(ctx, b, 'content_removed', ago(1))
    await status(ctx, c, 'assessing', ago(5))

    const to = new Date(Date.now() + MINUTE).toISOString()
    const url = `/v1/stats/takedown?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`
    const res = await ctx.app.inject({ method: 'GET', url, headers: await ctx.auth('example-auditor') })
    t.equal(res.statusCode, 200)
    const stats = res.json()
    const police = stats.by_destination.find((d: { destination: string }) => d.destination === DESTINATION)
    t.equal(police.handoffs, 3)
    t.equal(police.to_receipt.count, 3, 'all three receipted')
    t.same(police.to_assessment.count, 2)
    t.equal(Math.round(police.to_assessment.median_seconds), 15 * 60, 'median of 10 and 20 minutes')
    t.equal(Math.round(police.to_assessment.p90_seconds), 19 * 60, 'p90 of 10 and 20 minutes (continuous)')
    const removal = police.to_removal
    t.same(
      [removal.count, Math.round(removal.median_seconds), Math.round(removal.p90_seconds)],
      [2, 30 * 60, 30 * 60],
      'from intake to the first removal',
    )
    const de = stats.by_hosting_country.find((c: { hosting_country: string }) => c.hosting_country === 'DE')
    t.ok(de.handoffs >= 3, 'the handoffs of DE-hosted material')
    t.equal(de.to_removal.count, 2)
    t.ok(stats.total.handoffs >= police.handoffs, 'the total over all destinations')
    t.notMatch(res.body, /example\.net/, 'aggregates only: no URL')

    const operator = await ctx.app.inject({ method: 'GET', url, headers: await ctx.auth('gateway-operator') })
    t.equal(operator.statusCode, 200, 'operators read them too')
    const partner = await ctx.app.inject({ method: 'GET', url, headers: await ctx.auth('exampletube') })
    t.equal(partner.statusCode, 403, 'a platform does not')

    const earlier = `/v1/stats/takedown?from=2026-01-01T00:00:00Z&to=2026-01-02T00:00:00Z`
    const empty = (await ctx.app.inject({ method: 'GET', url: earlier, headers: await ctx.auth('example-auditor') })).json()
    t.same(
      empty.total,
      {
        handoffs: 0,
        ...Object.fromEntries(['to_receipt', 'to_assessment', 'to_removal'].map((k) => [k, { count: 0, median_seconds: null, p90_seconds: null }])),
      },
      'a period without reports',
    )
  },
)

t.test('takedown statistics: the range is validated and bounded', async (t) => {
  const ctx = await handoffTestApp(t)
  const headers = await ctx.auth('example-auditor')
  const cases: Array<[string, string]> = [
    ['from=2026-01-01T00:00:00Z', '/to'],
    ['from=yesterday&to=2026-01-02T00:00:00Z', '/from'],
    ['from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z', '/to'],
    ['from=2024-01-01T00:00:00Z&to=2026-01-01T00:00:00Z', '/to'],
  ]
  for (const [query, pointer] of cases) {
    const res = await ctx.app.inject({ method: 'GET', url: `/v1/stats/takedown?${query}`, headers })
    t.equal(res.statusCode, 400, query)
    t.equal(res.json().code, 'HG_VALIDATION', query)
    t.match(res.json().errors, [{ in: 'query', pointer }], `${query}: names ${pointer}`)
  }
})
