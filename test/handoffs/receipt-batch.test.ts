import t from 'tap'
import { sha256Hex } from '../../src/crypto/jws.ts'
import { DESTINATION, handoffTestApp, urgentCase, type HandoffTestApp } from './helpers.ts'

const URL = '/v1/inbox/receipts'

/** `n` reports routed to the destination, their handoffs signed: each handoff's id and manifest as the inbox serves it. */
async function signedHandoffs(ctx: HandoffTestApp, n: number): Promise<Array<{ id: string; manifest: string }>> {
  const ids: string[] = []
  for (let i = 0; i < n; i++) {
    const res = await ctx.app.inject({ method: 'POST', url: '/v1/reports', headers: await ctx.auth('exampletube'), payload: urgentCase(`batch${i}`) })
    const status = await ctx.app.inject({ method: 'GET', url: `/v1/reports/${res.json().id}`, headers: await ctx.auth('exampletube') })
    ids.push(status.json().handoffs.find((h: { destination: string }) => h.destination === DESTINATION).id)
  }
  while ((await ctx.worker.step()) > 0);
  const inbox = (await ctx.inbox()).json().handoffs as Array<{ id: string; manifest: string }>
  return ids.map((id) => ({ id, manifest: inbox.find((h) => h.id === id)!.manifest }))
}

async function receiptEntries(ctx: HandoffTestApp) {
  const { rows } = await ctx.database.pool.query(
    `SELECT convert_from(e.entry, 'UTF8')::jsonb AS entry, l.handoff_id FROM audit_entries e LEFT JOIN handoff_audit l ON l.audit_entry_id = e.id
      WHERE convert_from(e.entry, 'UTF8')::jsonb ->> 'type' = 'handoff.receipt_received' ORDER BY e.id`,
  )
  return rows as Array<{ entry: Record<string, string>; handoff_id: string | null }>
}

t.test('a page of receipts in one request: each answered as if posted alone, the good ones taken once and audited', async (t) => {
  const ctx = await handoffTestApp(t)
  const [a, b, c, d] = await signedHandoffs(ctx, 4)
  const receiptA = await ctx.receipt(a!.id, a!.manifest)
  const receiptB = await ctx.receipt(b!.id, b!.manifest)
  // d is receipted alone first: the batch's copy of the same receipt is answered the same, a different one conflicts
  const receiptD = await ctx.receipt(d!.id, d!.manifest)
  t.equal((await ctx.post(DESTINATION, `/v1/handoffs/${d!.id}/receipt`, { receipt: receiptD })).statusCode, 200)
  const receipts = [
    { handoff_id: a!.id, receipt: receiptA },
    { handoff_id: b!.id, receipt: receiptB },
    { handoff_id: c!.id, receipt: await ctx.receipt(c!.id, c!.manifest, { manifest_sha256: 'ab'.repeat(32) }) },
    { handoff_id: a!.id, receipt: receiptA },
    { handoff_id: b!.id, receipt: await ctx.receipt(b!.id, b!.manifest, { received_at: '2026-01-01T00:00:00Z' }) },
    { handoff_id: d!.id, receipt: receiptD },
    { handoff_id: c!.id, receipt: receiptA },
  ]
  const res = await ctx.post(DESTINATION, URL, { receipts })
  t.equal(res.statusCode, 200)
  const results = res.json().results as Array<{
    index: number
    handoff_id: string
    status: string
    state?: string
    problem?: { status: number; code: string }
  }>
  t.same(
    results.map((r) => [r.index, r.handoff_id, r.status, r.state ?? r.problem?.code]),
    [
      [0, a!.id, 'received', 'received'],
      [1, b!.id, 'received', 'received'],
      [2, c!.id, 'refused', 'HG_UNPROCESSABLE'],
      [3, a!.id, 'received', 'received'],
      [4, b!.id, 'refused', 'HG_CONFLICT'],
      [5, d!.id, 'received', 'received'],
      [6, c!.id, 'refused', 'HG_UNPROCESSABLE'],
    ],
    'in order: taken, the same one again, a wrong manifest, a second different receipt, one for another handoff',
  )
  t.equal(results[2]!.problem!.status, 422)
  t.equal(results[4]!.problem!.status, 409)

  const { rows } = await ctx.database.pool.query('SELECT id, state, receipt FROM handoffs WHERE id = ANY($1::uuid[])', [[a!.id, b!.id, c!.id]])
  const byId = new Map(rows.map((r) => [r.id, r]))
  t.equal(byId.get(a!.id).receipt, receiptA)
  t.equal(byId.get(b!.id).receipt, receiptB, 'the first receipt of b stands')
  t.same([byId.get(c!.id).state, byId.get(c!.id).receipt], ['sent', null], 'the refused one is untouched')

  const entries = await receiptEntries(ctx)
  t.same(
    entries.map((e) => e.handoff_id).sort(),
    [a!.id, b!.id, d!.id].sort(),
    'one receipt entry per handoff, each linked to its handoff (its evidence finds it)',
  )
  const entryA = entries.find((e) => e.handoff_id === a!.id)!.entry
  t.match(entryA, { handoff_id: a!.id, destination: DESTINATION, manifest_sha256: sha256Hex(a!.manifest), receipt_sha256: sha256Hex(receiptA) })
  const single = entries.find((e) => e.handoff_id === d!.id)!.entry
  t.same(Object.keys(entryA).sort(), Object.keys(single).sort(), 'the same entry as a receipt posted alone')
})

t.test('receipts for handoffs not addressed to the poster are refused as not found, and change nothing', async (t) => {
  const ctx = await handoffTestApp(t)
  const [a] = await signedHandoffs(ctx, 1)
  const receipt = await ctx.receipt(a!.id, a!.manifest)
  const res = await ctx.post('nl-police', URL, { receipts: [{ handoff_id: a!.id, receipt }] })
  t.equal(res.statusCode, 200)
  t.equal(res.json().results[0].problem.code, 'HG_NOT_FOUND')
  t.same(await receiptEntries(ctx), [], 'no entry')
  const { rows } = await ctx.database.pool.query('SELECT state, receipt FROM handoffs WHERE id = $1', [a!.id])
  t.same(rows[0], { state: 'sent', receipt: null })
})

t.test('a batch outside the contract is a 400 naming the field; nothing is taken', async (t) => {
  const ctx = await handoffTestApp(t)
  const [a] = await signedHandoffs(ctx, 1)
  const receipt = await ctx.receipt(a!.id, a!.manifest)
  const cases: Array<[string, object, string]> = [
    ['no receipts', { receipts: [] }, '/receipts'],
    ['more than 100', { receipts: Array.from({ length: 101 }, () => ({ handoff_id: a!.id, receipt })) }, '/receipts'],
    ['a handoff id that is not a UUID', { receipts: [{ handoff_id: 'nope', receipt }] }, '/receipts/0/handoff_id'],
    ['an unknown member', { receipts: [{ handoff_id: a!.id, receipt, note: 'x' }] }, '/receipts/0/note'],
  ]
  for (const [what, body, pointer] of cases) {
    const res = await ctx.post(DESTINATION, URL, body)
    t.equal(res.statusCode, 400, what)
    t.ok(
      res.json().errors.some((e: { pointer: string }) => e.pointer === pointer),
      `${what}: names ${pointer}`,
    )
  }
  t.same(await receiptEntries(ctx), [])
})
