import t from 'tap'
import { EXAMPLE_DIRECTORY } from '../../src/dev/dev-mode.ts'
import { readDirectoryFile } from '../../src/directory/directory-file.ts'
import { gatewayEnv } from '../helpers/gateway-env.ts'
import { startGateway } from '../helpers/process.ts'
import { startTcpProxy } from '../helpers/tcp-proxy.ts'
import { fixtureJson } from '../intake/helpers.ts'

/**
 * The promise "logs never carry report URLs, reporter contact data, tokens or keys", checked on
 * everything a real gateway process writes while it serves a representative mix: reports, a batch,
 * a retraction, reports the database refuses, tokens in headers and in the query, forged tokens, and
 * requests during a database outage (driver errors logged).
 */
t.test('no submitted URL, contact, free text, token or key appears in any log line', async (t) => {
  const { idp, env } = await gatewayEnv(t, await readDirectoryFile(EXAMPLE_DIRECTORY))
  const target = new URL(env.DATABASE_URL)
  const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) })
  t.teardown(() => proxy.close())
  const gateway = await startGateway({
    ...env,
    DATABASE_URL: proxy.urlFor(env.DATABASE_URL),
    LOG_LEVEL: 'debug',
    DB_CONNECT_TIMEOUT_MS: '1000',
    DB_QUERY_TIMEOUT_MS: '1500',
  })
  t.teardown(() => gateway.stop())
  const secrets: string[] = [env.ENCRYPTION_KEY]
  const token = await idp.tokenFor('be-hotline')
  secrets.push(token)

  const send = async (method: string, path: string, body?: unknown, authorization = `Bearer ${token}`) => {
    const headers: Record<string, string> = { authorization }
    if (body !== undefined) headers['content-type'] = 'application/json'
    const res = await fetch(`${gateway.url}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) })
    return { status: res.status, body: await res.text() }
  }
  let serial = 0
  const report = (extra = '') => {
    const n = ++serial
    const r = fixtureJson('report-web-form.json')
    delete r.source.external_id
    r.items[0]!.url = `https://example.org/scan-url-${n}/page`
    r.items[1]!.url = `https://example.net/scan-comment-${n}`
    r.items[0]!.context = `scan-context-${n}`
    r.reporter.contact = { name: `Scan Person ${n}`, email: `scan-${n}@example.net`, phone: `+3249${String(n).padStart(7, '0')}` }
    r.incident.description = `scan-description-${n}${extra}`
    r.incident.explanation = `scan-explanation-${n}`
    r.reported_accounts = [{ service: 'Example Board', screen_name: `scan_${n}`, profile_url: `https://example.org/users/scan-profile-${n}` }]
    secrets.push(
      `scan-url-${n}`,
      `scan-comment-${n}`,
      `scan-context-${n}`,
      `Scan Person ${n}`,
      `scan-${n}@example.net`,
      r.reporter.contact.phone!,
      `scan-description-${n}`,
      `scan-explanation-${n}`,
      `scan-profile-${n}`,
    )
    return r
  }

  const accepted = await send('POST', '/v1/reports', report())
  t.equal(accepted.status, 202)
  t.equal((await send('POST', '/v1/reports/batch', { reports: [report(), report()] })).status, 200)
  const retracted = await send('POST', `/v1/reports/${JSON.parse(accepted.body).report_id}/retract`, { reason: 'scan-reason-free-text' })
  t.equal(retracted.status, 200, retracted.body)
  secrets.push('scan-reason-free-text')
  // refused by the database (or, once checked earlier, by the contract): either way not logged
  t.not((await send('POST', '/v1/reports', report(' with a NUL \u0000 inside'))).status, 202)
  t.equal((await send('GET', `/v1/directory?access_token=${token}`, undefined, '')).status, 400)
  const forged = 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJzY2FuLWZvcmdlZCJ9.scan-forged-signature'
  secrets.push(forged)
  t.equal((await send('GET', '/v1/directory', undefined, `Bearer ${forged}`)).status, 401)

  proxy.outage()
  t.equal((await send('POST', '/v1/reports', report())).status, 503, 'during an outage')
  t.equal((await send('POST', '/v1/reports/batch', { reports: [report()] })).status, 503)
  proxy.restore()

  const finished = await gateway.stop('SIGTERM')
  const output = finished.stdout + finished.stderr
  t.ok(output.split('\n').length > 20, 'the process logged the requests')
  for (const secret of secrets) t.notOk(output.includes(secret), `${secret.slice(0, 24)}… is not in the log`)
})
