// Delivery throughput, through a gateway process running as deployed (audit sequencer and delivery
// loops on), its reports sent through POST /v1/reports/batch.
//
//   node --import tsx bench/delivery.ts drain [reports=5000]     intake as fast as it goes, then the backlog drains:
//                                                                 the signing rate beside the intake rate
//   node --import tsx bench/delivery.ts backlog [reports=50000]  a backlog built while both partners are away, then both
//                                                                 start: how long until every handoff is receipted
//   node --import tsx bench/delivery.ts steady [rate=500] [seconds=60]
//                                                                 a steady intake rate with two partners running the
//                                                                 receiver kit (nl-hotline pushed to, de-hotline long-
//                                                                 polling), both verifying and posting receipts: latency
//                                                                 from intake to available and to receipt, the backlog
//                                                                 over time, and the delivery rate beside the intake rate
import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { createInterface } from 'node:readline'
import pg from 'pg'
import { startDevIssuer } from '../src/auth/dev-issuer.ts'
import { migrate, readMigrations } from '../src/db/migrate.ts'
import { readDirectoryFile } from '../src/directory/directory-file.ts'
import { createDirectoryService } from '../src/directory/directory-service.ts'
import { EXAMPLE_DIRECTORY } from '../src/dev/dev-mode.ts'
import { certificate } from '../test/helpers/tls.ts'
import { cpuMeter } from './cpu.ts'
import { freshDatabase } from './database.ts'
import { recordFigures } from './result.ts'
import { makePartner, pullPartner, pushPartner } from './delivery-partners.ts'
import type { VerifiedHandoff } from '../src/receiver/index.ts'

const [mode = 'drain', ...args] = process.argv.slice(2)
const AUDIENCE = 'urn:hotline-gateway:bench'
const BIN = new URL('../bin/hotline-gateway.js', import.meta.url).pathname
const template = JSON.parse(readFileSync(new URL('../test/fixtures/intake/report-web-form.json', import.meta.url), 'utf8'))
template.channel = 'hotline_referral'

/** Each report unique (its own case), hosted in `country`: one handoff to that country's hotline. */
function uniqueReport(country = 'NL'): Record<string, unknown> {
  const tag = randomBytes(8).toString('hex')
  const report = structuredClone(template)
  delete report.source.external_id
  report.items[0].url = `https://example.org/board/thread/${tag}`
  report.items[0].hashes = [{ alg: 'sha256', value: randomBytes(32).toString('hex') }]
  report.items[0].hosting.country = country
  report.items[0].classification.jurisdiction = country
  report.items[1].url = `https://example.net/comments/${tag}`
  return report
}

async function startGateway(env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; url: string }> {
  // BENCH_PROFILE=dir: a CPU profile of the gateway process, written when it stops
  const profile = process.env.BENCH_PROFILE ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_PROFILE] : []
  const child = spawn(process.execPath, [...profile, BIN, 'serve', '--no-migrate'], {
    env: { ...process.env, HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info', NODE_ENV: 'production', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const url = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const match = /"address":"([^"]+)"/.exec(line)
      if (match) resolve(match[1]!)
    })
    child.once('exit', (code) => reject(new Error(`gateway exited with ${code}`)))
  })
  return { child, url }
}

const clients = [
  { clientId: 'be-hotline', scopes: ['reports:write'], secret: 'bench' },
  { clientId: 'de-hotline', scopes: ['inbox:read', 'receipts:write'], secret: 'bench' },
]

async function token(issuerUrl: string, clientId: string): Promise<string> {
  const response = await fetch(`${issuerUrl}/token`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`${clientId}:bench`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', resource: AUDIENCE }),
  })
  return ((await response.json()) as { access_token: string }).access_token
}

async function scalar(pool: pg.Pool, sql: string): Promise<number> {
  return Number((await pool.query(sql)).rows[0].n)
}

const pending = (pool: pg.Pool) => scalar(pool, `SELECT count(*) AS n FROM handoffs WHERE state = 'pending'`)

async function sendBatch(url: string, authorization: string, reports: Array<Record<string, unknown>>): Promise<void> {
  const res = await fetch(`${url}/v1/reports/batch`, {
    method: 'POST',
    headers: { authorization, 'content-type': 'application/json' },
    body: JSON.stringify({ reports }),
  })
  if (res.status !== 200) throw new Error(`batch answered ${res.status}: ${await res.text()}`)
}

/**
 * The two partners' handoffs not yet receipted, counted through the partial indexes on waiting and
 * in-flight handoffs only. A count over the whole table, polled every 100 ms, kept one PostgreSQL
 * backend busy for the whole drain: the bench must not load the machine it measures.
 */
const unreceipted = (pool: pg.Pool) =>
  scalar(
    pool,
    `SELECT (SELECT count(*) FROM handoffs WHERE state = 'pending' AND participant_id IN ('nl-hotline', 'de-hotline'))
          + (SELECT count(*) FROM handoffs WHERE state IN ('ready', 'sent', 'dead_letter') AND participant_id IN ('nl-hotline', 'de-hotline')) AS n`,
  )

/** A count sampled once a second: the samples, and a wait for it to reach zero that costs no extra queries. */
function sampler(pool: pg.Pool, started: number, count: (pool: pg.Pool) => Promise<number> = pending) {
  const samples: string[] = []
  let last = Infinity
  const timer = setInterval(async () => {
    last = await count(pool)
    samples.push(`${((performance.now() - started) / 1000).toFixed(0)}s:${last}`)
  }, 1000)
  return {
    samples,
    stop: () => clearInterval(timer),
    async zero(deadline = Infinity): Promise<void> {
      while (last > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50))
    },
  }
}

/** `total` reports in batches of 100, `parallel` batches in flight, spread over the gateways; a refused batch is sent again. */
async function intakeAll(authorization: string, total: number, report: (i: number) => Record<string, unknown>, parallel = 4): Promise<void> {
  const batches = Math.ceil(total / 100)
  let next = 0
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < batches) {
        next++
        const batch = Array.from({ length: 100 }, (_, i) => report(i))
        // a refused batch (503 on an overloaded machine) is sent again after a second: the backlog is what is measured
        while (
          !(await sendBatch(nextGateway(), authorization, batch).then(
            () => true,
            () => false,
          ))
        )
          await new Promise((resolve) => setTimeout(resolve, 1000))
      }
    }),
  )
}

async function drain(authorization: string, pool: pg.Pool, total = 5000) {
  const batches = Math.ceil(total / 100)
  const started = performance.now()
  const backlog = sampler(pool, started)
  await intakeAll(authorization, total, () => uniqueReport())
  const intakeSeconds = (performance.now() - started) / 1000
  const handoffs = await scalar(pool, 'SELECT count(*) AS n FROM handoffs')
  const left = await pending(pool)
  const drainStart = performance.now()
  while ((await pending(pool)) > 0) await new Promise((resolve) => setTimeout(resolve, 50))
  const allSeconds = (performance.now() - started) / 1000
  backlog.stop()
  const intakeRate = handoffs / intakeSeconds
  const signRate = handoffs / allSeconds
  console.log(`pending over time: ${backlog.samples.join(' ')}`)
  console.log(`intake: ${batches * 100} reports, ${handoffs} handoffs in ${intakeSeconds.toFixed(1)} s = ${intakeRate.toFixed(0)} handoffs/s`)
  console.log(`backlog when intake ended: ${left}, drained in ${((performance.now() - drainStart) / 1000).toFixed(1)} s`)
  console.log(
    `signed: ${handoffs} in ${allSeconds.toFixed(1)} s = ${signRate.toFixed(0)} handoffs/s; ratio to intake ${(signRate / intakeRate).toFixed(2)}`,
  )
  recordFigures([
    {
      figure: 'handoffs signed (intake, then drain)',
      value: signRate,
      baseline: 'intake of the same handoffs',
      baselineValue: intakeRate,
      unit: '/s',
    },
  ])
}

const LATENCY = `
  SELECT count(*) AS n,
         percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM h.signed_at - r.received_at)) * 1000 AS available_p50,
         percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM h.signed_at - r.received_at)) * 1000 AS available_p99,
         percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM h.received_at - r.received_at)) * 1000 AS receipt_p50,
         percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM h.received_at - r.received_at)) * 1000 AS receipt_p99,
         extract(epoch FROM max(h.received_at) - min(r.received_at)) AS span
    FROM handoffs h JOIN reports r ON r.id = h.report_id
   WHERE h.participant_id = $1 AND h.state = 'received'`

async function steady(authorization: string, pool: pg.Pool, rate = 500, seconds = 60) {
  const perTick = Math.max(1, Math.round(rate / 10)) // a batch every 100 ms, half to each partner's country
  const meter = cpuMeter(gateways.map((g) => g.child))
  const started = performance.now()
  const backlog = sampler(pool, started)
  const sends: Array<Promise<void>> = []
  // a refused batch (a 503 on an overloaded machine) is counted, not fatal: the run goes on at the rate set
  const refused: string[] = []
  for (let tick = 0; tick < seconds * 10; tick++) {
    const due = started + tick * 100
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, due - performance.now())))
    sends.push(
      sendBatch(
        nextGateway(),
        authorization,
        Array.from({ length: perTick }, (_, i) => uniqueReport(i % 2 === 0 ? 'NL' : 'DE')),
      ).catch((error: Error) => void refused.push(error.message.slice(0, 40))),
    )
  }
  await Promise.all(sends)
  const intakeSeconds = (performance.now() - started) / 1000
  const sent = perTick * (seconds * 10 - refused.length)
  if (refused.length > 0) console.log(`${refused.length} batches of ${perTick} refused: ${[...new Set(refused)].join('; ')}`)
  backlog.stop()
  const waiting = sampler(pool, started, unreceipted)
  await waiting.zero(Date.now() + 120_000)
  waiting.stop()
  console.log(
    `target ${rate} reports/s for ${seconds} s: sent ${sent} in ${intakeSeconds.toFixed(1)} s = ${(sent / intakeSeconds).toFixed(0)} reports/s`,
  )
  console.log(`pending over time: ${backlog.samples.join(' ')}`)
  for (const partner of ['nl-hotline', 'de-hotline']) {
    const { rows } = await pool.query(LATENCY, [partner])
    const r = rows[0]
    const ms = (v: number) => `${Math.round(v)} ms`
    console.log(
      `${partner} (${partner === 'nl-hotline' ? 'push' : 'long-poll pull'}): ${r.n} receipted; intake→available p50 ${ms(r.available_p50)} p99 ${ms(r.available_p99)}; ` +
        `intake→receipt p50 ${ms(r.receipt_p50)} p99 ${ms(r.receipt_p99)}; delivered ${(r.n / r.span).toFixed(0)}/s over ${Number(r.span).toFixed(1)} s`,
    )
  }
  const { rows } = await pool.query(
    `SELECT count(*) FILTER (WHERE state = 'received') AS got, count(*) AS all FROM handoffs WHERE participant_id IN ('nl-hotline', 'de-hotline')`,
  )
  console.log(`delivery ratio: ${rows[0].got} receipted of ${rows[0].all} handoffs to the two partners (${(rows[0].got / rows[0].all).toFixed(3)})`)
  printCpu(meter(Number(rows[0].got)), 'report, from intake to receipt')
}

/** CPU per unit of work, by who spent it: the partners, the IdP and the load generator all run in this process. */
function printCpu(cpu: ReturnType<ReturnType<typeof cpuMeter>>, unit: string) {
  console.log(`CPU µs per ${unit}: gateway ${cpu.server}, PostgreSQL ${cpu.postgres}, bench process (load, both partners, IdP) ${cpu.client}`)
}

/**
 * A backlog of `total` handoffs (half to each partner) built while neither partner takes anything, then
 * both start: how long until every one is receipted, beside how long intake took. The progress comes
 * from the partners' own counts; the database is asked only once they have had everything, until it
 * has taken every receipt (a count over the waiting handoffs, polled through the drain, cost
 * PostgreSQL ~150 µs of CPU per handoff: the bench must not load the machine it measures).
 */
async function backlog(authorization: string, pool: pg.Pool, start: (onHandoff: (handoff: VerifiedHandoff) => void) => Promise<void>, total = 50000) {
  const started = performance.now()
  await intakeAll(authorization, total, (i) => uniqueReport(i % 2 === 0 ? 'NL' : 'DE'))
  const intakeSeconds = (performance.now() - started) / 1000
  const waiting = await unreceipted(pool)
  const drainStart = performance.now()
  const meter = cpuMeter(gateways.map((g) => g.child))
  // distinct handoffs: a pull partner whose receipts were refused (a 503) fetches the same page again
  const handed = new Set<string>()
  const samples: string[] = []
  const timer = setInterval(() => samples.push(`${((performance.now() - drainStart) / 1000).toFixed(0)}s:${waiting - handed.size}`), 1000)
  await start((handoff) => void handed.add(handoff.item.id))
  while (handed.size < waiting) await new Promise((resolve) => setTimeout(resolve, 50))
  clearInterval(timer)
  while ((await unreceipted(pool)) > 0) await new Promise((resolve) => setTimeout(resolve, 100))
  const drainSeconds = (performance.now() - drainStart) / 1000
  const cpu = meter(waiting)
  console.log(
    `intake: ${total} reports in ${intakeSeconds.toFixed(1)} s = ${(total / intakeSeconds).toFixed(0)}/s; ${waiting} handoffs waiting for the partners`,
  )
  console.log(`not yet handed to a partner over the drain: ${samples.join(' ')}`)
  console.log(
    `backlog of ${waiting} pushed/pulled, verified and receipted in ${drainSeconds.toFixed(1)} s = ${(waiting / drainSeconds).toFixed(0)} receipts/s`,
  )
  printCpu(cpu, 'handoff of the backlog, delivered and receipted')
  recordFigures([
    {
      figure: 'backlog receipted',
      value: waiting / drainSeconds,
      baseline: 'intake of the same reports',
      baselineValue: total / intakeSeconds,
      unit: '/s',
    },
  ])
}

const url = await freshDatabase('bench_delivery')
const pool = new pg.Pool({ connectionString: url, max: 2 })
await migrate(pool, await readMigrations())
const issuer = await startDevIssuer({ audience: AUDIENCE, accessTokenTtlSeconds: 3600, clients })
const tls = await certificate()
const directory = await readDirectoryFile(EXAMPLE_DIRECTORY)
const [pushed, pulled] = [await makePartner('nl-hotline'), await makePartner('de-hotline')]
let push: { url: string; close(): void } | undefined
let pull: { stop(): Promise<void> } | undefined
const env = {
  DATABASE_URL: url,
  OIDC_ISSUER: issuer.issuer,
  OIDC_AUDIENCE: AUDIENCE,
  ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
  RATE_LIMIT_PARTICIPANT: '100000000',
  NODE_EXTRA_CA_CERTS: tls.file,
}
if (mode === 'steady' || mode === 'backlog') {
  // everyone else pulls (nobody polls), so that only the two partners' deliveries are measured
  for (const p of directory.participants) p.delivery = { mode: 'pull' }
  for (const partner of [pushed, pulled])
    directory.participants.find((p) => p.id === partner.id)!.keys = { jwks: { keys: [partner.publicJwk as Record<string, string>] } }
}
// BENCH_PUSH_CONCURRENCY=n: the push partner's delivery.concurrency (pushes in flight per gateway process)
const pushDelivery = (endpoint: string) => ({
  mode: 'push' as const,
  endpoint,
  ...(process.env.BENCH_PUSH_CONCURRENCY ? { concurrency: Number(process.env.BENCH_PUSH_CONCURRENCY) } : {}),
})
// BENCH_PROCESSES=N: N gateway processes on the one database, the intake batches spread over them in turn
const gateways = await Promise.all(Array.from({ length: Number(process.env.BENCH_PROCESSES ?? 1) }, () => startGateway(env)))
const gateway = gateways[0]!
let turn = 0
const nextGateway = () => gateways[turn++ % gateways.length]!.url
console.log(`${gateways.length} gateway process(es)`)
process.on('exit', () => gateways.forEach((g) => g.child.kill('SIGKILL'))) // never leave a gateway behind, however the bench ends
process.on('SIGTERM', () => process.exit(143))
try {
  if (mode === 'backlog') {
    // both partners pull while the backlog builds, and nobody polls: it waits, signed, in their inboxes
    await createDirectoryService({ pool }).publish(directory, { actor: 'bench' })
    await new Promise((resolve) => setTimeout(resolve, 1_200)) // DIRECTORY_CACHE_MS: every process sees it
    const pullToken = await token(issuer.issuer, 'de-hotline')
    await backlog(
      `Bearer ${await token(issuer.issuer, 'be-hotline')}`,
      pool,
      async (onHandoff) => {
        push = await pushPartner(pushed, gateway.url, tls, onHandoff)
        directory.participants.find((p) => p.id === 'nl-hotline')!.delivery = pushDelivery(push.url)
        await createDirectoryService({ pool }).publish(directory, { actor: 'bench' })
        pull = pullPartner(pulled, gateway.url, async () => pullToken, onHandoff)
      },
      ...args.map(Number),
    )
  } else if (mode === 'steady') {
    push = await pushPartner(pushed, gateway.url, tls)
    directory.participants.find((p) => p.id === 'nl-hotline')!.delivery = pushDelivery(push.url)
    await createDirectoryService({ pool }).publish(directory, { actor: 'bench' })
    await new Promise((resolve) => setTimeout(resolve, 1_200)) // DIRECTORY_CACHE_MS: every process sees it
    const pullToken = await token(issuer.issuer, 'de-hotline')
    pull = pullPartner(pulled, gateway.url, async () => pullToken)
    await steady(`Bearer ${await token(issuer.issuer, 'be-hotline')}`, pool, ...args.map(Number))
  } else {
    await createDirectoryService({ pool }).publish(directory, { actor: 'bench' })
    await new Promise((resolve) => setTimeout(resolve, 1_200)) // DIRECTORY_CACHE_MS: every process sees it
    await drain(`Bearer ${await token(issuer.issuer, 'be-hotline')}`, pool, ...args.map(Number))
  }
} finally {
  await pull?.stop()
  push?.close()
  for (const g of gateways) g.child.kill('SIGTERM')
  await issuer.close()
  await pool.end()
}
