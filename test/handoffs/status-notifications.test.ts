import { createServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import t from 'tap'
import { activeKey } from '../../src/keys/gateway-keys.ts'
import { createRequestSigner } from '../../src/crypto/request-signer.ts'
import { createStatusNotifier } from '../../src/handoffs/status-notifications.ts'
import { notificationHandler, staticJwks, type StatusNotification } from '../../src/receiver/index.ts'
import { certificate } from '../helpers/tls.ts'
import { DESTINATION, handoffTestApp } from './helpers.ts'

const tls = await certificate()

t.test('the sender’s notify endpoint is sent each status change, RFC 9421-signed, retried under the same id until taken', async (t) => {
  let refused: string | undefined
  const notified: StatusNotification[] = []
  let keys: ReturnType<typeof staticJwks> | undefined
  // the sender's endpoint runs the kit's handler; it is down for the first request
  const server = createServer(tls, (req, res) => {
    if (refused === undefined) {
      refused = ''
      req.on('data', (chunk) => (refused += chunk))
      return req.on('end', () => res.writeHead(503).end())
    }
    notificationHandler({ keys: keys!, onNotification: (n) => void notified.push(n) })(req, res)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise((resolve) => server.close(resolve)))
  const endpoint = `https://127.0.0.1:${(server.address() as AddressInfo).port}/hotline/notifications`

  const ctx = await handoffTestApp(t, {}, (directory) => {
    const sender = directory.participants.find((p) => p.id === 'exampletube')!
    sender.delivery = { mode: 'pull', notify_endpoint: endpoint }
  })
  const pool = ctx.database.pool
  const notifier = createStatusNotifier({
    pool,
    logger: ctx.app.log as never,
    signRequest: createRequestSigner(() => activeKey(pool, ctx.sealer, 'receipt')),
    ca: tls.cert,
    backoffMs: 0,
  })

  const { handoffId } = await ctx.submit()
  await ctx.worker.step()
  // the gateway's key exists once it signed something
  keys = staticJwks((await ctx.app.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json().keys)
  const { manifest } = (await ctx.inbox()).json().handoffs[0]
  await ctx.post(DESTINATION, `/v1/handoffs/${handoffId}/receipt`, { receipt: await ctx.receipt(handoffId, manifest) })
  t.equal(await notifier.step(), 0, 'a receipt is no status: nothing to notify')
  const res = await ctx.post(DESTINATION, `/v1/handoffs/${handoffId}/status`, {
    status: await ctx.status(handoffId, manifest, 'referred_to_law_enforcement'),
  })
  t.equal(res.statusCode, 200, 'a status from the destination')
  t.equal(
    (await ctx.post(DESTINATION, `/v1/handoffs/${handoffId}/status`, { status: await ctx.status(handoffId, manifest, 'closed') })).statusCode,
    200,
  )

  t.equal(await notifier.step(), 2, 'both notifications are tried')
  t.equal(notified.length, 1, 'the endpoint was down for the first; the second was taken')
  for (let tries = 0; tries < 5 && (await notifier.step()) > 0; tries++); // retried (no backoff in this test) until taken
  t.same(
    notified.map((n) => [n.handoff_id, n.seq, n.status, n.iccam]).sort((a, b) => Number(a[1]) - Number(b[1])),
    [
      [handoffId, 1, 'referred_to_law_enforcement', 'LEA'],
      [handoffId, 2, 'closed', null],
    ],
    'each status, verified by the kit (signature, digest, freshness, nonce)',
  )
  const retried = notified.find((n) => n.notification_id === JSON.parse(refused!).notification_id)
  t.ok(retried, 'the refused notification came again under the same id')
  t.equal(JSON.stringify(retried), refused, 'with the same bytes')
  const { rows } = await pool.query('SELECT count(*)::int AS n FROM status_notifications WHERE delivered_at IS NULL')
  t.equal(rows[0].n, 0, 'nothing left to send')
  t.equal(await notifier.step(), 0)
})
