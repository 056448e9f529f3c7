// Fault suite: two gateway processes push to a partner running the receiver kit on a real port, and
// one of them is SIGKILLed with pushes in flight. The partner holds the doomed process's pushes until
// the kill, so they are cut off unanswered; the survivor must send those handoffs again once their
// leases run out, under the same id with the same bytes, and every handoff must end receipted, signed once.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { createServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import type pg from 'pg'
import t from 'tap'
import { createReceiver, generatePartnerKey, partnerKey, pushHandler, staticJwks } from '../../src/receiver/index.ts'
import { gatewayEnv } from '../helpers/gateway-env.ts'
import { startGateway, type RunningGateway } from '../helpers/process.ts'
import { certificate } from '../helpers/tls.ts'
import { DESTINATION, directoryWithKey, signingKey, urgentCase } from '../handoffs/helpers.ts'

const DEADLINE_MS = 90_000
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

async function until(what: string, check: () => Promise<boolean> | boolean): Promise<void> {
  const deadline = Date.now() + DEADLINE_MS
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting: ${what}`)
    await pause(50)
  }
}

const count = async (pool: pg.Pool, sql: string) => (await pool.query(sql)).rows[0].n as number

/** The local ports of process `pid`'s TCP connections to 127.0.0.1:`port` (Linux /proc): which process a request came from. */
function portsOf(pid: number, port: number): Set<number> {
  const inodes = new Set<string>()
  let fds: string[] = []
  try {
    fds = readdirSync(`/proc/${pid}/fd`)
  } catch {
    return new Set() // not started yet, or gone
  }
  for (const fd of fds) {
    try {
      const socket = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))
      if (socket) inodes.add(socket[1]!)
    } catch {
      // closed meanwhile
    }
  }
  const ports = new Set<number>()
  for (const line of readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)) {
    const [, local, remote, , , , , , , inode] = line.trim().split(/\s+/)
    if (inode && inodes.has(inode) && parseInt(remote!.split(':')[1]!, 16) === port) ports.add(parseInt(local!.split(':')[1]!, 16))
  }
  return ports
}

t.test(
  'two gateway processes, one SIGKILLed mid-push: every handoff delivered and receipted, none signed twice, re-sends the same bytes',
  async (t) => {
    const tls = await certificate()
    const { privateJwk, publicJwk } = await generatePartnerKey(DESTINATION)

    // The partner: the receiver kit's push handler on a real HTTPS port; every body it is sent is recorded,
    // and what the doomed process pushes is held (in the partner's handler) until that process is killed.
    const pushes: Array<{ body: Record<string, unknown>; abandoned: boolean }> = []
    const handled: string[] = []
    const heldIds = new Set<string>()
    let doomedPid = 0
    let openGate: () => void = () => undefined
    const gate = new Promise<void>((resolve) => (openGate = resolve))
    let handler: ((req: IncomingMessage, res: ServerResponse) => void) | undefined
    const server = createServer(tls, (req, res) => {
      const chunks: Buffer[] = []
      const push = { body: {} as Record<string, unknown>, abandoned: false }
      const fromDoomed = portsOf(doomedPid, port).has(req.socket.remotePort!)
      req.on('data', (chunk: Buffer) => chunks.push(chunk))
      req.on('end', () => {
        push.body = JSON.parse(Buffer.concat(chunks).toString('utf8'))
        pushes.push(push)
        if (fromDoomed) heldIds.add(push.body.id as string) // before the kit's handler runs: this listener came first
      })
      res.on('close', () => (push.abandoned = !res.writableFinished)) // the gateway went away before the answer
      handler!(req, res)
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    t.teardown(() => new Promise((resolve) => server.close(resolve)))
    const port = (server.address() as AddressInfo).port

    const directory = await directoryWithKey(signingKey(), {
      keys: { jwks: { keys: [publicJwk as Record<string, string>] } },
      delivery: { mode: 'push', endpoint: `https://127.0.0.1:${port}/inbox` },
    })
    const { pool, idp, env } = await gatewayEnv(t, directory)
    const started: RunningGateway[] = []
    t.teardown(() => Promise.all(started.filter((g) => g.child.exitCode === null && g.child.signalCode === null).map((g) => g.stop('SIGKILL'))))
    const start = async () => started[started.push(await startGateway({ ...env, NODE_EXTRA_CA_CERTS: tls.file, DELIVERY_LEASE_MS: '2000' })) - 1]!
    const [doomed, survivor] = [await start(), await start()]
    doomedPid = doomed.child.pid!

    const jwks = (await (await fetch(`${survivor.url}/.well-known/jwks.json`)).json()) as { keys: [] }
    const receiver = createReceiver({
      gateway: survivor.url,
      key: await partnerKey(privateJwk),
      keys: staticJwks(jwks.keys),
      onHandoff: async (handoff) => {
        if (heldIds.has(handoff.item.id)) await gate // the doomed process's push: in flight when the kill comes
        handled.push(handoff.item.id)
      },
    })
    handler = pushHandler(receiver)

    const token = await idp.tokenFor('exampletube')
    let cases = 0
    const submit = async (gateway: RunningGateway) => {
      const res = await fetch(`${gateway.url}/v1/reports`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(urgentCase(`kill_${cases++}`)),
      })
      if (res.status !== 202) throw new Error(`report answered ${res.status}`)
    }
    // both processes sign and push; reports go to both until the doomed one has pushes in flight
    await until('the doomed process has pushes in flight', async () => {
      await Promise.all([submit(doomed), submit(survivor)])
      await pause(200)
      return heldIds.size > 0
    })
    const killed = await doomed.stop('SIGKILL')
    t.equal(killed.signal, 'SIGKILL', 'the doomed process was SIGKILLed')
    await until('the killed process’s connections are closed', () => pushes.some((p) => p.abandoned))
    openGate()
    for (let i = 0; i < 4; i++) await submit(survivor)

    const total = await count(pool, `SELECT count(*)::int AS n FROM handoffs WHERE participant_id = '${DESTINATION}'`)
    t.equal(total, cases, 'a handoff to the partner for each case')
    await until(
      'every handoff to the partner is receipted',
      async () =>
        (await count(pool, `SELECT count(*)::int AS n FROM handoffs WHERE participant_id = '${DESTINATION}' AND state = 'received'`)) === total,
    )

    const byId = new Map<string, Array<Record<string, unknown>>>()
    for (const { body } of pushes) byId.set(body.id as string, [...(byId.get(body.id as string) ?? []), body])
    t.equal(byId.size, total, 'the partner was pushed every handoff')
    const abandoned = new Set(pushes.filter((p) => p.abandoned).map((p) => p.body.id as string))
    t.ok(abandoned.size > 0, `${abandoned.size} pushes were cut off by the kill`)
    t.ok(
      [...abandoned].every((id) => byId.get(id)!.length >= 2),
      'each handoff whose push was cut off was sent again',
    )
    const differing = [...byId].filter(([, bodies]) => bodies.some((b) => JSON.stringify(b) !== JSON.stringify(bodies[0])))
    t.same(differing, [], 'every re-send carries the same id and the same bytes')
    t.equal(handled.length, total, 'the partner handled each handoff once')
    t.equal(new Set(handled).size, total)

    const { rows } = await pool.query(`
    SELECT h.participant_id, h.state,
           count(*) FILTER (WHERE convert_from(e.entry, 'UTF8')::jsonb->>'type' = 'handoff.signed')::int AS signed,
           count(*) FILTER (WHERE convert_from(e.entry, 'UTF8')::jsonb->>'type' = 'handoff.sent')::int AS sent,
           count(*) FILTER (WHERE convert_from(e.entry, 'UTF8')::jsonb->>'type' = 'handoff.receipt_received')::int AS receipted
      FROM handoffs h JOIN handoff_audit a ON a.handoff_id = h.id JOIN audit_entries e ON e.id = a.audit_entry_id
     GROUP BY h.id`)
    t.same(new Set(rows.map((r) => r.signed)), new Set([1]), `each of the ${rows.length} handoffs (every destination) signed exactly once`)
    const toPartner = rows.filter((r) => r.participant_id === DESTINATION)
    t.same(new Set(toPartner.map((r) => `${r.state}/${r.sent}/${r.receipted}`)), new Set(['received/1/1']), 'each sent once and receipted once')

    const stopped = await survivor.stop('SIGTERM')
    t.equal(stopped.code, 0, 'the survivor stops cleanly')
  },
)
