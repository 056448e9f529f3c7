import type { AddressInfo } from 'node:net'
import t from 'tap'
import { seriousViolations, screenshot, startBrowser } from '../helpers/browser.ts'
import { buildTestApp } from '../helpers/app.ts'

// The public form in a real browser: each language submitted, the urgent path, validation errors,
// axe-core on every page, and nothing loaded from anywhere but the gateway.
t.test('the public report form in Chromium', async (t) => {
  const ctx = await buildTestApp(t, { env: { REPORT_FORM_PARTICIPANT: 'be-hotline', RATE_LIMIT_PUBLIC: '1000', RATE_LIMIT_REPORT_FORM: '1000' } })
  await ctx.app.listen({ host: '127.0.0.1', port: 0 })
  const base = `http://127.0.0.1:${(ctx.app.server.address() as AddressInfo).port}`
  const browser = await startBrowser(t)
  const page = await browser.newPage()
  const foreign: string[] = []
  const consoleErrors: string[] = []
  page.on('request', (request) => {
    if (!request.url().startsWith(base)) foreign.push(request.url())
  })
  page.on('console', (message) => {
    // a 400 page or the favicon's 404 is logged as a failed load too; only policy refusals count here
    if (message.type() === 'error' && /Content Security Policy|Refused to/i.test(message.text())) consoleErrors.push(message.text())
  })
  const accessible = async (name: string) => {
    t.same(await seriousViolations(page), [], `${name}: no serious or critical axe violation`)
    await screenshot(page, name)
  }

  const submitLabels = { en: 'Send report', nl: 'Melding versturen', fr: 'Envoyer le signalement', de: 'Meldung senden' }
  for (const [lang, submit] of Object.entries(submitLabels)) {
    await page.goto(`${base}/report?lang=${lang}`)
    t.equal(await page.getAttribute('html', 'lang'), lang)
    await accessible(`report-form-${lang}`)
    await page.locator('#f-links').fill(`https://example.org/${lang}/gallery`)
    await page.locator('#f-incident_type').selectOption('child_pornography')
    await page.locator('#f-bona_fide').check()
    await page.getByRole('button', { name: submit }).click()
    const reference = (await page.locator('#reference').textContent())?.trim()
    t.match(reference, /^[0-9a-f-]{36}$/, `${lang}: the confirmation shows a reference`)
    const status = await ctx.app.inject({ method: 'GET', url: `/v1/reports/${reference}`, headers: await ctx.auth('be-hotline') })
    t.equal(status.statusCode, 200, `${lang}: the report is stored, sent by be-hotline`)
    await accessible(`report-confirmation-${lang}`)
  }

  await page.goto(`${base}/report?lang=en`)
  await page.getByLabel('A child is in danger right now').check()
  await page.getByLabel('What makes you think so?').fill('The chat says they will meet today.')
  await page.locator('#f-links').fill('https://example.org/chat/room-7')
  await page.locator('#f-incident_type').selectOption('online_enticement')
  await page.locator('#f-bona_fide').check()
  await page.getByRole('button', { name: 'Send report' }).click()
  t.match(await page.locator('main').textContent(), /Your report was sent as urgent\.[\s\S]*call 112 now/, 'the urgent path')
  await accessible('report-confirmation-urgent')

  await page.goto(`${base}/report?lang=de`)
  await page.locator('#f-platform').fill('ExampleBoard')
  await page.locator('#f-contact_email').fill('not-an-address')
  await page.getByRole('button', { name: 'Meldung senden' }).click()
  t.ok(await page.locator('.error-summary').isVisible(), 'the errors are listed at the top')
  t.equal(await page.locator('#f-links').getAttribute('aria-invalid'), 'true', 'the field is marked')
  t.equal(await page.locator('#f-platform').inputValue(), 'ExampleBoard', 'what was typed is kept')
  t.equal(await page.locator('#f-contact_email').inputValue(), 'not-an-address')
  await accessible('report-form-errors-de')
  await page.locator('.error-summary a').first().click()
  t.equal(await page.evaluate(() => document.activeElement?.id), 'f-links', 'a summary link takes the keyboard to the field')

  t.same(foreign, [], 'nothing is loaded from anywhere but the gateway')
  t.same(consoleErrors, [], 'no Content-Security-Policy violation')
})
