// Audit log benchmarks, each beside a baseline measured in the same run:
//  1. sustained appends/s through the real path (commitChange, as the app writes entries) with the
//     sequencer running, against the same writers with no sequencer;
//  2. proof generation at 1e3 and 1e6 entries (stored hashes seeded in bulk), against a one-row
//     indexed read; the 1e6/1e3 ratio should stay near 1 (proofs cost O(log n) hashes, one query);
//  3. the CLI's `audit verify --full` rate, against downloading the same pages without verifying.
// Usage: node --import tsx bench/audit.ts [seconds=5] [writers=16] [rounds=3]
import { performance } from 'node:perf_hooks'
import pg from 'pg'
import { pino } from 'pino'
import tap from 'tap'
import { createAuditService } from '../src/audit/audit-service.ts'
import { STRIP } from '../src/audit/hash-store.ts'
import { startSequencer } from '../src/audit/sequencer.ts'
import { appendLeaves, recordHash, storedHashCount, treeHash, type Hash, type HashReader } from '../src/tlog/tlog.ts'
import { waitForSequenced } from '../src/audit/wait.ts'
import { createSealer } from '../src/crypto/sealer.ts'
import { migrate, readMigrations } from '../src/db/migrate.ts'
import { commitChange } from '../src/state/commit.ts'
import { buildTestApp } from '../test/helpers/app.ts'
import { createTestDatabase } from '../test/helpers/database.ts'
import { runCli } from '../test/helpers/process.ts'
import { recordFigures, type Figure } from './result.ts'

const [seconds = 5, writers = 16, rounds = 3, large = 1_000_000] = process.argv.slice(2).map(Number)
// The test helpers borrowed here load tap, whose root test would end this process after 30 s.
tap.setTimeout(0)
const figures: Figure[] = []
const teardowns: Array<() => unknown> = []
const quiet = pino({ level: 'warn' })

/** A fresh, migrated database, dropped at the end. */
async function database(): Promise<pg.Pool> {
  const pool = new pg.Pool({ connectionString: await createTestDatabase({ teardown: (fn) => teardowns.push(fn) }), max: 4 })
  teardowns.push(() => pool.end())
  await migrate(pool, await readMigrations())
  return pool
}

const rate = (n: number, ms: number) => `${Math.round((n * 1000) / ms).toLocaleString('en')}/s`
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

// ---- 1. appends --------------------------------------------------------------------------------

/** `writers` loops, each committing one audit event per transaction, for `seconds`. */
async function appendFor(pool: pg.Pool): Promise<{ appended: number; ms: number }> {
  let appended = 0
  const until = performance.now() + seconds * 1000
  const started = performance.now()
  await Promise.all(
    Array.from({ length: writers }, async (_, w) => {
      while (performance.now() < until) {
        await commitChange(pool, async () => ({
          result: undefined,
          audit: [{ type: 'bench.event', at: new Date().toISOString(), writer: w, n: appended }],
        }))
        appended++
      }
    }),
  )
  return { appended, ms: performance.now() - started }
}

async function appendBench() {
  const ctx = await buildTestApp({ teardown: (fn) => teardowns.push(fn) })
  const pool = new pg.Pool({ connectionString: ctx.databaseUrl, max: writers + 2 })
  teardowns.push(() => pool.end())
  const sealer = createSealer(Buffer.from(ctx.config.encryptionKey!, 'base64'))
  const size = async () => (await pool.query('SELECT tree_size FROM audit_log_state')).rows[0].tree_size as number
  const drain = () => waitForSequenced(pool, undefined, { timeoutMs: 120_000 })

  // Rounds alternate baseline and sequencer, so that the noise of a shared machine hits both.
  const baseline: number[] = []
  const written: number[] = []
  const sequenced: number[] = []
  let lag = 0
  for (let round = 0; round < rounds; round++) {
    const b = await appendFor(pool)
    baseline.push((b.appended * 1000) / b.ms)
    const sequencer = await startSequencer({ pool: ctx.database.pool, sealer, logger: quiet })
    await drain() // the baseline's entries first
    const before = await size()
    const run = await appendFor(pool)
    sequenced.push((((await size()) - before) * 1000) / run.ms)
    written.push((run.appended * 1000) / run.ms)
    const drainStart = performance.now()
    await drain()
    lag = Math.max(lag, performance.now() - drainStart)
    await sequencer.stop()
  }
  const fmt = (xs: number[]) => `${Math.round(median(xs)).toLocaleString('en')}/s`
  console.log(`appends (${writers} writers, median of ${rounds} rounds of ${seconds}s):`)
  console.log(`  baseline, no sequencer:  ${fmt(baseline)} committed`)
  console.log(
    `  with the sequencer:      ${fmt(written)} committed, ${fmt(sequenced)} sequenced meanwhile; the rest at most ${lag.toFixed(0)} ms after the writers stopped`,
  )
  console.log(`  ratio: ${(median(written) / median(baseline)).toFixed(2)}`)
  figures.push({
    figure: 'audit appends, sequencer on',
    value: median(written),
    baseline: 'no sequencer',
    baselineValue: median(baseline),
    unit: '/s',
  })
  await drain()
  return ctx
}

// ---- 2. proofs ---------------------------------------------------------------------------------

/** Stored hashes of `n` entries, computed in memory (one 32-byte slot per stored-hash index) and bulk-inserted. */
async function seedTree(pool: pg.Pool, n: number): Promise<void> {
  const count = storedHashCount(n)
  const all = Buffer.alloc(count * 32)
  const reader: HashReader = { readHashes: async (indexes) => indexes.map((i) => all.subarray(i * 32, i * 32 + 32)) }
  const chunk = 100_000
  for (let start = 0; start < n; start += chunk) {
    const leaves: Hash[] = []
    for (let i = start; i < Math.min(n, start + chunk); i++)
      leaves.push(recordHash(Buffer.from(`{"at":"2026-01-01T00:00:00Z","n":${i},"type":"bench.seed"}`)))
    for (const h of await appendLeaves(start, leaves, reader)) h.hash.copy(all, h.index * 32)
  }
  // then the strips, 20,000 rows (20 MB) per statement
  const strips = Math.ceil(count / STRIP)
  for (let first = 0; first < strips; first += 20_000) {
    const ids = Array.from({ length: Math.min(20_000, strips - first) }, (_, k) => first + k)
    const bytes = ids.map((s) => all.subarray(s * STRIP * 32, Math.min(count, (s + 1) * STRIP) * 32))
    await pool.query('INSERT INTO audit_log_hashes (strip, hashes) SELECT * FROM unnest($1::bigint[], $2::bytea[])', [ids, bytes])
  }
  await pool.query('UPDATE audit_log_state SET tree_size = $1, root_hash = $2', [n, await treeHash(n, reader)])
  await pool.query('VACUUM ANALYZE audit_log_hashes')
}

async function timePerCall(calls: number, fn: (i: number) => Promise<unknown>): Promise<number> {
  const started = performance.now()
  for (let i = 0; i < calls; i++) await fn(i)
  return (performance.now() - started) / calls
}

async function proofBench() {
  const sizes = [1_000, large]
  const subjects = []
  for (const n of sizes) {
    const pool = await database()
    const seeded = performance.now()
    await seedTree(pool, n)
    console.log(`seeded ${n.toLocaleString('en')} entries' stored hashes in ${((performance.now() - seeded) / 1000).toFixed(1)} s`)
    const audit = createAuditService({ pool })
    const pick = (i: number) => Math.floor((((i * 2654435761) % 2 ** 32) / 2 ** 32) * n)
    subjects.push({
      n,
      inclusion: (i: number) => audit.inclusionProof(pick(i), n),
      consistency: (i: number) => audit.consistencyProof(Math.max(1, pick(i)), n),
      baseline: (i: number) => pool.query('SELECT hashes FROM audit_log_hashes WHERE strip = $1', [Math.floor(pick(i) / STRIP)]),
    })
  }
  // interleaved rounds of 500 random calls each; the median per-call time of each
  const kinds = ['inclusion', 'consistency', 'baseline'] as const
  const times = new Map<string, number[]>()
  for (let round = 0; round < 6; round++) {
    for (const kind of kinds) {
      for (const subject of subjects) {
        const ms = await timePerCall(500, (i) => subject[kind](i + round * 500))
        if (round > 0) times.set(`${kind} ${subject.n}`, [...(times.get(`${kind} ${subject.n}`) ?? []), ms]) // round 0 warms up
      }
    }
  }
  const us = (kind: string, n: number) => median(times.get(`${kind} ${n}`)!) * 1000
  for (const n of sizes) {
    console.log(
      `proofs at ${n.toLocaleString('en')} entries: inclusion ${us('inclusion', n).toFixed(0)} µs, consistency ${us('consistency', n).toFixed(0)} µs; baseline one-row read ${us('baseline', n).toFixed(0)} µs`,
    )
  }
  const ratio = (kind: string) => (us(kind, large) / us(kind, 1_000)).toFixed(2)
  console.log(
    `  ratio ${large.toExponential()}/1e3: inclusion ${ratio('inclusion')}, consistency ${ratio('consistency')} (baseline ${ratio('baseline')})`,
  )
  for (const kind of ['inclusion', 'consistency'] as const) {
    figures.push({
      figure: `${kind} proof at ${large.toExponential()} entries`,
      value: us(kind, large),
      baseline: 'at 1e3 entries',
      baselineValue: us(kind, 1_000),
      unit: 'µs',
      lowerIsBetter: true,
    })
  }
}

// ---- 3. the auditor's full verification ---------------------------------------------------------

async function verifyBench(ctx: Awaited<ReturnType<typeof buildTestApp>>) {
  await ctx.app.listen({ host: '127.0.0.1', port: 0 })
  const url = `http://127.0.0.1:${(ctx.app.server.address() as { port: number }).port}`
  const token = (await ctx.auth('example-auditor')).authorization.slice(7)
  const key = (await (await fetch(`${url}/v1/audit/key`)).json()).keys[0].verifier_key
  const size = (await ctx.database.pool.query('SELECT tree_size FROM audit_log_state')).rows[0].tree_size as number
  const timed = async (args: string[]) => {
    const started = performance.now()
    const run = await runCli(['audit', 'verify', '--url', url, '--key', key, ...args], { HOTLINE_GATEWAY_TOKEN: token })
    if (run.code !== 0) throw new Error(`audit verify failed: ${run.stderr}`)
    return performance.now() - started
  }
  const plain = await timed([]) // process start-up, checkpoint and signature: subtracted below
  const full = await timed(['--full'])
  // baseline: the same pages, four in flight, downloaded and parsed but not verified
  const started = performance.now()
  for (let start = 0; start < size; start += 4000) {
    await Promise.all(
      [0, 1, 2, 3].map(async (k) => {
        const from = start + k * 1000
        if (from >= size) return
        const res = await fetch(`${url}/v1/audit/entries?start=${from}&end=${Math.min(from + 1000, size)}`, {
          headers: { authorization: `Bearer ${token}` },
        })
        await res.json()
      }),
    )
  }
  const download = performance.now() - started
  figures.push({
    figure: 'audit verify --full',
    value: (size * 1000) / (full - plain),
    baseline: 'download only',
    baselineValue: (size * 1000) / download,
    unit: 'entries/s',
  })
  console.log(
    `audit verify --full over ${size.toLocaleString('en')} entries: ${rate(size, full - plain)} (${((full - plain) / 1000).toFixed(1)} s beyond a plain verify); baseline download only ${rate(size, download)}`,
  )
}

try {
  const ctx = await appendBench()
  await verifyBench(ctx)
  await proofBench()
  recordFigures(figures)
} finally {
  for (const fn of teardowns.reverse()) await fn()
}
