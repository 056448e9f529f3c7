import { createServer, type Server } from 'node:https'
import type { AddressInfo, Socket } from 'node:net'
import t, { type Test } from 'tap'
import { gatewayEnv } from '../helpers/gateway-env.ts'
import { startGateway } from '../helpers/process.ts'
import { certificate } from '../helpers/tls.ts'
import { directoryWithKey, signingKey, urgentCase } from './helpers.ts'

const tls = await certificate()

/** An HTTPS endpoint: `answer` decides each request (never answering holds it open). */
async function endpoint(t: Test, answer: (body: { id: string }, res: import('node:http').ServerResponse) => void) {
  const received: string[] = []
  const open = new Set<Socket>()
  let openRequests = 0
  let mostOpen = 0
  const server: Server = createServer(tls, (req, res) => {
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
  server.on('secureConnection', (socket) => {
    open.add(socket)
    socket.on('close', () => open.delete(socket))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const close = () =>
    new Promise<void>((resolve) => {
      for (const socket of open) socket.destroy() // whatever hangs is reset
      server.close(() => resolve())
    })
  t.teardown(close)
  return {
    url: `https://127.0.0.1:${(server.address() as AddressInfo).port}/inbox`,
    received,
    mostOpen: () => mostOpen,
    close,
  }
}

async function until(what: string, check: () => Promise<boolean>, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting: ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

t.test('a destination that hangs holds none of another destination’s handoffs, and trips its own breaker', async (t) => {
  const hanging = await endpoint(t, () => undefined) // takes the request, never answers
  const healthy = await endpoint(t, (_body, res) => res.writeHead(202, { 'content-type': 'application/json' }).end('{}'))
  const directory = await directoryWithKey(signingKey(), { delivery: { mode: 'push', endpoint: hanging.url } }) // de-police
  directory.participants.find((p) => p.id === 'de-hotline')!.delivery = { mode: 'push', endpoint: healthy.url }
  const { pool, idp, env } = await gatewayEnv(t, directory)
  const gateway = await startGateway({ ...env, NODE_EXTRA_CA_CERTS: tls.file })
  t.teardown(() => gateway.stop())

  const token = await idp.tokenFor('exampletube')
  const cases = 8
  for (let i = 0; i < cases; i++) {
    const report = urgentCase(`isolated_${i}`)
    const res = await fetch(`${gateway.url}/v1/reports`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(report),
    })
    t.equal(res.status, 202, `report ${i} accepted`)
  }
  const handoffsTo = async (destination: string) =>
    (await pool.query('SELECT id, state FROM handoffs WHERE participant_id = $1', [destination])).rows as Array<{ id: string; state: string }>
  t.equal((await handoffsTo('de-hotline')).length, cases, 'every case has a handoff to de-hotline')
  t.equal((await handoffsTo('de-police')).length, cases, 'and to de-police')

  // the endpoint has a body before the gateway has committed its answer: wait for the rows
  await until('de-hotline’s handoffs are all sent', async () => (await handoffsTo('de-hotline')).every((h) => h.state === 'sent'))
  t.equal(new Set(healthy.received).size, cases, 'de-hotline received every handoff while de-police’s endpoint still hangs')
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
