import t, { type Test } from 'tap'
import { sha256Hex } from '../../src/crypto/jws.ts'
import { createHandoffWorker } from '../../src/handoffs/handoff-worker.ts'
import { fixtureJson } from '../intake/helpers.ts'
import { DESTINATION, handoffTestApp, type HandoffTestApp, urgentCase } from './helpers.ts'

/** `n` reports of distinct cases (their own URLs and accounts), each routed to several destinations. */
async function submitCases(t: Test, ctx: HandoffTestApp, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const report = urgentCase(`someone_${i}`)
    const res = await ctx.app.inject({ method: 'POST', url: '/v1/reports', headers: await ctx.auth('exampletube'), payload: report })
    t.equal(res.statusCode, 202, `case ${i} accepted`)
  }
}

async function signedEntriesPerHandoff(ctx: HandoffTestApp): Promise<Map<string, number>> {
  const { rows } = await ctx.database.pool.query(
    `SELECT a.handoff_id, count(*)::int AS n FROM handoff_audit a JOIN audit_entries e ON e.id = a.audit_entry_id
      WHERE convert_from(e.entry, 'UTF8')::jsonb->>'type' = 'handoff.signed' GROUP BY a.handoff_id`,
  )
  return new Map(rows.map((r) => [r.handoff_id, r.n]))
}

t.test('several workers side by side sign every handoff exactly once', async (t) => {
  const ctx = await handoffTestApp(t)
  await submitCases(t, ctx, 8)
  const { rows: handoffs } = await ctx.database.pool.query(`SELECT id FROM handoffs`)
  t.ok(handoffs.length >= 16, `${handoffs.length} handoffs to sign`)
  const workers = Array.from({ length: 4 }, () =>
    createHandoffWorker({
      pool: ctx.database.pool,
      sealer: ctx.sealer,
      logger: ctx.app.log as never,
      issuer: 'https://gateway.example.org',
      batchSize: 3,
    }),
  )
  // every worker keeps stepping until a step finds nothing: claims overlap in time, never in rows
  const counts = await Promise.all(
    workers.map(async (worker) => {
      let total = 0
      for (let n = await worker.step(); n > 0; n = await worker.step()) total += n
      return total
    }),
  )
  t.equal(
    counts.reduce((a, b) => a + b, 0),
    handoffs.length,
    'the workers settled as many handoffs as there are, between them',
  )
  const signed = await signedEntriesPerHandoff(ctx)
  t.equal(signed.size, handoffs.length, 'every handoff has a handoff.signed entry')
  t.ok(
    [...signed.values()].every((n) => n === 1),
    'and only one',
  )
  const { rows: states } = await ctx.database.pool.query(`SELECT DISTINCT state FROM handoffs`)
  t.same(
    states.map((r) => r.state),
    ['ready'],
  )

  const before = (await ctx.database.pool.query(`SELECT id, manifest FROM handoffs ORDER BY id`)).rows
  t.equal(await workers[0]!.step(), 0, 'nothing left to sign')
  t.same((await ctx.database.pool.query(`SELECT id, manifest FROM handoffs ORDER BY id`)).rows, before, 'a manifest is made once')
})

t.test('a fetch whose answer was lost is answered again with the identical manifest, logged as sent once', async (t) => {
  const ctx = await handoffTestApp(t)
  const { handoffId } = await ctx.submit()
  await ctx.worker.step()
  const first = (await ctx.inbox()).json().handoffs[0]
  // a new process (fresh worker, as after a crash) changes nothing that was signed
  const restarted = createHandoffWorker({
    pool: ctx.database.pool,
    sealer: ctx.sealer,
    logger: ctx.app.log as never,
    issuer: 'https://other.example.org',
  })
  t.equal(await restarted.step(), 0)
  const second = (await ctx.inbox()).json().handoffs[0]
  t.same(second, first, 'same id, same manifest and payload bytes')
  t.equal(second.id, handoffId)
  const { rows } = await ctx.database.pool.query(
    `SELECT count(*)::int AS n FROM handoff_audit a JOIN audit_entries e ON e.id = a.audit_entry_id
      WHERE a.handoff_id = $1 AND convert_from(e.entry, 'UTF8')::jsonb->>'type' = 'handoff.sent'`,
    [handoffId],
  )
  t.equal(rows[0].n, 1, 'handoff.sent is logged once')
  const view = await ctx.app.inject({ method: 'GET', url: `/v1/handoffs/${handoffId}`, headers: await ctx.auth(DESTINATION) })
  t.match(view.json(), { state: 'sent', manifest: first.manifest, manifest_sha256: first.manifest_sha256 })
})

t.test('each destination gets its own projection and format; the sender and the auditor never the payload', async (t) => {
  const ctx = await handoffTestApp(t)
  const { reportId } = await ctx.submit()
  await ctx.worker.step()
  const { rows } = await ctx.database.pool.query(`SELECT participant_id, format, payload, payload_media_type FROM handoffs WHERE report_id = $1`, [
    reportId,
  ])
  const hotline = rows.find((r) => r.participant_id === 'de-hotline')
  t.ok(hotline, 'the hosting country hotline has one too')
  const referral = JSON.parse(hotline.payload)
  t.equal(referral.reporter.anonymous, true, 'a hotline never learns who reported')
  t.notOk(JSON.stringify(referral).includes('safety-desk@example.net'))
  const police = JSON.parse(rows.find((r) => r.participant_id === DESTINATION).payload)
  t.equal(police.reporter.contact.email, 'safety-desk@example.net')
})

t.test('a report retracted before its handoffs were signed sends nothing: they are withdrawn, and logged so', async (t) => {
  const ctx = await handoffTestApp(t)
  const { reportId, handoffId } = await ctx.submit()
  const retracted = await ctx.post('exampletube', `/v1/reports/${reportId}/retract`, { reason: 'Sent by mistake.' })
  t.equal(retracted.statusCode, 200)
  t.ok((await ctx.worker.step()) >= 1)
  t.same((await ctx.inbox()).json().handoffs, [], 'nothing to fetch')
  const view = await ctx.app.inject({ method: 'GET', url: `/v1/handoffs/${handoffId}`, headers: await ctx.auth(DESTINATION) })
  t.match(view.json(), { state: 'withdrawn', manifest: null, payload_sha256: null })
  const { rows } = await ctx.database.pool.query(
    `SELECT convert_from(e.entry, 'UTF8')::jsonb AS e FROM handoff_audit a JOIN audit_entries e ON e.id = a.audit_entry_id WHERE a.handoff_id = $1`,
    [handoffId],
  )
  t.match(
    rows.map((r) => r.e),
    [{ type: 'handoff.withdrawn', report_id: reportId, reason: 'REPORT_RETRACTED' }],
  )
})

t.test('a destination whose first format is CyberTipline XML is sent XML, digested as sent', async (t) => {
  const ctx = await handoffTestApp(t)
  const report = fixtureJson('report-imminent-danger.json')
  delete report.source.external_id
  report.victim_country = 'US'
  report.items[0]!.hosting = { country: 'US' }
  const res = await ctx.app.inject({ method: 'POST', url: '/v1/reports', headers: await ctx.auth('exampletube'), payload: report })
  t.equal(res.statusCode, 202, res.body)
  await ctx.worker.step()
  const [item] = (await ctx.inbox('us-police')).json().handoffs
  t.match(item, { format: 'cybertipline_xml', payload_media_type: 'application/xml', payload: /^<\?xml/ })
  t.equal(sha256Hex(item.payload), item.payload_sha256)
  t.ok(item.payload.includes('https://example.net/live/channel/998877'), 'the projection, written as XML')
})

t.test('a handoff that cannot be said in its format fails, is logged so, and is never offered', async (t) => {
  const ctx = await handoffTestApp(t)
  // a hotline classified material on ExampleTube illegal: the platform-notice rule sends ExampleTube a DSA notice
  const report = fixtureJson('report-web-form.json')
  report.channel = 'hotline_referral'
  report.source.external_id = 'NO-EXPLANATION-1'
  report.items = [
    {
      url: 'https://exampletube.example.com/watch?v=failed1',
      content_type: 'video',
      hosting: { platform: 'ExampleTube' },
      classification: { status: 'baseline' },
    },
  ]
  const res = await ctx.app.inject({ method: 'POST', url: '/v1/reports', headers: await ctx.auth('be-hotline'), payload: report })
  t.equal(res.statusCode, 202, res.body)
  const status = await ctx.app.inject({ method: 'GET', url: `/v1/reports/${res.json().id}`, headers: await ctx.auth('be-hotline') })
  const toPlatform = status.json().handoffs.find((h: { destination: string }) => h.destination === 'exampletube')
  t.ok(toPlatform, 'routed to the platform')
  // Routing never sends a notice without the explanation Art. 16(2)(a) requires, so only damage can make
  // one unbuildable: the stored report loses its explanation before the worker gets to it.
  await ctx.database.pool.query(`UPDATE reports SET canonical = canonical #- '{incident,explanation}' WHERE id = $1`, [res.json().id])

  t.ok((await ctx.worker.step()) >= 1)
  const view = await ctx.app.inject({ method: 'GET', url: `/v1/handoffs/${toPlatform.id}`, headers: await ctx.auth('example-auditor') })
  t.match(view.json(), { state: 'failed', manifest: null, payload_sha256: null })
  t.same((await ctx.inbox('exampletube')).json().handoffs, [], 'nothing is offered to the platform')
  const { rows } = await ctx.database.pool.query(
    `SELECT convert_from(e.entry, 'UTF8')::jsonb AS e, h.last_error FROM handoff_audit a JOIN audit_entries e ON e.id = a.audit_entry_id
       JOIN handoffs h ON h.id = a.handoff_id WHERE a.handoff_id = $1`,
    [toPlatform.id],
  )
  t.match(
    rows.map((r) => r.e),
    [{ type: 'handoff.failed', destination: 'exampletube', reason: 'FORMAT_NOT_REPRESENTABLE' }],
  )
  t.match(rows[0].last_error, /explanation/, 'the row says why')
  t.equal(JSON.stringify(rows[0].e).includes('exampletube.example.com'), false, 'the entry names no URL')
  t.equal(await ctx.worker.step(), 0, 'and it is not tried again')
})

t.test('under a backlog, urgent handoffs are signed before all others', async (t) => {
  const ctx = await handoffTestApp(t)
  for (let i = 0; i < 5; i++) {
    const report = fixtureJson('report-web-form.json')
    report.channel = 'platform_escalation'
    delete report.source.external_id
    report.items[0]!.url = `https://example.org/board/thread/${5000 + i}`
    report.items[0]!.hashes = [{ alg: 'sha256', value: `${i}`.padStart(64, 'a') }]
    report.items[1]!.url = `https://example.net/comments/${5000 + i}`
    const res = await ctx.app.inject({ method: 'POST', url: '/v1/reports', headers: await ctx.auth('exampletube'), payload: report })
    t.equal(res.statusCode, 202, res.body)
  }
  await ctx.submit() // imminent danger, routed last
  const { rows } = await ctx.database.pool.query(`SELECT count(*) FILTER (WHERE urgent)::int AS urgent, count(*)::int AS all FROM handoffs`)
  t.ok(rows[0].urgent > 0 && rows[0].all > rows[0].urgent, `${rows[0].urgent} urgent among ${rows[0].all} pending`)
  const worker = createHandoffWorker({
    pool: ctx.database.pool,
    sealer: ctx.sealer,
    logger: ctx.app.log as never,
    issuer: 'https://gateway.example.org',
    batchSize: rows[0].urgent,
  })
  t.equal(await worker.step(), rows[0].urgent)
  const { rows: signed } = await ctx.database.pool.query(`SELECT urgent FROM handoffs WHERE state = 'ready'`)
  t.ok(
    signed.length === rows[0].urgent && signed.every((r) => r.urgent),
    'the first batch is exactly the urgent handoffs, though they were routed last',
  )
})
