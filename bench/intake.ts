// Intake throughput: autocannon against POST /v1/reports with realistic ~2 KB reports (each unique,
// so every one opens a case), beside a bare baseline measured in the same run. Prints both rates and
// the ratio. Usage: node --import tsx bench/intake.ts [seconds=10] [connections=50] [rounds=2]
import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import { createInterface } from 'node:readline'
import autocannon from 'autocannon'
import { freshDatabase } from './database.ts'
import { startDevIssuer } from '../src/auth/dev-issuer.ts'

const [seconds = 10, connections = 50, rounds = 2] = process.argv.slice(2).map(Number)
const template = JSON.parse(readFileSync(new URL('../test/fixtures/intake/report-web-form.json', import.meta.url), 'utf8'))
template.channel = 'hotline_referral'

const AUDIENCE = 'urn:hotline-gateway:bench'

/** The IdP runs here, outside the servers measured, as a real deployment's IdP would. */
async function startIssuer() {
  const issuer = await startDevIssuer({
    audience: AUDIENCE,
    accessTokenTtlSeconds: 3600,
    clients: [{ clientId: 'be-hotline', scopes: ['reports:write'], secret: 'bench' }],
  })
  const response = await fetch(`${issuer.issuer}/token`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from('be-hotline:bench').toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', resource: AUDIENCE }),
  })
  const { access_token: token } = (await response.json()) as { access_token: string }
  return { issuer, token }
}

async function start(mode: string, url: string, issuer = ''): Promise<{ child: ChildProcess; info: { url: string; token?: string } }> {
  const child = spawn(
    process.execPath,
    [
      ...(mode === 'gateway' && process.env.BENCH_PROFILE ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_PROFILE] : []),
      // BENCH_NODE_FLAGS: V8/Node flags for both servers, to try runtime tuning (e.g. --max-semi-space-size=64)
      ...(process.env.BENCH_NODE_FLAGS ? process.env.BENCH_NODE_FLAGS.split(' ') : []),
      '--import',
      'tsx',
      new URL('./intake-server.ts', import.meta.url).pathname,
      mode,
      url,
      issuer,
      AUDIENCE,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  )
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve)
    child.once('exit', (code) => reject(new Error(`${mode} server exited with ${code}`)))
  })
  return { child, info: JSON.parse(line) }
}

function uniqueReport(): string {
  const tag = randomBytes(8).toString('hex')
  const report = structuredClone(template)
  report.source.external_id = `BENCH-${tag}`
  report.items[0].url = `https://example.org/board/thread/${tag}`
  report.items[0].hashes = [
    { alg: 'sha256', value: randomBytes(32).toString('hex') },
    { alg: 'md5', value: randomBytes(16).toString('hex') },
  ]
  report.items[1].url = `https://example.net/comments/${tag}`
  return JSON.stringify(report)
}

/** CPU seconds used so far by a process (utime + stime from /proc, Linux only; 0 elsewhere). */
function cpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
    return (Number(fields[11]) + Number(fields[12])) / 100
  } catch {
    return 0
  }
}

/** CPU seconds of every PostgreSQL process now running, by pid. */
function postgresCpu(): Map<number, number> {
  const cpu = new Map<number, number>()
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    try {
      if (readFileSync(`/proc/${name}/comm`, 'utf8').trim() === 'postgres') cpu.set(Number(name), cpuSeconds(Number(name)))
    } catch {
      // the process ended while we looked
    }
  }
  return cpu
}

/**
 * Where the CPU went during a load: the server process, PostgreSQL (all its processes) and the load
 * generator (this process), in µs per request. On a shared machine the rates move with other load;
 * CPU time per request moves much less, so it shows what a change saved even when rates are noisy.
 */
function cpuMeter(server: ChildProcess) {
  const client = () => {
    const usage = process.cpuUsage()
    return (usage.user + usage.system) / 1e6
  }
  const before = { server: cpuSeconds(server.pid!), postgres: postgresCpu(), client: client() }
  return (requests: number) => {
    const postgresAfter = postgresCpu()
    let postgres = 0
    for (const [pid, seconds] of postgresAfter) postgres += seconds - (before.postgres.get(pid) ?? 0)
    const per = (seconds: number) => Math.round((seconds * 1e6) / requests)
    return { server: per(cpuSeconds(server.pid!) - before.server), postgres: per(postgres), client: per(client() - before.client) }
  }
}

async function load(server: { child: ChildProcess; info: { url: string; token?: string } }) {
  const { url, token } = server.info
  const meter = cpuMeter(server.child)
  const result = await autocannon({
    url: `${url}/v1/reports`,
    method: 'POST',
    connections,
    duration: seconds,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    requests: [{ setupRequest: (request) => ({ ...request, body: uniqueReport() }) }],
  })
  const cpu = meter(result.requests.total)
  return { rps: result.requests.average, p99: result.latency.p99, non2xx: result.non2xx, errors: result.errors, cpu }
}

const baselineDb = await freshDatabase('bench_intake_baseline')
const gatewayDb = await freshDatabase('bench_intake_gateway')
const baseline = await start('baseline', baselineDb)
const { issuer, token } = await startIssuer()
const started = await start('gateway', gatewayDb, issuer.issuer)
const gateway = { ...started, info: { ...started.info, token } }
console.error(`report size ~${uniqueReport().length} bytes; ${rounds} rounds of ${seconds}s, ${connections} connections`)
const rates = { baseline: [] as number[], gateway: [] as number[] }
try {
  await load(baseline) // warm-up, not counted
  await load(gateway)
  for (let round = 1; round <= rounds; round++) {
    const b = await load(baseline)
    const g = await load(gateway)
    if (g.non2xx > 0 || g.errors > 0 || b.non2xx > 0)
      throw new Error(`failures: gateway non2xx=${g.non2xx} errors=${g.errors}, baseline non2xx=${b.non2xx}`)
    rates.baseline.push(b.rps)
    rates.gateway.push(g.rps)
    console.log(
      `round ${round}: baseline ${b.rps.toFixed(0)} req/s (p99 ${b.p99} ms), gateway ${g.rps.toFixed(0)} req/s (p99 ${g.p99} ms), ratio ${(g.rps / b.rps).toFixed(2)}`,
    )
    const cpu = (c: typeof b.cpu) => `server ${c.server}, postgres ${c.postgres}, load generator ${c.client}`
    console.log(`  CPU µs per request: baseline ${cpu(b.cpu)}; gateway ${cpu(g.cpu)}`)
  }
} finally {
  baseline.child.kill('SIGINT')
  gateway.child.kill('SIGINT')
  await issuer.close()
}
// each round pairs a baseline and a gateway run made back to back, so the ratio of sums compares like with like
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0)
const ratio = sum(rates.gateway) / sum(rates.baseline)
console.log(
  `intake: gateway ${(sum(rates.gateway) / rounds).toFixed(0)} req/s vs baseline ${(sum(rates.baseline) / rounds).toFixed(0)} req/s (means): ratio ${ratio.toFixed(2)} (target >= 0.5)`,
)
process.exitCode = ratio >= 0.5 ? 0 : 1
