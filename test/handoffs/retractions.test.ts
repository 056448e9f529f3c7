import { compactVerify, createLocalJWKSet, decodeProtectedHeader } from 'jose'
import t from 'tap'
import { sha256Hex } from '../../src/crypto/jws.ts'
import { activeKey } from '../../src/keys/gateway-keys.ts'
import { createRequestSigner } from '../../src/crypto/request-signer.ts'
import { createDirectoryService } from '../../src/directory/directory-service.ts'
import { createHandoffService } from '../../src/handoffs/handoff-service.ts'
import { createParticipantKeys } from '../../src/handoffs/participant-keys.ts'
import { createPushDelivery } from '../../src/handoffs/push-delivery.ts'
import { RETRACTION_RECEIPT_TYP, RETRACTION_TYP } from '../../src/handoffs/signed-message.ts'
import { certificate } from '../helpers/tls.ts'
import { appJwks, appPuller, kitPartner, newKitKey, publishedKeys } from '../helpers/kit-partner.ts'
import { DESTINATION, handoffTestApp, sign, type HandoffTestApp } from './helpers.ts'

async function handoffs(ctx: HandoffTestApp) {
  const { rows } = await ctx.database.pool.query(
    `SELECT id, participant_id, state, retraction_state, manifest, receipt, retraction_receipt FROM handoffs ORDER BY participant_id`,
  )
  return new Map(rows.map((row) => [row.participant_id as string, row]))
}

async function entryTypes(ctx: HandoffTestApp, id: string) {
  const { rows } = await ctx.database.pool.query(
    `SELECT convert_from(e.entry, 'UTF8')::jsonb AS e FROM handoff_audit a JOIN audit_entries e ON e.id = a.audit_entry_id WHERE a.handoff_id = $1 ORDER BY e.id`,
    [id],
  )
  return rows.map((r) => (r.e.mode ? `${r.e.type}/${r.e.mode}` : r.e.type))
}

function retractionReceipt(ctx: HandoffTestApp, handoffId: string, manifest: string, retraction: string, patch: object = {}) {
  return sign(ctx.key, RETRACTION_RECEIPT_TYP, {
    handoff_id: handoffId,
    manifest_sha256: sha256Hex(manifest),
    retraction_sha256: sha256Hex(retraction),
    received_at: new Date().toISOString(),
    ...patch,
  })
}

async function retract(ctx: HandoffTestApp, reportId: string) {
  return ctx.app.inject({
    method: 'POST',
    url: `/v1/reports/${reportId}/retract`,
    headers: await ctx.auth('exampletube'),
    payload: { reason: 'Reported in error: the stream is a film trailer.' },
  })
}

t.test('a retraction reaches each destination as its handoff’s state calls for, once, and is receipted', async (t) => {
  const ctx = await handoffTestApp(t)
  // de-police runs the receiver kit's pull, under the key the directory lists for it
  const kit = await appPuller(ctx, ctx.key, DESTINATION)
  const { reportId, handoffId } = await ctx.submit() // to be-hotline, de-hotline and de-police (urgent)
  await ctx.worker.step()
  // de-police fetches and receipts; be-hotline fetches; de-hotline never looks (its handoff stays ready)
  const pulled = await kit.pull()
  t.same([pulled.received, pulled.refused], [[handoffId], []], 'de-police’s kit verified and receipted its handoff')
  const police = kit.handed[0]!.item
  t.equal((await ctx.inbox('be-hotline')).json().handoffs.length, 1)
  const before = await handoffs(ctx)
  t.same(
    [...before.values()].map((h) => `${h.participant_id}:${h.state}`),
    ['be-hotline:sent', 'de-hotline:ready', 'de-police:received'],
  )

  const res = await retract(ctx, reportId)
  t.equal(res.statusCode, 200)
  t.same(
    res
      .json()
      .handoffs.map((h: { destination: string; state: string; retraction: string | null }) => `${h.destination}:${h.state}:${h.retraction}`)
      .sort(),
    ['be-hotline:sent:ready', 'de-hotline:withdrawn:null', 'de-police:received:ready'],
    'the sender sees what became of each handoff',
  )
  const after = await handoffs(ctx)
  t.equal(after.get('de-hotline')!.retraction_state, null, 'a handoff nobody was offered is withdrawn, not retracted')
  t.same(await entryTypes(ctx, after.get('de-hotline')!.id), ['handoff.signed', 'handoff.withdrawn'])

  // de-police finds the retraction in its inbox: signed by the gateway, naming its handoff and manifest
  const inbox = (await ctx.inbox()).json()
  t.same(inbox.handoffs, [], 'the received handoff is not offered again')
  t.equal(inbox.retractions.length, 1)
  const { retraction, retraction_sha256: digest } = inbox.retractions[0]
  t.equal(inbox.retractions[0].handoff_id, handoffId)
  t.equal(sha256Hex(retraction), digest)
  t.equal(decodeProtectedHeader(retraction).typ, RETRACTION_TYP)
  const jwks = (await ctx.app.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json()
  const claims = JSON.parse(Buffer.from((await compactVerify(retraction, createLocalJWKSet(jwks))).payload).toString())
  t.match(claims, { handoff_id: handoffId, report_id: reportId, destination: DESTINATION, manifest_sha256: sha256Hex(police.manifest) })
  t.equal((await ctx.inbox()).json().retractions.length, 1, 'offered again until receipted')

  const post = (receipt: string) => ctx.post(DESTINATION, `/v1/handoffs/${handoffId}/retraction-receipt`, { receipt })
  // hand-signed: a receipt the gateway must refuse
  const wrong = await post(await retractionReceipt(ctx, handoffId, police.manifest, 'another.retraction.jws'))
  t.equal(wrong.statusCode, 422, 'a receipt for another retraction is refused')
  t.match(wrong.json().errors, [{ pointer: '/receipt' }])
  const retracted = await kit.pull()
  t.same([retracted.retracted, retracted.refused], [[handoffId], []], 'de-police’s kit verified the retraction and receipted it')
  t.match(kit.retractions, [{ claims: { handoff_id: handoffId, report_id: reportId } }], 'handing it to the partner’s onRetraction')
  const receipt = (await kit.retractionReceipt(handoffId))!
  const recorded = await ctx.database.pool.query('SELECT retraction_receipt FROM handoffs WHERE id = $1', [handoffId])
  t.equal(recorded.rows[0].retraction_receipt, receipt, 'the retraction receipt the gateway recorded is the kit’s')
  const received = await post(receipt)
  t.equal(received.statusCode, 200, 'the same receipt again answers the same')
  t.match(received.json().retraction, { state: 'received', sha256: digest, receipt })
  t.equal((await post(await retractionReceipt(ctx, handoffId, police.manifest, retraction, { received_at: '2030-01-01T00:00:00Z' }))).statusCode, 409)
  t.same((await ctx.inbox()).json().retractions, [], 'nothing left to offer')
  t.same(await entryTypes(ctx, handoffId), [
    'handoff.signed',
    'handoff.sent/pull',
    'handoff.receipt_received',
    'handoff.retraction_signed',
    'handoff.retraction_sent/pull',
    'handoff.retraction_received',
  ])

  t.equal((await retract(ctx, reportId)).statusCode, 409, 'a report is retracted once')
  const { rows } = await ctx.database.pool.query(`SELECT count(*)::int AS n FROM handoffs WHERE retraction IS NOT NULL`)
  t.equal(rows[0].n, 2, 'and each holder was told once')
  const noRetraction = await ctx.post('be-hotline', `/v1/handoffs/${after.get('de-hotline')!.id}/retraction-receipt`, { receipt })
  t.equal(noRetraction.statusCode, 404, 'someone else’s handoff does not exist for be-hotline')
})

t.test('a pushed retraction: sent to the endpoint, and the receipt in its answer is taken', async (t) => {
  const tls = await certificate()
  let ctx: HandoffTestApp | undefined
  // de-police's push endpoint runs the receiver kit: it verifies the handoff and the retraction and receipts both
  const key = await newKitKey(DESTINATION)
  const kit = await kitPartner(t, { tls, key, keys: () => appJwks(ctx!.app), path: '/in' })
  ctx = await handoffTestApp(t, { delivery: { mode: 'push', endpoint: kit.url }, keys: publishedKeys(key) })
  const pool = ctx.database.pool
  const push = createPushDelivery({
    pool,
    logger: ctx.app.log as never,
    directory: createDirectoryService({ pool, cacheMs: 0 }),
    handoffs: createHandoffService({ pool, keysOf: createParticipantKeys() }),
    signRequest: createRequestSigner(() => activeKey(pool, ctx!.sealer, 'receipt')),
    ca: tls.cert,
  })
  const { reportId, handoffId } = await ctx.submit()
  await ctx.worker.step()
  t.equal(await push.step(), 1)
  t.equal((await retract(ctx, reportId)).statusCode, 200)
  t.equal(await push.step(), 1, 'the retraction is pushed')
  t.equal(kit.received.length, 2)
  t.same(Object.keys(kit.received[1]!).sort(), ['handoff_id', 'retraction', 'retraction_sha256'])
  t.equal(kit.received[1]!.handoff_id, handoffId)
  t.match(kit.headers[1]?.['signature-input'], /content-digest.*tag="hotline-gateway"/, 'signed like every request the gateway sends (RFC 9421)')
  t.same(kit.refusals, [], 'the kit verified both pushes')
  const police = (await handoffs(ctx)).get(DESTINATION)!
  t.equal(police.retraction_state, 'received')
  t.equal(police.receipt, await kit.receipt(handoffId), 'the handoff receipt the gateway recorded is the kit’s')
  t.equal(police.retraction_receipt, await kit.retractionReceipt(handoffId), 'and so is the retraction receipt')
  t.ok(police.retraction_receipt, 'which the kit gave')
  t.equal(await push.step(), 0, 'nothing left to push')
  t.same(await entryTypes(ctx, handoffId), [
    'handoff.signed',
    'handoff.sent/push',
    'handoff.receipt_received',
    'handoff.retraction_signed',
    'handoff.retraction_sent/push',
    'handoff.retraction_received',
  ])
})
