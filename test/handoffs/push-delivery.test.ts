import { createServer, type Server } from 'node:https'
import type { AddressInfo } from 'node:net'
import t, { type Test } from 'tap'
import { activeKey } from '../../src/keys/gateway-keys.ts'
import { createRequestSigner } from '../../src/crypto/request-signer.ts'
import { createDirectoryService } from '../../src/directory/directory-service.ts'
import { createHandoffService } from '../../src/handoffs/handoff-service.ts'
import { createParticipantKeys } from '../../src/handoffs/participant-keys.ts'
import { createPushDelivery, type PushDeliveryOptions } from '../../src/handoffs/push-delivery.ts'
import { DESTINATION, handoffTestApp, urgentCase, type HandoffTestApp } from './helpers.ts'
import { certificate } from '../helpers/tls.ts'
import { appJwks, kitPartner, newKitKey, publishedKeys, type KitPartner } from '../helpers/kit-partner.ts'
import { growth, scrapeMetrics } from '../helpers/metrics.ts'

type Answer = (body: any) => Promise<{ status: number; body?: object }>

/** A scripted destination, for misbehaviour: records each body and answers with the next of `answers` (the last one repeats). */
async function endpoint(t: Test, tls: { key: string; cert: string }, answers: Answer[]) {
  const received: any[] = []
  const server: Server = createServer(tls, (req, res) => {
    let data = ''
    req.on('data', (chunk) => (data += chunk))
    req.on('end', async () => {
      const body = JSON.parse(data)
      received.push(body)
      const answer = await answers[Math.min(received.length - 1, answers.length - 1)]!(body)
      res.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body ?? {}))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise((resolve) => server.close(resolve)))
  return { url: `https://127.0.0.1:${(server.address() as AddressInfo).port}/gateway/inbox`, received }
}

function pushFor(ctx: HandoffTestApp, options: Partial<PushDeliveryOptions> = {}) {
  const pool = ctx.database.pool
  return createPushDelivery({
    pool,
    logger: ctx.app.log as never,
    directory: createDirectoryService({ pool, cacheMs: 0 }),
    handoffs: createHandoffService({ pool, keysOf: createParticipantKeys() }),
    signRequest: createRequestSigner(() => activeKey(pool, ctx.sealer, 'receipt')),
    ...options,
  })
}

async function row(ctx: HandoffTestApp, id: string) {
  const { rows } = await ctx.database.pool.query(
    'SELECT state, attempts, last_error, next_attempt_at > now() AS waiting FROM handoffs WHERE id = $1',
    [id],
  )
  return rows[0]
}

async function entryTypes(ctx: HandoffTestApp, id: string) {
  const { rows } = await ctx.database.pool.query(
    `SELECT convert_from(e.entry, 'UTF8')::jsonb AS e FROM handoff_audit a JOIN audit_entries e ON e.id = a.audit_entry_id WHERE a.handoff_id = $1 ORDER BY e.id`,
    [id],
  )
  return rows.map((r) => [r.e.type, r.e.mode ?? null])
}

const tls = await certificate()

/**
 * de-police on the receiver kit (its key published in the directory, the gateway's keys read from `ctx`
 * once it exists), `script` answering the requests it chooses instead (misbehaviour). `healthy` is where
 * the endpoint goes into de-police's directory entry.
 */
async function kitPolice(t: Test, getCtx: () => HandoffTestApp, script?: (n: number) => number | undefined) {
  const key = await newKitKey(DESTINATION)
  const kit = await kitPartner(t, {
    tls,
    key,
    keys: () => appJwks(getCtx().app),
    ...(script ? { script: (n, _body, res) => answered(res, script(n)) } : {}),
  })
  return { kit, keys: publishedKeys(key) }
}

/** Answers with `status` (and no receipt) when the script says so. */
function answered(res: import('node:http').ServerResponse, status: number | undefined): boolean {
  if (status === undefined) return false
  res.writeHead(status, { 'content-type': 'application/json' }).end('{}')
  return true
}

/** The receipt the gateway recorded for a handoff. */
async function recordedReceipt(ctx: HandoffTestApp, id: string): Promise<string | null> {
  return (await ctx.database.pool.query('SELECT receipt FROM handoffs WHERE id = $1', [id])).rows[0].receipt
}

async function assertKitReceipt(t: Test, ctx: HandoffTestApp, kit: KitPartner, id: string) {
  const receipt = await kit.receipt(id)
  t.ok(receipt, 'the kit verified the handoff and signed a receipt')
  t.equal(await recordedReceipt(ctx, id), receipt, 'the receipt the gateway recorded is the kit’s')
}

t.test('push: a failed attempt is retried with the same bytes; a 2xx with a receipt completes the handoff', async (t) => {
  let ctx: HandoffTestApp | undefined
  const police = await kitPolice(
    t,
    () => ctx!,
    (n) => (n === 1 ? 503 : undefined),
  ) // down for the first request
  const destination = police.kit
  ctx = await handoffTestApp(t, { delivery: { mode: 'push', endpoint: destination.url }, keys: police.keys })
  const push = pushFor(ctx, { ca: tls.cert, backoffMs: 0 })
  const { handoffId } = await ctx.submit()
  await ctx.worker.step()
  const before = await scrapeMetrics(ctx)

  t.equal(await push.step(), 1)
  t.match(await row(ctx, handoffId), { state: 'ready', attempts: 1, last_error: 'HTTP 503' })
  t.equal(await push.step(), 1, 'retried (no backoff in this test)')
  t.match(await row(ctx, handoffId), { state: 'received', attempts: 2, last_error: null })
  await assertKitReceipt(t, ctx, destination, handoffId)
  t.equal(destination.received.length, 2)
  t.same(destination.received[1], destination.received[0], 'the same id, manifest and payload both times')
  t.match(destination.received[0], { id: handoffId, sender: 'exampletube', urgent: true, payload_media_type: 'application/json' })
  t.same(await entryTypes(ctx, handoffId), [
    ['handoff.signed', null],
    ['handoff.sent', 'push'],
    ['handoff.receipt_received', null],
  ])
  const { rows } = await ctx.database.pool.query('SELECT sent_at = received_at AS together FROM handoffs WHERE id = $1', [handoffId])
  t.equal(rows[0].together, true, 'the receipt in the answer is committed with the push, in one statement')
  t.equal(await push.step(), 0, 'nothing left to push')
  const grew = growth(before, await scrapeMetrics(ctx))
  t.equal(grew('hg_push_attempts_total{kind="handoff",result="failed"}'), 1, 'metrics: the retry')
  t.equal(grew('hg_push_attempts_total{kind="handoff",result="sent"}'), 1, 'metrics: the push that went through')
  t.equal(grew('hg_delivery_latency_seconds_count'), 1, 'metrics: its delivery latency')
  t.equal(grew('hg_intake_to_receipt_seconds_count'), 1, 'metrics: intake to the receipt in its answer')
})

t.test('push: failures back off (counted in the row); an untrusted certificate is a failure too', async (t) => {
  const destination = await endpoint(t, tls, [async () => ({ status: 500 })]) // scripted: always failing
  const ctx = await handoffTestApp(t, { delivery: { mode: 'push', endpoint: destination.url } })
  const { handoffId } = await ctx.submit()
  await ctx.worker.step()

  const untrusting = pushFor(ctx, { backoffMs: 0 })
  t.equal(await untrusting.step(), 1)
  t.match(await row(ctx, handoffId), { state: 'ready', attempts: 1, last_error: /certificate/ })
  t.equal(destination.received.length, 0, 'nothing was sent to an endpoint whose certificate does not verify')

  const push = pushFor(ctx, { ca: tls.cert, backoffMs: 60_000 })
  t.equal(await push.step(), 1)
  t.match(await row(ctx, handoffId), { state: 'ready', attempts: 2, last_error: 'HTTP 500', waiting: true })
  t.equal(await push.step(), 0, 'not again before its backoff ran out')
  t.same(await entryTypes(ctx, handoffId), [['handoff.signed', null]], 'no handoff.sent for a failed push')
  t.equal((await ctx.inbox(DESTINATION)).json().handoffs.length, 1, 'the inbox still serves it meanwhile')
})

t.test('push: a 2xx without a (good) receipt marks it sent; the destination posts its receipt later', async (t) => {
  const destination = await endpoint(t, tls, [async () => ({ status: 200, body: { receipt: 'not.a.receipt' } })]) // scripted: a bad receipt
  const ctx = await handoffTestApp(t, { delivery: { mode: 'push', endpoint: destination.url } })
  const { handoffId } = await ctx.submit()
  await ctx.worker.step()
  t.equal(await pushFor(ctx, { ca: tls.cert }).step(), 1)
  t.match(await row(ctx, handoffId), { state: 'sent', attempts: 1, last_error: /receipt in the push answer refused/ })
  const manifest = destination.received[0].manifest
  const res = await ctx.post(DESTINATION, `/v1/handoffs/${handoffId}/receipt`, { receipt: await ctx.receipt(handoffId, manifest) })
  t.equal(res.statusCode, 200)
  t.equal((await row(ctx, handoffId)).state, 'received')
})

t.test('push: past its maximum age a failing push is a dead letter; an operator re-queues it and the same bytes go out', async (t) => {
  let healthy = false
  let ctx: HandoffTestApp | undefined
  const police = await kitPolice(
    t,
    () => ctx!,
    () => (healthy ? undefined : 500),
  ) // failing until healthy, then the kit
  const destination = police.kit
  ctx = await handoffTestApp(t, { delivery: { mode: 'push', endpoint: destination.url }, keys: police.keys })
  const { handoffId } = await ctx.submit()
  await ctx.worker.step()

  const push = pushFor(ctx, { ca: tls.cert, backoffMs: 0, maxAgeMs: 0 })
  const before = await scrapeMetrics(ctx)
  t.equal(await push.step(), 1)
  t.match(await row(ctx, handoffId), { state: 'dead_letter', attempts: 1, last_error: 'HTTP 500' })
  const after = await scrapeMetrics(ctx)
  t.equal(growth(before, after)('hg_dead_letters_total'), 1, 'metrics: the dead letter')
  t.equal(after.get(`hg_handoffs_open{state="dead_letter",destination="${DESTINATION}"}`), 1, 'metrics: open dead letters, from the database')
  t.equal(await push.step(), 0, 'a dead letter is not retried')
  const seen = await ctx.app.inject({ method: 'GET', url: `/v1/handoffs/${handoffId}`, headers: await ctx.auth('exampletube') })
  t.match(seen.json(), { state: 'dead_letter', attempts: 1, last_error: 'HTTP 500' }, 'the sender sees the dead letter and why')

  const redeliver = async (client: string, id = handoffId) =>
    ctx.app.inject({ method: 'POST', url: `/v1/handoffs/${id}/redeliver`, headers: await ctx.auth(client) })
  t.equal((await redeliver('exampletube')).statusCode, 403, 'a platform may not redeliver')
  t.equal((await redeliver(DESTINATION)).statusCode, 403, 'nor the destination')
  t.match(await row(ctx, handoffId), { state: 'dead_letter' }, 'refused requests change nothing')

  healthy = true
  const requeued = await redeliver('gateway-admin')
  t.equal(requeued.statusCode, 200)
  t.match(requeued.json(), { id: handoffId, state: 'ready', attempts: 0 })
  const again = await redeliver('gateway-admin')
  t.equal(again.statusCode, 409, 'only a dead letter can be redelivered')
  t.equal(again.json().code, 'HG_CONFLICT')
  t.equal((await redeliver('gateway-admin', '00000000-0000-4000-8000-000000000000')).statusCode, 404)

  t.equal(await push.step(), 1, 'tried at once')
  t.match(await row(ctx, handoffId), { state: 'received', attempts: 1 }, 'sent, and receipted in the answer')
  await assertKitReceipt(t, ctx, destination, handoffId)
  t.equal(destination.received.length, 2)
  t.same(destination.received[1], destination.received[0], 'the same id, manifest and payload as the failed attempt')
  t.same(await entryTypes(ctx, handoffId), [
    ['handoff.signed', null],
    ['handoff.dead_lettered', null],
    ['handoff.redelivery_requested', null],
    ['handoff.sent', 'push'],
    ['handoff.receipt_received', null],
  ])
})

t.test('pull: a dead letter stays in the inbox, and fetching it there counts as sent', async (t) => {
  const destination = await endpoint(t, tls, [async () => ({ status: 500 })]) // scripted: always failing
  const ctx = await handoffTestApp(t, { delivery: { mode: 'push', endpoint: destination.url } })
  const { handoffId } = await ctx.submit()
  await ctx.worker.step()
  await pushFor(ctx, { ca: tls.cert, backoffMs: 0, maxAgeMs: 0 }).step()
  t.match(await row(ctx, handoffId), { state: 'dead_letter' })
  const inbox = (await ctx.inbox(DESTINATION)).json()
  t.same(
    inbox.handoffs.map((h: { id: string }) => h.id),
    [handoffId],
  )
  t.match(await row(ctx, handoffId), { state: 'sent' })
  t.same(await entryTypes(ctx, handoffId), [
    ['handoff.signed', null],
    ['handoff.dead_lettered', null],
    ['handoff.sent', 'pull'],
  ])
})

t.test('push: under the overall bound every destination gets its turn, not always the first', async (t) => {
  let ctx: HandoffTestApp | undefined
  const { kit: police, keys } = await kitPolice(t, () => ctx!)
  const hotlineKey = await newKitKey('de-hotline')
  const hotline = await kitPartner(t, { tls, key: hotlineKey, keys: () => appJwks(ctx!.app) })
  ctx = await handoffTestApp(t, { delivery: { mode: 'push', endpoint: police.url }, keys })
  const directory = createDirectoryService({ pool: ctx.database.pool, cacheMs: 0 })
  const document = structuredClone((await directory.current())!.document)
  Object.assign(
    document.participants.find((p) => p.id === 'de-hotline')!,
    {
      delivery: { mode: 'push', endpoint: hotline.url },
      keys: publishedKeys(hotlineKey),
    },
  )
  await directory.publish(document, { actor: 'test' })
  const { handoffId } = await ctx.submit() // to de-police and de-hotline, among others
  await ctx.worker.step()
  const push = pushFor(ctx, { ca: tls.cert, overall: 1 })
  for (let i = 0; i < 4 && police.received.length + hotline.received.length < 2; i++) await push.step()
  t.equal(police.received.length, 1, 'de-police was sent its handoff')
  t.equal(hotline.received.length, 1, 'and so was de-hotline, though one request at a time was allowed')
  await assertKitReceipt(t, ctx, police, handoffId)
  await assertKitReceipt(t, ctx, hotline, hotline.received[0].id)
})

t.test('push: a destination that pulls but names an urgent endpoint is pushed its urgent handoffs there, and only those', async (t) => {
  let ctx: HandoffTestApp | undefined
  const { kit: urgent, keys } = await kitPolice(t, () => ctx!)
  ctx = await handoffTestApp(t, { delivery: { mode: 'pull', urgent_endpoint: urgent.url }, keys }) // de-police
  const directory = createDirectoryService({ pool: ctx.database.pool, cacheMs: 0 })
  const document = structuredClone((await directory.current())!.document)
  document.participants.find((p) => p.id === 'de-hotline')!.delivery = { mode: 'pull', urgent_endpoint: urgent.url }
  await directory.publish(document, { actor: 'test' })
  const { handoffId } = await ctx.submit() // urgent to de-police; to de-hotline, not urgent
  await ctx.worker.step()
  const push = pushFor(ctx, { ca: tls.cert })
  t.equal(await push.step(), 1, 'one push: the urgent handoff')
  t.equal(urgent.received.length, 1)
  t.match(urgent.received[0], { id: handoffId, urgent: true })
  t.match(await row(ctx, handoffId), { state: 'received' }, 'sent, and receipted in the answer')
  await assertKitReceipt(t, ctx, urgent, handoffId)
  t.same(await entryTypes(ctx, handoffId), [
    ['handoff.signed', null],
    ['handoff.sent', 'push'],
    ['handoff.receipt_received', null],
  ])
  t.equal(await push.step(), 0, 'de-hotline’s handoff is not urgent: it waits in its inbox')
  t.equal((await ctx.inbox('de-hotline')).json().handoffs.length, 1)
})

t.test('push: each endpoint has its own breaker: the urgent endpoint takes urgent handoffs while the normal one is open', async (t) => {
  const normal = await endpoint(t, tls, [async () => ({ status: 500 })]) // scripted: always failing
  let ctx: HandoffTestApp | undefined
  const { kit: urgent, keys } = await kitPolice(t, () => ctx!)
  ctx = await handoffTestApp(t, { delivery: { mode: 'push', endpoint: normal.url, urgent_endpoint: urgent.url }, keys }) // de-police
  const push = pushFor(ctx, { ca: tls.cert, backoffMs: 60_000 })
  const { reportId, handoffId } = await ctx.submit() // urgent to de-police
  await ctx.worker.step()
  t.equal(await push.step(), 1, 'the urgent handoff is pushed')
  t.equal(urgent.received.length, 1, 'to the urgent endpoint')
  t.match(await row(ctx, handoffId), { state: 'received' }, 'sent, and receipted in the answer')
  await assertKitReceipt(t, ctx, urgent, handoffId)

  // the report is retracted: its retraction goes to the normal endpoint, which fails and opens that endpoint's breaker
  const retracted = await ctx.post('exampletube', `/v1/reports/${reportId}/retract`, { reason: 'Reported in error.' })
  t.equal(retracted.statusCode, 200)
  t.equal(await push.step(), 1, 'the retraction is pushed')
  t.equal(normal.received.length, 1, 'to the normal endpoint, which answers 500')
  const breakers = async () =>
    (
      await ctx.database.pool.query(`SELECT endpoint, failures, open_until > now() AS open FROM delivery_endpoints WHERE participant_id = $1`, [
        DESTINATION,
      ])
    ).rows
  t.same(await breakers(), [{ endpoint: normal.url, failures: 1, open: true }], 'only the normal endpoint’s breaker is open')

  const second = await ctx.post('exampletube', '/v1/reports', urgentCase('breaker_second'))
  t.equal(second.statusCode, 202)
  await ctx.worker.step()
  t.equal(await push.step(), 1, 'a new urgent handoff is pushed though the normal endpoint is left alone')
  t.equal(urgent.received.length, 2)
  await assertKitReceipt(t, ctx, urgent, urgent.received[1].id)
  t.equal(normal.received.length, 1, 'the normal endpoint is not tried again before its backoff ran out')
  t.same(await breakers(), [{ endpoint: normal.url, failures: 1, open: true }], 'and the urgent endpoint has no breaker of its own open')
})

t.test('push: requests failing together count as one failure of the endpoint, not one each', async (t) => {
  const destination = await endpoint(t, tls, [async () => ({ status: 500 })]) // scripted: always failing
  const ctx = await handoffTestApp(t, { delivery: { mode: 'push', endpoint: destination.url } })
  await ctx.submit()
  t.equal((await ctx.post('exampletube', '/v1/reports', urgentCase('together'))).statusCode, 202)
  await ctx.worker.step()
  t.equal(await pushFor(ctx, { ca: tls.cert, backoffMs: 60_000 }).step(), 2, 'two pushes in flight at once, both failing')
  const { rows } = await ctx.database.pool.query(`SELECT failures, open_until > now() AS open FROM delivery_endpoints WHERE participant_id = $1`, [
    DESTINATION,
  ])
  t.same(rows, [{ failures: 1, open: true }], 'one failure: the breaker opens for the first backoff, not the second')
})
