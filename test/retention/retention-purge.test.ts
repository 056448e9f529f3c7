import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import t, { type Test } from 'tap'
import { loadConfig } from '../../src/config/config.ts'
import { createRetentionPurge, RETENTION_LOCK } from '../../src/retention/retention-purge.ts'
import { startRetention } from '../../src/retention/retention-runtime.ts'
import { attacker } from '../audit/gateway.ts'
import { DESTINATION, handoffTestApp, urgentCase, type HandoffTestApp } from '../handoffs/helpers.ts'
import { runCli } from '../helpers/process.ts'

const DUE_AT_ONCE = {
  RETENTION_REPORTER_CONTACT: '0s',
  RETENTION_REPORT_CONTENTS: '0s',
  RETENTION_HANDOFF_PAYLOADS: '0s',
  RETENTION_RECEIPTS: '0s',
  RETENTION_INTERVAL_MS: '20',
}

/** A report (with reporter contact data) handed to de-police, receipted and taken to content_removed. */
async function deliveredCase(t: Test, ctx: HandoffTestApp) {
  const { reportId, handoffId } = await ctx.submit()
  await ctx.worker.step()
  const { manifest } = (await ctx.inbox()).json().handoffs[0]
  for (const [url, body] of [
    [`/v1/handoffs/${handoffId}/receipt`, { receipt: await ctx.receipt(handoffId, manifest) }],
    [`/v1/handoffs/${handoffId}/status`, { status: await ctx.status(handoffId, manifest, 'content_removed') }],
  ] as const) {
    const res = await ctx.post(DESTINATION, url, body)
    t.equal(res.statusCode, 200, url)
  }
  return { reportId, handoffId }
}

const getReport = async (ctx: HandoffTestApp, id: string) =>
  ctx.app.inject({ method: 'GET', url: `/v1/reports/${id}`, headers: await ctx.auth('exampletube') })
const getPayload = async (ctx: HandoffTestApp, id: string, client = DESTINATION) =>
  ctx.app.inject({ method: 'GET', url: `/v1/handoffs/${id}/payload`, headers: await ctx.auth(client) })

async function retentionEntries(pool: pg.Pool): Promise<Array<Record<string, any>>> {
  const { rows } = await pool.query(`SELECT convert_from(entry, 'UTF8')::jsonb AS e FROM audit_entries ORDER BY id`)
  return rows.map((row) => row.e).filter((e) => e.type === 'retention.purged')
}

async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 3000; i++) {
    if (await check()) return
    await new Promise((resolve) => setImmediate(resolve))
  }
  throw new Error(`gave up waiting for ${what}`)
}

t.test('the scheduled purge removes what is due; the report answers 410 with what remains; the log and evidence still verify', async (t) => {
  const ctx = await handoffTestApp(t)
  const { reportId, handoffId } = await deliveredCase(t, ctx)
  const before = await getReport(ctx, reportId)
  t.equal(before.statusCode, 200)
  t.same(before.json().purged, { contact_at: null, contents_at: null })
  const payload = await getPayload(ctx, handoffId)
  t.equal(payload.statusCode, 200, 'the destination reads the payload')
  t.equal((await getPayload(ctx, handoffId, 'exampletube')).statusCode, 404, 'only the destination reads the payload')
  await ctx.settle()
  const evidenceBefore = (await ctx.get(`/v1/handoffs/${handoffId}/evidence`)).json()

  const config = loadConfig({ ...DUE_AT_ONCE, DATABASE_URL: ctx.databaseUrl })
  const loop = startRetention({ config, database: ctx.database, logger: ctx.app.log as never })
  t.teardown(() => loop.stop())
  await until('the report to be purged', async () => (await getReport(ctx, reportId)).statusCode === 410)

  const gone = (await getReport(ctx, reportId)).json()
  t.equal(gone.code, 'HG_GONE')
  t.equal(gone.remains.id, reportId)
  t.equal(gone.remains.report_sha256, before.json().report_sha256, 'its digest remains')
  t.ok(gone.remains.purged.contents_at && gone.remains.purged.contact_at)
  t.same(
    gone.remains.handoffs
      .map((h: { id: string; state: string; status: { status: string } }) => [h.id, h.state, h.status?.status])
      .filter(([id]: string[]) => id === handoffId),
    [[handoffId, 'received', 'content_removed']],
    'the timeline remains',
  )
  t.notOk(JSON.stringify(gone).includes('example.net/live'), 'no URL of the report in what remains')

  const retracted = await ctx.post('exampletube', `/v1/reports/${reportId}/retract`, { reason: 'sent in error, see ticket 12' })
  t.equal(retracted.statusCode, 200, 'a purged report can still be retracted')
  t.equal(retracted.json().retraction_reason, null, 'but keeps no new free text')

  const payloadGone = await getPayload(ctx, handoffId)
  t.equal(payloadGone.statusCode, 410)
  t.equal(payloadGone.json().remains.payload_sha256, payload.json().payload_sha256)
  t.equal(payloadGone.json().remains.manifest, evidenceBefore.manifest)

  const pool = ctx.database.pool
  const { rows } = await pool.query('SELECT canonical, contact_sealed, retraction_reason FROM reports WHERE id = $1', [reportId])
  t.same(rows[0], { canonical: null, contact_sealed: null, retraction_reason: null })
  t.equal((await pool.query('SELECT 1 FROM report_keys WHERE report_id = $1', [reportId])).rowCount, 0, 'its case keys (URLs) are gone')
  const handoff = (await pool.query('SELECT payload, receipt FROM handoffs WHERE id = $1', [handoffId])).rows[0]
  t.same(handoff, { payload: null, receipt: null })
  t.equal((await pool.query('SELECT 1 FROM handoff_statuses WHERE handoff_id = $1 AND jws IS NOT NULL', [handoffId])).rowCount, 0)

  // one audit entry per run, counts only
  await ctx.settle()
  const entries = await retentionEntries(pool)
  t.ok(entries.length >= 1)
  const purged = entries.map((e) => e.purged)
  const sum = (kind: string) => purged.reduce((n, p) => n + p[kind], 0)
  t.ok(sum('reporter_contact') >= 1 && sum('report_contents') >= 1 && sum('handoff_payloads') >= 1 && sum('receipts') >= 1, JSON.stringify(purged))
  t.notOk(JSON.stringify(entries).includes(reportId), 'the entry names no report')

  // the whole log still verifies, and so does the evidence taken before the purge and after it
  const url = await ctx.listen()
  const key = await ctx.verifierKey()
  const token = (await ctx.auth('example-auditor')).authorization.slice(7)
  const full = await runCli(['audit', 'verify', '--url', url, '--key', key, '--full'], { HOTLINE_GATEWAY_TOKEN: token })
  t.equal(full.code, 0, full.stderr)
  const dir = await mkdtemp(join(tmpdir(), 'hg-retention-'))
  const evidenceAfter = (await ctx.get(`/v1/handoffs/${handoffId}/evidence`)).json()
  t.equal(evidenceAfter.receipt, null)
  t.ok(evidenceAfter.handoff.receipts_purged_at)
  for (const [name, bundle] of [
    ['before', evidenceBefore],
    ['after', evidenceAfter],
  ] as const) {
    const file = join(dir, `${name}.json`)
    await writeFile(file, JSON.stringify(bundle))
    const res = await runCli(['audit', 'verify-evidence', file, '--key', key])
    t.equal(res.code, 0, `evidence taken ${name} the purge verifies: ${res.stderr}`)
    if (name === 'after') t.match(res.stdout, /status 1: content_removed: message purged at .* as logged in entry \d+/)
  }
})

t.test('nothing is purged before it is due; a report whose handoffs are not signed yet keeps its contents', async (t) => {
  const ctx = await handoffTestApp(t)
  const defaults = createRetentionPurge({ pool: ctx.database.pool, policy: loadConfig({}).retention, intervalMs: 0 })
  const { reportId, handoffId } = await deliveredCase(t, ctx)
  t.same(await defaults(), { reporter_contact: 0, report_contents: 0, handoff_payloads: 0, receipts: 0 }, 'default retention: nothing yet')
  t.equal((await getReport(ctx, reportId)).statusCode, 200)
  t.equal((await getPayload(ctx, handoffId)).statusCode, 200)

  // a second case: its handoffs wait for the signing worker
  const second = await ctx.app.inject({ method: 'POST', url: '/v1/reports', headers: await ctx.auth('exampletube'), payload: urgentCase('second') })
  const waiting = second.json().id
  const atOnce = createRetentionPurge({ pool: ctx.database.pool, policy: loadConfig(DUE_AT_ONCE).retention, intervalMs: 0 })
  const first = await atOnce()
  t.equal(first!.report_contents, 1, 'the delivered report only')
  t.equal((await getReport(ctx, waiting)).statusCode, 200, 'the report still to be signed keeps its contents')
  await ctx.worker.step()
  t.equal((await atOnce())!.report_contents, 1, 'once signed, it goes too')
  t.equal((await getReport(ctx, waiting)).statusCode, 410)
})

t.test('one process at a time: while another holds the purge lock, a run does nothing', async (t) => {
  const ctx = await handoffTestApp(t)
  const { reportId } = await deliveredCase(t, ctx)
  const purge = createRetentionPurge({ pool: ctx.database.pool, policy: loadConfig(DUE_AT_ONCE).retention, intervalMs: 0 })
  const other = await attacker(t, ctx.databaseUrl)
  await other.query('BEGIN')
  await other.query('SELECT pg_advisory_xact_lock($1)', [RETENTION_LOCK])
  t.equal(await purge(), undefined, 'skipped')
  t.equal((await getReport(ctx, reportId)).statusCode, 200)
  await other.query('COMMIT')
  t.equal((await purge())!.report_contents, 1)
})

t.test('retention durations are checked at start-up, naming the variable', async (t) => {
  t.throws(() => loadConfig({ RETENTION_RECEIPTS: '5 years' }), /RETENTION_RECEIPTS must be a duration/)
  t.equal(loadConfig({ RETENTION_REPORTER_CONTACT: '12h' }).retention.reporterContactMs, 12 * 3_600_000)
})

t.test('one run per interval across processes, straight on while runs find something; one audit entry per run that purged', async (t) => {
  const ctx = await handoffTestApp(t)
  await deliveredCase(t, ctx)
  const other = new pg.Pool({ connectionString: ctx.databaseUrl, max: 1 }) // a second gateway process's pool
  t.teardown(() => other.end())
  const policy = loadConfig(DUE_AT_ONCE).retention
  const hourly = (pool: pg.Pool) => createRetentionPurge({ pool, policy, intervalMs: 3_600_000 })
  const first = await hourly(ctx.database.pool)()
  t.equal(first!.report_contents, 1)
  t.same(
    await hourly(other)(),
    { reporter_contact: 0, report_contents: 0, handoff_payloads: 0, receipts: 0 },
    'the last run found something: run again',
  )
  t.equal(await hourly(ctx.database.pool)(), undefined, 'the last run found nothing, a moment ago: skipped')
  const entries = await retentionEntries(ctx.database.pool)
  t.equal(entries.length, 1, 'the run that found nothing wrote no entry')
  t.same(entries[0]!.purged, first)
  t.same(Object.keys(entries[0]!.before).sort(), Object.keys(first!).sort(), 'with the cut-off of each kind')
})
