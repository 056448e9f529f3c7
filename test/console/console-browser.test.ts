import { readFile } from 'node:fs/promises'
import type { AddressInfo } from 'node:net'
import { startSequencer } from '../../src/audit/sequencer.ts'
import { waitForSequenced } from '../../src/audit/wait.ts'
import t from 'tap'
import { buildApp } from '../../src/app.ts'
import { openDatabase } from '../../src/db/database.ts'
import { readMigrations } from '../../src/db/migrate.ts'
import { createHandoffWorker } from '../../src/handoffs/handoff-worker.ts'
import { createSealer } from '../../src/crypto/sealer.ts'
import { seriousViolations, screenshot, startBrowser } from '../helpers/browser.ts'
import { buildTestApp, capturingLogger } from '../helpers/app.ts'

// The operator console in Chromium, logged in through the real development issuer (code + PKCE).
t.test('the operator console: login, an urgent phone report, its routing, retraction, deliveries, logout', async (t) => {
  const ctx = await buildTestApp(t, { env: { RATE_LIMIT_PUBLIC: '1000' } })
  await ctx.app.listen({ host: '127.0.0.1', port: 0 })
  const base = `http://127.0.0.1:${(ctx.app.server.address() as AddressInfo).port}`
  const browser = await startBrowser(t)
  const page = await browser.newPage()
  const accessible = async (name: string) => {
    t.same(await seriousViolations(page), [], `${name}: no serious or critical axe violation`)
    await screenshot(page, name)
  }

  const authorizations: string[] = []
  page.on('request', (request) => {
    if (request.url().startsWith(`${ctx.idp.issuer}/auth?`)) authorizations.push(request.url())
  })
  await page.goto(`${base}/console`)
  await accessible('console-signed-out')
  await page.getByRole('link', { name: 'Log in' }).click()
  t.ok(page.url().startsWith(ctx.idp.issuer), 'the login happens at the issuer')
  t.match(authorizations[0], /code_challenge=[\w-]{43}&code_challenge_method=S256/, 'with PKCE')
  await page.locator('input[name=login]').fill('operator-ann')
  await page.locator('input[name=password]').fill('any')
  await page.locator('button[type=submit]').click()
  await page
    .locator('button[type=submit]')
    .filter({ hasText: /continue/i })
    .click()
  await page.waitForURL(`${base}/console`)
  t.match(await page.locator('header').textContent(), /Gateway operators[\s\S]*operator-ann/, 'logged in, acting for the operators')
  const session = (await browser.cookies()).find((c) => c.name === 'hg_session')
  t.match(session, { httpOnly: true, sameSite: 'Lax' })
  await accessible('console-dashboard')

  await page.getByLabel('What is happening, and where').fill('Caller says a man is meeting a 12-year-old from this chat tonight.')
  await page.getByLabel('Link, profile or chat (one per line)').fill('https://chat.example.org/room/42')
  await page.getByRole('button', { name: 'Send urgent report' }).click()
  await page.waitForURL(/\/console\/reports\/[0-9a-f-]{36}\?notice=sent/)
  const reportId = /reports\/([0-9a-f-]{36})/.exec(page.url())![1]!
  const main = () => page.locator('main').textContent()
  t.match(await main(), /Example Federal Police Belgium[^\n]*urgent/, 'routed to the home police as urgent')
  t.match(await main(), /phone_operator/)
  await accessible('console-report')
  const api = await ctx.app.inject({ method: 'GET', url: `/v1/reports/${reportId}`, headers: await ctx.auth('gateway-operator') })
  t.equal(api.json().channel, 'phone_operator', 'the API sees the same report, sent by the operators')

  // a second gateway process on the same database knows the session
  const { logger } = capturingLogger()
  const database = await openDatabase(ctx.config, logger)
  const other = await buildApp({ config: ctx.config, database, migrations: await readMigrations(), logger })
  t.teardown(async () => {
    await other.close()
    await database.close()
  })
  const elsewhere = await other.inject({ method: 'GET', url: '/console', headers: { cookie: `hg_session=${session!.value}`, accept: 'text/html' } })
  t.equal(elsewhere.statusCode, 200)
  t.match(elsewhere.body, 'Recent reports', 'another process serves the same session')

  await page.getByLabel('Why is the report withdrawn?').fill('Caller rang back: wrong room number.')
  await page.getByRole('button', { name: 'Retract report' }).click()
  await page.waitForURL(/notice=retracted/)
  t.match(await main(), /State\s*retracted/)

  await page.goto(`${base}/console`)
  t.match(await page.locator('table').first().textContent(), reportId, 'the recent reports list it')
  t.match(await page.locator('table').first().textContent(), /urgent[\s\S]*retracted/)

  // a dead letter to redeliver: a report signed for be-hotline (push) whose pushes gave up
  await page.locator('#f-links').fill('https://203.0.113.9/board/7')
  await page.locator('#f-incident_type').selectOption('child_pornography')
  await page.getByRole('button', { name: 'Send report' }).click()
  await page.waitForURL(/notice=sent/)
  const sealer = createSealer(Buffer.from(ctx.config.encryptionKey!, 'base64'))
  const worker = createHandoffWorker({
    pool: ctx.database.pool,
    sealer,
    logger: ctx.app.log as never,
    issuer: 'https://gateway.example.org',
  })
  await worker.step()
  // standing in for a day of failed pushes (push-delivery.test.ts covers how a handoff gets there)
  const { rows } = await ctx.database.pool.query(
    `UPDATE handoffs SET state = 'dead_letter', last_error = 'endpoint answered 503' WHERE state = 'ready' AND participant_id = 'be-hotline' RETURNING id`,
  )
  t.equal(rows.length, 1)
  await page.getByRole('link', { name: 'Deliveries' }).click()
  t.match(await main(), 'endpoint answered 503')
  await accessible('console-deliveries')
  await page.getByRole('button', { name: `Redeliver ${rows[0].id}` }).click()
  await page.waitForURL(/notice=redelivered/)
  t.match(await main(), 'No dead letters.')
  const state = await ctx.database.pool.query('SELECT state FROM handoffs WHERE id = $1', [rows[0].id])
  t.equal(state.rows[0].state, 'ready', 'back in the push queue')

  // the auditor's view (operators hold audit:read): search by handoff id, its timeline, its evidence
  const sequencer = await startSequencer({ pool: ctx.database.pool, sealer, logger: ctx.app.log as never, intervalMs: 10 })
  t.teardown(() => sequencer.stop())
  await waitForSequenced(ctx.database.pool, undefined, { timeoutMs: 30_000 })
  await page.getByRole('link', { name: 'Audit log' }).click()
  t.match(await main(), /Latest checkpoint[\s\S]*— /, 'the signed checkpoint is shown')
  t.ok(await page.locator('svg.chart').first().isVisible(), 'a server-rendered chart')
  await accessible('audit-overview')
  await page.getByLabel('Report or handoff id').fill(rows[0].id)
  await page.getByRole('button', { name: 'Search' }).click()
  await page.waitForURL(`${base}/audit/handoffs/${rows[0].id}`)
  t.match(await main(), /manifest signed/, 'the timeline')
  t.match(await main(), /hotline-gateway audit verify-evidence handoff-[0-9a-f-]+-evidence\.json --key '/, 'the command that verifies it')
  await accessible('audit-handoff')
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download the evidence bundle' }).click()])
  const bundle = JSON.parse(await readFile((await download.path())!, 'utf8'))
  t.equal(bundle.format, 'hotline-gateway/handoff-evidence/v1', 'the evidence bundle downloads')
  await page.getByRole('link', { name: 'Audit log' }).click()
  await page.getByLabel('Report or handoff id').fill('00000000-0000-0000-0000-000000000000')
  await page.getByRole('button', { name: 'Search' }).click()
  t.match(await main(), 'No report or handoff 00000000-0000-0000-0000-000000000000.')

  await page.getByRole('button', { name: /Log out operator-ann/ }).click()
  t.match(await main(), 'You are logged out.')
  const after = await other.inject({
    method: 'GET',
    url: '/console/deliveries',
    headers: { cookie: `hg_session=${session!.value}`, accept: 'text/html' },
  })
  t.equal(after.statusCode, 401, 'the session is gone everywhere')
})

t.test('console posts need the session and its form token', async (t) => {
  const ctx = await buildTestApp(t)
  const post = (url: string, payload: string, cookie = '') =>
    ctx.app.inject({ method: 'POST', url, headers: { accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded', cookie }, payload })
  const anonymous = await post('/console/reports', 'form_token=x&links=https%3A%2F%2Fexample.org%2Fa&incident_type=child_pornography')
  t.equal(anonymous.statusCode, 401)
  t.match(anonymous.body, 'Log in')
  const { rows } = await ctx.database.pool.query('SELECT count(*)::int AS n FROM reports')
  t.equal(rows[0].n, 0)
})
