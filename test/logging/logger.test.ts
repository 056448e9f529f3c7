import pg from 'pg'
import t from 'tap'
import { loggerOptions } from '../../src/logging/logger.ts'
import { buildTestApp, capturingLogger } from '../helpers/app.ts'
import { createTestDatabase } from '../helpers/database.ts'
import { fixtureJson } from '../intake/helpers.ts'

t.test('report contents, contact data and credentials are redacted wherever they are logged', async (t) => {
  const { logger, raw } = capturingLogger()
  logger.info(
    {
      report: { items: [{ url: 'https://example.org/x' }] },
      reporter: { contact: { email: 'person@example.net', phone: '+3200000000' } },
      req: { headers: { authorization: 'Bearer abc.def.ghi', cookie: 'sid=1' } },
      details: { description: 'free text', explanation: 'why', urls: ['https://example.net/y'], token: 'tok' },
      keep: 'visible',
    },
    'x',
  )
  const line = raw.join('')
  for (const secret of ['example.org/x', 'person@example.net', '+3200000000', 'abc.def.ghi', 'sid=1', 'free text', 'example.net/y', '"tok"']) {
    t.notOk(line.includes(secret), `${secret} is not in the log`)
  }
  t.match(line, /"keep":"visible"/)
})

t.test('pretty output only on a TTY outside production', async (t) => {
  t.ok(loggerOptions({ logLevel: 'info', nodeEnv: 'development' }, { isTTY: true } as never).transport)
  t.notOk(loggerOptions({ logLevel: 'info', nodeEnv: 'production' }, { isTTY: true } as never).transport)
  t.notOk(loggerOptions({ logLevel: 'info', nodeEnv: 'development' }, { isTTY: false } as never).transport)
})

t.test("PostgreSQL's error context and echoed values are redacted under every key an error is logged with", async (t) => {
  const client = new pg.Client({ connectionString: await createTestDatabase(t) })
  await client.connect()
  t.teardown(() => client.end())
  // a refused JSON value: PostgreSQL quotes it in `where` (CONTEXT) and `detail`
  const failed = await client.query(`SELECT $1::jsonb`, ['{"url":"https://example.org/where-echo-7731", oops-value-2209}']).catch((e) => e)
  t.ok(failed.where && failed.detail, 'the driver error carries context and detail')
  const echoed = await client.query(`SELECT $1::uuid`, ['not-a-uuid-echo-4410']).catch((e) => e)
  const { logger, raw } = capturingLogger()
  logger.error({ err: failed }, 'x')
  logger.warn({ error: echoed }, 'y')
  logger.error({ err: new Error('wrapped', { cause: failed }) }, 'z')
  logger.error({ err: new Error('wrapped', { cause: echoed }) }, 'z')
  logger.error({ err: new AggregateError([echoed], 'several') }, 'w')
  const lines = raw.join('')
  for (const secret of ['where-echo-7731', 'oops-value-2209', 'not-a-uuid-echo-4410']) t.notOk(lines.includes(secret), `${secret} is not in the log`)
  t.match(lines, /"code":"22P02"/, 'the SQLSTATE is kept')
})

t.test('a report refused by the database leaves none of its text in the log', async (t) => {
  const { app, auth, logs } = await buildTestApp(t)
  const report = fixtureJson('report-web-form.json')
  report.incident.description = 'free-text-5512 before a NUL \u0000 after it'
  report.items[0]!.url = 'https://example.org/nul-report-9083'
  const res = await app.inject({ method: 'POST', url: '/v1/reports', headers: await auth('be-hotline'), payload: report })
  t.not(res.statusCode, 202, 'the report is not accepted')
  const lines = JSON.stringify(logs)
  for (const secret of ['free-text-5512', 'nul-report-9083']) t.notOk(lines.includes(secret), `${secret} is not in the log`)
})

t.test('request logs carry the path and query parameter names, never their values', async (t) => {
  const { app, logs } = await buildTestApp(t)
  await app.inject({ method: 'GET', url: '/v1/audit/entries?start=0&end=1&cursor=query-value-6620' })
  const lines = JSON.stringify(logs)
  t.notOk(lines.includes('query-value-6620'), 'the value is not in the log')
  t.ok(
    logs.some((line) => (line.req as { url?: string; query?: string[] } | undefined)?.url === '/v1/audit/entries'),
    'the path is logged',
  )
  t.ok(
    logs.some((line) => JSON.stringify((line.req as { query?: string[] } | undefined)?.query) === '["start","end","cursor"]'),
    'the names are',
  )
})
