import t from 'tap'
import { EXAMPLE_DIRECTORY } from '../../src/dev/dev-mode.ts'
import { readDirectoryFile } from '../../src/directory/directory-file.ts'
import { gatewayEnv } from '../helpers/gateway-env.ts'
import { startGateway } from '../helpers/process.ts'
import { startTcpProxy } from '../helpers/tcp-proxy.ts'
import { fixtureJson } from '../intake/helpers.ts'

/** Small bounds, so that a fault is noticed quickly; the test asserts the 503, never the time. */
const BOUNDS = { DB_CONNECT_TIMEOUT_MS: '1000', DB_STATEMENT_TIMEOUT_MS: '1500', DB_QUERY_TIMEOUT_MS: '2000' }

interface Probe {
  name: string
  method?: string
  path: string
  client?: string
  body?: () => unknown
}

let reportSerial = 0
function freshReport() {
  const report = fixtureJson('report-web-form.json')
  delete report.source.external_id
  report.items[0]!.url = `https://example.org/outage/${++reportSerial}`
  return report
}

t.test('a database outage or stall: every operation that needs it answers 503 with Retry-After, and all recovers without a restart', async (t) => {
  const { pool, idp, env } = await gatewayEnv(t, await readDirectoryFile(EXAMPLE_DIRECTORY))
  const target = new URL(env.DATABASE_URL)
  const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) })
  t.teardown(() => proxy.close())
  const gateway = await startGateway({ ...env, ...BOUNDS, DATABASE_URL: proxy.urlFor(env.DATABASE_URL), DIRECTORY_CACHE_MS: '0' })
  t.teardown(() => gateway.stop())

  const call = async (probe: Probe) => {
    const headers: Record<string, string> = probe.client ? { authorization: `Bearer ${await idp.tokenFor(probe.client)}` } : {}
    if (probe.body) headers['content-type'] = 'application/json'
    // bounded: a request that hung through the fault would fail here, not hang the suite
    const res = await fetch(`${gateway.url}${probe.path}`, {
      method: probe.method ?? 'GET',
      headers,
      body: probe.body ? JSON.stringify(probe.body()) : undefined,
      signal: AbortSignal.timeout(20_000),
    })
    return { status: res.status, type: res.headers.get('content-type'), retryAfter: res.headers.get('retry-after'), body: await res.text() }
  }

  const accepted = await call({ name: 'submitReport', method: 'POST', path: '/v1/reports', client: 'be-hotline', body: freshReport })
  t.equal(accepted.status, 202, 'a report is accepted before the fault')
  const reportId = JSON.parse(accepted.body).report_id as string
  const probes: Probe[] = [
    { name: 'submitReport', method: 'POST', path: '/v1/reports', client: 'be-hotline', body: freshReport },
    { name: 'submitReportBatch', method: 'POST', path: '/v1/reports/batch', client: 'nl-hotline', body: () => ({ reports: [freshReport()] }) },
    { name: 'getReport', path: `/v1/reports/${reportId}`, client: 'be-hotline' },
    { name: 'listInbox', path: '/v1/inbox', client: 'be-police' },
    { name: 'getDirectory', path: '/v1/directory', client: 'be-hotline' },
    { name: 'getRoutingRules', path: '/v1/routing/rules', client: 'gateway-admin' },
    { name: 'getAuditCheckpoint', path: '/v1/audit/checkpoint', client: 'example-auditor' },
    { name: 'getAuditKey', path: '/v1/audit/key' },
    { name: 'getJwks', path: '/.well-known/jwks.json' },
    { name: 'getReadiness', path: '/readyz' },
  ]

  const expectWorking = async (when: string) => {
    for (const probe of probes) {
      const res = await call(probe)
      t.ok(res.status >= 200 && res.status < 300, `${when}: ${probe.name} answers ${res.status}`)
    }
  }
  const expectUnavailable = async (fault: string) => {
    for (const probe of probes) {
      const res = await call(probe)
      t.equal(res.status, 503, `${fault}: ${probe.name} is a 503`)
      t.equal(res.type, 'application/problem+json', `${fault}: ${probe.name} is problem+json`)
      t.match(res.retryAfter, /^\d+$/, `${fault}: ${probe.name} says when to retry`)
      t.match(JSON.parse(res.body), { status: 503, code: 'HG_UNAVAILABLE' })
    }
    t.equal((await call({ name: 'getHealth', path: '/healthz' })).status, 200, `${fault}: the process is alive (no restart wanted)`)
  }
  const awaitRecovery = async () => {
    const deadline = Date.now() + 30_000
    while ((await call({ name: 'getReadiness', path: '/readyz' })).status !== 200 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200))
    }
  }

  await expectWorking('before any fault')

  proxy.outage()
  await expectUnavailable('outage')
  proxy.restore()
  await awaitRecovery()
  await expectWorking('after the outage')

  proxy.stall()
  await expectUnavailable('stall')
  proxy.restore()
  await awaitRecovery()
  await expectWorking('after the stall')

  // the background loops survived both faults: a report accepted now is signed and sequenced
  const after = await call({ name: 'submitReport', method: 'POST', path: '/v1/reports', client: 'be-hotline', body: freshReport })
  t.equal(after.status, 202)
  const deadline = Date.now() + 30_000
  let backlog
  do {
    await new Promise((resolve) => setTimeout(resolve, 200))
    const { rows } = await pool.query(`SELECT (SELECT count(*)::int FROM handoffs WHERE state = 'pending')
                                            + (SELECT count(*)::int FROM audit_entries WHERE log_index IS NULL) AS n`)
    backlog = rows[0].n
  } while (backlog > 0 && Date.now() < deadline)
  t.equal(backlog, 0, 'every handoff signed and every audit entry sequenced, by the same process')
  t.equal(gateway.child.exitCode, null, 'which never exited')
  const stopped = await gateway.stop('SIGTERM')
  t.equal(stopped.code, 0, 'and still stops cleanly')
})
