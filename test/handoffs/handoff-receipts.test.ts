import t from 'tap'
import { sha256Hex } from '../../src/crypto/jws.ts'
import { HANDOFF_RECEIPT_TYP, HANDOFF_STATUS_TYP } from '../../src/handoffs/signed-message.ts'
import { DESTINATION, handoffTestApp, sign, signingKey, type HandoffTestApp } from './helpers.ts'

/** The handoff row and the number of audit entries: what a refused message must leave as it was. */
async function snapshot(ctx: HandoffTestApp, id: string) {
  const pool = ctx.database.pool
  const [handoff, statuses, entries] = await Promise.all([
    pool.query('SELECT state, receipt, received_at FROM handoffs WHERE id = $1', [id]),
    pool.query('SELECT count(*)::int AS n FROM handoff_statuses WHERE handoff_id = $1', [id]),
    pool.query('SELECT count(*)::int AS n FROM audit_entries'),
  ])
  return { handoff: handoff.rows[0], statuses: statuses.rows[0].n, entries: entries.rows[0].n }
}

async function signedHandoff(ctx: HandoffTestApp) {
  const { handoffId } = await ctx.submit()
  await ctx.worker.step()
  const { manifest } = (await ctx.inbox()).json().handoffs[0]
  return { id: handoffId, manifest: manifest as string }
}

t.test('a receipt that is not the destination’s own, for this handoff and manifest, is refused and changes nothing', async (t) => {
  const ctx = await handoffTestApp(t)
  const { id, manifest } = await signedHandoff(ctx)
  const url = `/v1/handoffs/${id}/receipt`
  const stranger = signingKey()
  const claims = { handoff_id: id, manifest_sha256: sha256Hex(manifest), received_at: new Date().toISOString() }
  const before = await snapshot(ctx, id)
  const cases: Array<[string, string, string, number, string]> = [
    ['signed by a key not in the directory', DESTINATION, await sign(stranger, HANDOFF_RECEIPT_TYP, claims), 422, 'HG_SIGNATURE_INVALID'],
    ['under an unknown kid', DESTINATION, await sign(ctx.key, HANDOFF_RECEIPT_TYP, claims, 'no-such-key'), 422, 'HG_SIGNATURE_INVALID'],
    ['a status message posted as a receipt', DESTINATION, await sign(ctx.key, HANDOFF_STATUS_TYP, claims), 422, 'HG_SIGNATURE_INVALID'],
    [
      'for another handoff',
      DESTINATION,
      await ctx.receipt(id, manifest, { handoff_id: '01a21369-0000-7000-8000-000000000000' }),
      422,
      'HG_UNPROCESSABLE',
    ],
    ['for another manifest', DESTINATION, await ctx.receipt(id, manifest, { manifest_sha256: 'ab'.repeat(32) }), 422, 'HG_UNPROCESSABLE'],
    ['with a claim it does not know', DESTINATION, await ctx.receipt(id, manifest, { note: 'free text' }), 422, 'HG_UNPROCESSABLE'],
    ['posted by another participant', 'nl-police', await ctx.receipt(id, manifest), 404, 'HG_NOT_FOUND'],
    ['posted by the sender', 'exampletube', await ctx.receipt(id, manifest), 404, 'HG_NOT_FOUND'],
  ]
  for (const [what, client, receipt, status, code] of cases) {
    const res = await ctx.post(client, url, { receipt })
    t.equal(res.statusCode, status, `${what}: ${status}`)
    t.equal(res.json().code, code, `${what}: ${code}`)
  }
  const tampered = (await ctx.receipt(id, manifest)).replace(/\.[^.]+$/, (sig) => `.${sig.slice(1, 5) === 'AAAA' ? 'BBBB' : 'AAAA'}${sig.slice(5)}`)
  const res = await ctx.post(DESTINATION, url, { receipt: tampered })
  t.equal(res.json().code, 'HG_SIGNATURE_INVALID', 'an altered signature')
  t.same(await snapshot(ctx, id), before, 'nothing changed: no row, no audit entry')

  const good = await ctx.receipt(id, manifest)
  t.equal((await ctx.post(DESTINATION, url, { receipt: good })).statusCode, 200)
  const other = await ctx.receipt(id, manifest, { received_at: '2026-01-01T00:00:00Z' })
  const second = await ctx.post(DESTINATION, url, { receipt: other })
  t.equal(second.statusCode, 409, 'a second, different receipt conflicts')
})

t.test(
  'status messages: only after the receipt, signed, well-formed, within time bounds, in a sensible order, and nothing after closed',
  async (t) => {
    const ctx = await handoffTestApp(t)
    const { id, manifest } = await signedHandoff(ctx)
    const url = `/v1/handoffs/${id}/status`
    const early = await ctx.post(DESTINATION, url, { status: await ctx.status(id, manifest, 'in_review') })
    t.equal(early.statusCode, 409, 'no status before the receipt')
    await ctx.post(DESTINATION, `/v1/handoffs/${id}/receipt`, { receipt: await ctx.receipt(id, manifest) })
    const before = await snapshot(ctx, id)
    const refused: Array<[string, string, number, string]> = [
      ['a rejection without its reason code', await ctx.status(id, manifest, 'rejected'), 422, 'HG_UNPROCESSABLE'],
      ['a reason code without a rejection', await ctx.status(id, manifest, 'in_review', { reason_code: 'duplicate' }), 422, 'HG_UNPROCESSABLE'],
      ['an assessment without its outcome', await ctx.status(id, manifest, 'assessed'), 422, 'HG_UNPROCESSABLE'],
      ['an outcome without an assessment', await ctx.status(id, manifest, 'assessing', { outcome: 'illegal' }), 422, 'HG_UNPROCESSABLE'],
      ['an unknown outcome', await ctx.status(id, manifest, 'assessed', { outcome: 'maybe' }), 422, 'HG_UNPROCESSABLE'],
      ['an unknown status', await ctx.status(id, manifest, 'lost'), 422, 'HG_UNPROCESSABLE'],
      [
        'a status that happened in the future',
        await ctx.status(id, manifest, 'content_removed', { occurred_at: new Date(Date.now() + 3_600_000).toISOString() }),
        422,
        'HG_UNPROCESSABLE',
      ],
      [
        'a status that happened before the handoff',
        await ctx.status(id, manifest, 'content_removed', { occurred_at: '2020-01-01T00:00:00Z' }),
        422,
        'HG_UNPROCESSABLE',
      ],
      ['a receipt posted as a status', await sign(ctx.key, HANDOFF_RECEIPT_TYP, { handoff_id: id, status: 'closed' }), 422, 'HG_SIGNATURE_INVALID'],
      ['signed by a stranger', await sign(signingKey(), HANDOFF_STATUS_TYP, { handoff_id: id, status: 'closed' }), 422, 'HG_SIGNATURE_INVALID'],
    ]
    for (const [what, status, code, problem] of refused) {
      const res = await ctx.post(DESTINATION, url, { status })
      t.equal(res.statusCode, code, what)
      t.equal(res.json().code, problem, what)
    }
    t.equal((await ctx.post('nl-police', url, { status: await ctx.status(id, manifest, 'in_review') })).statusCode, 404, 'another participant: 404')
    t.same(await snapshot(ctx, id), before, 'nothing changed')

    const post = async (status: string, extra = {}) =>
      (await ctx.post(DESTINATION, url, { status: await ctx.status(id, manifest, status, extra) })).statusCode
    t.equal(await post('hosting_provider_notified'), 200, 'a notice to the host')
    t.equal(await post('content_moved'), 200, 'the content moved')
    t.equal(await post('hosting_provider_notified'), 200, 'a notice to its new host')
    t.equal(await post('assessing'), 409, 'an assessment cannot follow a notice')
    t.equal(await post('received'), 409, 'received is only the first status')
    t.equal(await post('content_unavailable'), 200)
    t.equal(await post('rejected', { reason_code: 'duplicate' }), 409, 'a rejection cannot follow the removal')
    t.equal((await snapshot(ctx, id)).statuses, 4, 'refused transitions store nothing')
    const closed = await ctx.status(id, manifest, 'closed')
    t.equal((await ctx.post(DESTINATION, url, { status: closed })).statusCode, 200)
    t.equal((await ctx.post(DESTINATION, url, { status: closed })).statusCode, 200, 'the same message again is idempotent')
    const after = await ctx.post(DESTINATION, url, { status: await ctx.status(id, manifest, 'in_review') })
    t.equal(after.statusCode, 409, 'nothing after closed')
    t.equal((await snapshot(ctx, id)).statuses, 5)
  },
)

t.test('after a rejection only closed may follow', async (t) => {
  const ctx = await handoffTestApp(t)
  const { id, manifest } = await signedHandoff(ctx)
  const url = `/v1/handoffs/${id}/status`
  await ctx.post(DESTINATION, `/v1/handoffs/${id}/receipt`, { receipt: await ctx.receipt(id, manifest) })
  const post = async (status: string, extra = {}) =>
    (await ctx.post(DESTINATION, url, { status: await ctx.status(id, manifest, status, extra) })).statusCode
  t.equal(await post('assessed', { outcome: 'not_illegal' }), 200)
  t.equal(await post('hosting_provider_notified'), 409, 'no notice for what is not illegal')
  t.equal(await post('rejected', { reason_code: 'not_illegal' }), 409, 'assessed not illegal: a new assessment or closed')
  t.equal(await post('assessed', { outcome: 'nationally_illegal' }), 200, 'a new assessment')
  t.equal(await post('rejected', { reason_code: 'out_of_jurisdiction' }), 200)
  t.equal(await post('content_removed'), 409, 'nothing but closed after a rejection')
  t.equal(await post('closed'), 200)
})

t.test('a receipt for a handoff not signed yet is a conflict', async (t) => {
  const ctx = await handoffTestApp(t)
  const { handoffId } = await ctx.submit()
  const res = await ctx.post(DESTINATION, `/v1/handoffs/${handoffId}/receipt`, { receipt: await ctx.receipt(handoffId, 'x') })
  t.equal(res.statusCode, 409)
  t.equal(res.json().code, 'HG_CONFLICT')
  const evidence = await ctx.get(`/v1/handoffs/${handoffId}/evidence`)
  t.equal(evidence.statusCode, 409, 'and it has no evidence yet')
})
