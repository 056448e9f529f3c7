import t, { type Test } from 'tap'
import type { Participant } from '../../src/directory/participant.ts'
import { remoteJwks } from '../../src/receiver/index.ts'
import { gatewayEnv } from '../helpers/gateway-env.ts'
import { kitPartner, newKitKey, publishedKeys } from '../helpers/kit-partner.ts'
import { startGateway, until } from '../helpers/process.ts'
import { certificate, httpsListener } from '../helpers/tls.ts'
import { directoryWithKey, signingKey, urgentCase } from './helpers.ts'

const tls = await certificate()

/** A scripted HTTPS endpoint, for the misbehaving destination: `answer` decides each request (never answering holds it open). */
async function endpoint(t: Test, answer: (body: { id: string }, res: import('node:http').ServerResponse) => void) {
  const received: string[] = []
  let openRequests = 0
  let mostOpen = 0
  const { url, close } = await httpsListener(t, tls, (req, res) => {
    let data = ''
    req.on('data', (chunk) => (data += chunk))
    req.on('end', () => {
      const body = JSON.parse(data)
      received.push(body.id)
      openRequests++
      mostOpen = Math.max(mostOpen, openRequests)
      res.on('close', () => openRequests--)
      answer(body, res)
    })
  })
  return {
    url,
    received,
    mostOpen: () => mostOpen,
    close,
  }
}

/** de-police pushed as `police` says, de-hotline running the receiver kit: the gateway, its pool, and a way to send a case. */
async function twoDestinations(t: Test, police: Participant['delivery']) {
  // de-hotline runs the receiver kit: it verifies each push and answers with its signed receipt
  const hotlineKey = await newKitKey('de-hotline')
  let gatewayUrl = ''
  const healthy = await kitPartner(t, { tls, key: hotlineKey, keys: () => remoteJwks(gatewayUrl) })
  const directory = await directoryWithKey(signingKey(), { delivery: police }) // de-police
  Object.assign(
    directory.participants.find((p) => p.id === 'de-hotline')!,
    {
      delivery: { mode: 'push', endpoint: healthy.url },
      keys: publishedKeys(hotlineKey),
    },
  )
  const { pool, idp, env } = await gatewayEnv(t, directory)
  const gateway = await startGateway({ ...env, NODE_EXTRA_CA_CERTS: tls.file })
  t.teardown(() => gateway.stop())
  gatewayUrl = gateway.url
  const token = await idp.tokenFor('exampletube')
  /** An urgent case for both destinations; the report's id. */
  const sendCase = async (name: string) => {
    const res = await fetch(`${gateway.url}/v1/reports`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(urgentCase(name)),
    })
    t.equal(res.status, 202, `${name} accepted`)
    return ((await res.json()) as { id: string }).id
  }
  return { healthy, pool, gateway, sendCase }
}

t.test('a destination that hangs holds none of another destination’s handoffs, and trips its own breaker', async (t) => {
  const hanging = await endpoint(t, () => undefined) // takes the request, never answers
  const { healthy, pool, gateway, sendCase } = await twoDestinations(t, { mode: 'push', endpoint: hanging.url })
  const cases = 8
  for (let i = 0; i < cases; i++) await sendCase(`isolated_${i}`)
  const handoffsTo = async (destination: string) =>
    (await pool.query('SELECT id, state, receipt FROM handoffs WHERE participant_id = $1', [destination])).rows as Array<{
      id: string
      state: string
      receipt: string | null
    }>
  t.equal((await handoffsTo('de-hotline')).length, cases, 'every case has a handoff to de-hotline')
  t.equal((await handoffsTo('de-police')).length, cases, 'and to de-police')

  // the endpoint has a body before the gateway has committed its answer: wait for the rows
  await until('de-hotline’s handoffs are all receipted', async () => (await handoffsTo('de-hotline')).every((h) => h.state === 'received'), 120_000)
  t.equal(new Set(healthy.received.map((body) => body.id)).size, cases, 'de-hotline received every handoff while de-police’s endpoint still hangs')
  t.equal(new Set(healthy.handed.map((h) => h.item.id)).size, cases, 'each verified by the kit')
  t.same(healthy.refusals, [], 'the kit refused none')
  const recorded = await handoffsTo('de-hotline')
  t.same(
    recorded.map((h) => h.receipt),
    await Promise.all(recorded.map((h) => healthy.receipt(h.id))),
    'the gateway recorded the kit’s own receipt for each',
  )
  t.ok(hanging.received.length > 0, 'de-police was tried meanwhile')
  t.ok(hanging.mostOpen() <= 16, `at most 16 requests held open at the hanging endpoint (${hanging.mostOpen()})`)
  t.ok(
    (await handoffsTo('de-police')).every((h) => h.state === 'ready'),
    'none of de-police’s handoffs counts as sent',
  )

  // the endpoint now resets every connection: the failures trip its breaker, shared through the database
  await hanging.close()
  await until('de-police’s breaker opened', async () => {
    const { rows } = await pool.query(`SELECT failures, open_until > now() AS open FROM delivery_endpoints WHERE participant_id = 'de-police'`)
    return rows[0]?.failures >= 1 && rows[0]?.open === true
  })
  const { rows } = await pool.query(`SELECT participant_id FROM delivery_endpoints`)
  t.same(
    rows.map((r) => r.participant_id),
    ['de-police'],
    'only the failing endpoint has a breaker row',
  )
  const stopped = await gateway.stop('SIGTERM')
  t.equal(stopped.code, 0, 'stops cleanly with deliveries in flight')
})

t.test('a destination’s delivery.concurrency bounds the pushes held open at its endpoint', async (t) => {
  const hanging = await endpoint(t, () => undefined) // holds every push open: in flight until the gateway gives up on it
  const { pool, sendCase } = await twoDestinations(t, { mode: 'push', endpoint: hanging.url, concurrency: 3 })
  for (let i = 0; i < 8; i++) await sendCase(`bounded_${i}`)
  await until('three pushes held open at de-police’s endpoint at once', async () => hanging.mostOpen() >= 3)

  // one more case: its push to de-hotline comes from a dispatch made while de-police's three are held,
  // which would lease more of de-police's waiting handoffs if its endpoint had a free slot
  const last = await sendCase('bounded_last')
  await until('the last case is receipted by de-hotline', async () => {
    const { rows } = await pool.query(`SELECT state FROM handoffs WHERE report_id = $1 AND participant_id = 'de-hotline'`, [last])
    return rows[0]?.state === 'received'
  })
  t.equal(hanging.mostOpen(), 3, 'never more than its concurrency (3) held open, though 6 more waited')
  const { rows } = await pool.query(`SELECT count(*)::int AS n FROM handoffs WHERE participant_id = 'de-police' AND state = 'ready'`)
  t.equal(rows[0].n, 9, 'de-police’s nine handoffs all still wait for it')
})
