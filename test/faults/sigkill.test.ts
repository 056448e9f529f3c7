// Fault suite: a gateway process SIGKILLed while reports stream in and handoffs are being signed.
// The client keeps a ledger of every 202; after restarts, every acknowledged report must exist,
// every handoff must be signed exactly once, and the audit log must verify in full.
import type pg from 'pg'
import t, { type Test } from 'tap'
import { waitForSequenced } from '../../src/audit/wait.ts'
import { gatewayEnv } from '../helpers/gateway-env.ts'
import { runCli, startGateway, type RunningGateway } from '../helpers/process.ts'
import { directoryWithKey, signingKey } from '../handoffs/helpers.ts'
import { fixtureJson } from '../intake/helpers.ts'

const LANES = 4
const KILLS = 2
/** Reports acknowledged in each life of the gateway before it is killed. */
const PER_LIFE = 25
const DEADLINE_MS = 30_000

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** A distinct report each time: exampletube reports imminent danger, routed to several destinations. */
function report(n: number) {
  const r = fixtureJson('report-imminent-danger.json')
  delete r.source.external_id
  r.items[0]!.url = `https://example.net/live/fault/${n}`
  r.items[1]!.locator = { type: 'username', value: `@fault_${n}` }
  r.reported_accounts = [{ service: 'Example Live', screen_name: `fault_${n}` }]
  return r
}

/** Waits (bounded) until `check` holds; false if it never did. */
async function until(check: () => Promise<boolean> | boolean): Promise<boolean> {
  const deadline = Date.now() + DEADLINE_MS
  while (Date.now() < deadline) {
    if (await check()) return true
    await pause(20)
  }
  return false
}

const count = async (pool: pg.Pool, sql: string) => (await pool.query(sql)).rows[0].n as number

/** Reports posted over real sockets by a few concurrent senders, to whichever process is up. */
function intake(token: string, target: () => RunningGateway) {
  const acknowledged = new Set<string>()
  const failures = { refused: 0, other: [] as number[] }
  let sent = 0
  let running = true
  const lane = async () => {
    while (running) {
      const n = sent++
      try {
        const res = await fetch(`${target().url}/v1/reports`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify(report(n)),
        })
        const body = (await res.json()) as { id?: string }
        if (res.status === 202) acknowledged.add(body.id!)
        else failures.other.push(res.status)
      } catch {
        // killed mid-request or not up yet: no answer, so nothing was promised
        failures.refused++
        await pause(20)
      }
    }
  }
  const lanes = Array.from({ length: LANES }, lane)
  return {
    acknowledged,
    failures,
    async stop() {
      running = false
      await Promise.all(lanes)
    },
  }
}

t.test('SIGKILL during intake and signing: every 202 kept, every handoff signed once, the log verifies', async (t: Test) => {
  const { pool, idp, env } = await gatewayEnv(t, await directoryWithKey(signingKey()))
  const started: RunningGateway[] = []
  const start = async () => {
    const g = await startGateway(env)
    started.push(g)
    return g
  }
  t.teardown(() => Promise.all(started.filter((g) => g.child.exitCode === null && g.child.signalCode === null).map((g) => g.stop('SIGKILL'))))

  let current = await start()
  const ledger = intake(await idp.tokenFor('exampletube'), () => current)
  for (let life = 0; life < KILLS; life++) {
    const target = ledger.acknowledged.size + PER_LIFE
    const signedBefore = await count(pool, `SELECT count(*)::int AS n FROM handoffs WHERE state <> 'pending'`)
    const busy = await until(
      async () =>
        ledger.acknowledged.size >= target && (await count(pool, `SELECT count(*)::int AS n FROM handoffs WHERE state <> 'pending'`)) > signedBefore,
    )
    t.ok(busy, `life ${life + 1}: reports acknowledged and handoffs signed before the kill`)
    const killed = await current.stop('SIGKILL')
    t.equal(killed.signal, 'SIGKILL', `life ${life + 1} ended by SIGKILL`)
    current = await start()
  }
  t.ok(await until(() => ledger.acknowledged.size >= (KILLS + 1) * PER_LIFE), 'the restarted gateway takes reports again')
  await ledger.stop()
  t.same(ledger.failures.other, [], 'every answer was a 202 (a killed request gets no answer at all)')
  t.comment(`${ledger.acknowledged.size} reports acknowledged, ${ledger.failures.refused} requests unanswered across ${KILLS} kills`)

  const token = await idp.tokenFor('exampletube')
  const missing: string[] = []
  for (const id of ledger.acknowledged) {
    const res = await fetch(`${current.url}/v1/reports/${id}`, { headers: { authorization: `Bearer ${token}` } })
    if (res.status !== 200) missing.push(`${id}: ${res.status}`)
  }
  t.same(missing, [], `all ${ledger.acknowledged.size} acknowledged reports exist`)

  t.ok(await until(async () => (await count(pool, `SELECT count(*)::int AS n FROM handoffs WHERE state = 'pending'`)) === 0), 'every handoff signed')
  const { rows } = await pool.query(`
    SELECT h.state, (SELECT count(*)::int FROM handoff_audit a JOIN audit_entries e ON e.id = a.audit_entry_id
                      WHERE a.handoff_id = h.id AND convert_from(e.entry, 'UTF8')::jsonb->>'type' = 'handoff.signed') AS signed
      FROM handoffs h`)
  t.ok(rows.length >= ledger.acknowledged.size, `${rows.length} handoffs`)
  t.same(new Set(rows.map((r) => `${r.state}/${r.signed}`)), new Set(['ready/1']), 'each handoff signed exactly once')

  await waitForSequenced(pool, undefined, { timeoutMs: DEADLINE_MS })
  const key = (await (await fetch(`${current.url}/v1/audit/key`)).json()).keys[0].verifier_key
  const verified = await runCli(['audit', 'verify', '--url', current.url, '--key', key, '--full'], {
    HOTLINE_GATEWAY_TOKEN: await idp.tokenFor('example-auditor'),
  })
  t.equal(verified.code, 0, verified.stderr)
  t.match(verified.stdout, /OK: the audit log .* verifies/)
})
