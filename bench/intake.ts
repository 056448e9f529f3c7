// Intake throughput: autocannon against POST /v1/reports with realistic ~2 KB reports (each unique,
// so every one opens a case), beside a bare baseline measured in the same run. Prints both rates and
// the ratio. Usage: node --import tsx bench/intake.ts [seconds=10] [connections=50] [rounds=2]
// BENCH_PROCESSES=N runs N gateway processes (and N baseline processes) on the one database, the
// connections spread evenly over them: what scaling out on one PostgreSQL buys.
import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { createInterface } from 'node:readline'
import autocannon from 'autocannon'
import { cpuMeter } from './cpu.ts'
import { freshDatabase } from './database.ts'
import { recordFigures } from './result.ts'
import { startDevIssuer } from '../src/auth/dev-issuer.ts'

const [seconds = 10, connections = 50, rounds = 2] = process.argv.slice(2).map(Number)
const processes = Number(process.env.BENCH_PROCESSES ?? 1)
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

interface Server {
  child: ChildProcess
  info: { url: string; token?: string }
}

/** `processes` servers of one mode on one database, started one after the other (each migrates first). */
async function startAll(mode: string, url: string, issuer = ''): Promise<Server[]> {
  const servers: Server[] = []
  for (let i = 0; i < processes; i++) servers.push(await start(mode, url, issuer))
  return servers
}

async function start(mode: string, url: string, issuer = ''): Promise<Server> {
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

/** One load of `seconds` on every server at once, the connections spread over them. */
async function load(servers: Server[]) {
  const meter = cpuMeter(servers.map((s) => s.child))
  const results = await Promise.all(
    servers.map(({ info: { url, token } }) =>
      autocannon({
        url: `${url}/v1/reports`,
        method: 'POST',
        connections: Math.ceil(connections / servers.length),
        duration: seconds,
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        requests: [{ setupRequest: (request) => ({ ...request, body: uniqueReport() }) }],
      }),
    ),
  )
  const sum = (f: (r: autocannon.Result) => number) => results.reduce((total, r) => total + f(r), 0)
  const cpu = meter(sum((r) => r.requests.total))
  return {
    rps: sum((r) => r.requests.average),
    p99: Math.max(...results.map((r) => r.latency.p99)),
    non2xx: sum((r) => r.non2xx),
    errors: sum((r) => r.errors),
    cpu,
  }
}

const baselineDb = await freshDatabase('bench_intake_baseline')
const gatewayDb = await freshDatabase('bench_intake_gateway')
const baseline = await startAll('baseline', baselineDb)
const { issuer, token } = await startIssuer()
const gateway = (await startAll('gateway', gatewayDb, issuer.issuer)).map((s) => ({ ...s, info: { ...s.info, token } }))
console.error(
  `report size ~${uniqueReport().length} bytes; ${rounds} rounds of ${seconds}s, ${connections} connections over ${processes} process(es) each`,
)
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
  for (const server of [...baseline, ...gateway]) server.child.kill('SIGINT')
  await issuer.close()
}
// each round pairs a baseline and a gateway run made back to back, so the ratio of sums compares like with like
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0)
const ratio = sum(rates.gateway) / sum(rates.baseline)
console.log(
  `intake: gateway ${(sum(rates.gateway) / rounds).toFixed(0)} req/s vs baseline ${(sum(rates.baseline) / rounds).toFixed(0)} req/s (means): ratio ${ratio.toFixed(2)} (target >= 0.5)`,
)
recordFigures([
  {
    figure: `intake, ${processes} gateway process${processes > 1 ? 'es' : ''}`,
    value: sum(rates.gateway) / rounds,
    baseline: `bare INSERT route, ${processes} process${processes > 1 ? 'es' : ''}`,
    baselineValue: sum(rates.baseline) / rounds,
    unit: 'req/s',
  },
])
process.exitCode = ratio >= 0.5 ? 0 : 1
