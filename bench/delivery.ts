// Delivery throughput: reports go in through POST /v1/reports/batch to a gateway process running as
// deployed (audit sequencer and delivery loops on), and the handoffs they create are signed in the
// background. Prints the intake rate (handoffs created per second while reports arrive) beside the
// rate at which the backlog is signed, their ratio, and how long the backlog took to drain.
// Usage: node --import tsx bench/delivery.ts [reports=5000] [concurrent batches=4]
import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { createInterface } from 'node:readline'
import pg from 'pg'
import { freshDatabase } from './database.ts'
import { startDevIssuer } from '../src/auth/dev-issuer.ts'
import { migrate, readMigrations } from '../src/db/migrate.ts'
import { readDirectoryFile } from '../src/directory/directory-file.ts'
import { createDirectoryService } from '../src/directory/directory-service.ts'
import { EXAMPLE_DIRECTORY } from '../src/auth/dev-mode.ts'

const [total = 5000, parallel = 4] = process.argv.slice(2).map(Number)
const AUDIENCE = 'urn:hotline-gateway:bench'
const BIN = new URL('../bin/hotline-gateway.js', import.meta.url).pathname
const template = JSON.parse(readFileSync(new URL('../test/fixtures/intake/report-web-form.json', import.meta.url), 'utf8'))
template.channel = 'hotline_referral'

/** Each report unique (its own case), hosted in NL: one handoff to nl-hotline (push) per report. */
function uniqueReport(): Record<string, unknown> {
  const tag = randomBytes(8).toString('hex')
  const report = structuredClone(template)
  delete report.source.external_id
  report.items[0].url = `https://example.org/board/thread/${tag}`
  report.items[0].hashes = [{ alg: 'sha256', value: randomBytes(32).toString('hex') }]
  report.items[1].url = `https://example.net/comments/${tag}`
  return report
}

async function startGateway(env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [BIN, 'serve', '--no-migrate'], {
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

async function token(issuerUrl: string): Promise<string> {
  const response = await fetch(`${issuerUrl}/token`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from('be-hotline:bench').toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', resource: AUDIENCE }),
  })
  return ((await response.json()) as { access_token: string }).access_token
}

async function count(pool: pg.Pool, state: string): Promise<number> {
  const { rows } = await pool.query('SELECT count(*)::int AS n FROM handoffs WHERE state = $1', [state])
  return rows[0].n
}

const url = await freshDatabase('bench_delivery')
const pool = new pg.Pool({ connectionString: url, max: 2 })
await migrate(pool, await readMigrations())
await createDirectoryService({ pool }).publish(await readDirectoryFile(EXAMPLE_DIRECTORY), { actor: 'bench' })
const issuer = await startDevIssuer({
  audience: AUDIENCE,
  accessTokenTtlSeconds: 3600,
  clients: [{ clientId: 'be-hotline', scopes: ['reports:write'], secret: 'bench' }],
})
const gateway = await startGateway({
  DATABASE_URL: url,
  OIDC_ISSUER: issuer.issuer,
  OIDC_AUDIENCE: AUDIENCE,
  ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
  RATE_LIMIT_PARTICIPANT: '100000000',
})
const authorization = `Bearer ${await token(issuer.issuer)}`

try {
  const batches = Math.ceil(total / 100)
  let next = 0
  const started = performance.now()
  const samples: string[] = []
  const sampler = setInterval(async () => {
    samples.push(`${((performance.now() - started) / 1000).toFixed(1)}s:${await count(pool, 'pending')}`)
  }, 1000)
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < batches) {
        next++
        const res = await fetch(`${gateway.url}/v1/reports/batch`, {
          method: 'POST',
          headers: { authorization, 'content-type': 'application/json' },
          body: JSON.stringify({ reports: Array.from({ length: 100 }, uniqueReport) }),
        })
        if (res.status !== 200) throw new Error(`batch answered ${res.status}: ${await res.text()}`)
      }
    }),
  )
  const intakeSeconds = (performance.now() - started) / 1000
  const { rows } = await pool.query('SELECT count(*)::int AS n FROM handoffs')
  const handoffs = rows[0].n as number
  const backlog = await count(pool, 'pending')
  const drainStart = performance.now()
  while ((await count(pool, 'pending')) > 0) await new Promise((resolve) => setTimeout(resolve, 50))
  const allSeconds = (performance.now() - started) / 1000
  clearInterval(sampler)
  const drainSeconds = (performance.now() - drainStart) / 1000
  const intakeRate = handoffs / intakeSeconds
  const signRate = handoffs / allSeconds
  console.log(`pending over time: ${samples.join(' ')}`)
  console.log(`intake: ${batches * 100} reports, ${handoffs} handoffs in ${intakeSeconds.toFixed(1)} s = ${intakeRate.toFixed(0)} handoffs/s`)
  console.log(`backlog when intake ended: ${backlog}, drained in ${drainSeconds.toFixed(1)} s`)
  console.log(
    `signed: ${handoffs} in ${allSeconds.toFixed(1)} s = ${signRate.toFixed(0)} handoffs/s; ratio to intake ${(signRate / intakeRate).toFixed(2)}`,
  )
} finally {
  gateway.child.kill('SIGTERM')
  await issuer.close()
  await pool.end()
}
