import t from 'tap'
import { createHandoffWorker } from '../../src/handoffs/handoff-worker.ts'
import { auditTestApp } from '../audit/gateway.ts'
import { directoryWithKey, signingKey } from '../handoffs/helpers.ts'
import { buildTestApp, type TestApp } from '../helpers/app.ts'
import { insideOneWindow } from '../helpers/rate-window.ts'
import { openForm, postForm, referenceIn } from './form-session.ts'

const FORM = { REPORT_FORM_PARTICIPANT: 'be-hotline' }

const answers = (extra: Record<string, string> = {}) => ({
  lang: 'en',
  links: 'https://203.0.113.7/gallery/1\nexample.net/path?x=1',
  incident_type: 'child_pornography',
  content_type: 'image',
  platform: 'ExampleBoard',
  comments: 'A comment under the post points to a messenger group.',
  seen_on: '2026-11-01',
  bona_fide: 'yes',
  ...extra,
})

async function reportCount(ctx: TestApp): Promise<number> {
  const { rows } = await ctx.database.pool.query('SELECT count(*)::int AS n FROM reports')
  return rows[0].n
}

t.test('without REPORT_FORM_PARTICIPANT the form says reporting is not available here', async (t) => {
  const ctx = await buildTestApp(t)
  const { page } = await openForm(ctx.app, { 'accept-language': 'nl-BE,nl;q=0.9' })
  t.equal(page.statusCode, 503)
  t.match(page.headers['content-type'], /^text\/html/)
  t.match(page.body, /Melden kan hier niet/)
})

t.test('the form: language from Accept-Language or ?lang, no script, a strict CSP, a form cookie', async (t) => {
  const ctx = await buildTestApp(t, { env: FORM })
  const expected = { en: 'Send report', nl: 'Melding versturen', fr: 'Envoyer le signalement', de: 'Meldung senden' }
  for (const [lang, submit] of Object.entries(expected)) {
    const { page, cookie, token } = await openForm(ctx.app, { 'accept-language': `${lang};q=0.9, xx;q=1` })
    t.equal(page.statusCode, 200)
    t.match(page.body, `<html lang="${lang}">`)
    t.match(page.body, submit)
    t.match(page.body, 'Example Hotline Belgium', 'names the hotline that runs the form')
    t.notMatch(page.body, /<script/i, 'no script at all')
    t.match(page.headers['content-security-policy'], /default-src 'none'/)
    t.match(page.headers['content-security-policy'], /form-action 'self'/)
    t.ok(cookie && token, 'a form cookie and a token')
    t.match(String(page.headers['set-cookie']), /HttpOnly; SameSite=Strict/)
  }
  const switched = await openForm(ctx.app, { 'accept-language': 'fr' }, '?lang=de')
  t.match(switched.page.body, '<html lang="de">', '?lang wins over Accept-Language')
  t.match(switched.page.body, 'href="/report?lang=fr" hreflang="fr"', 'links switch the language')
  const css = await ctx.app.inject({ method: 'GET', url: '/assets/pages.css' })
  t.equal(css.statusCode, 200)
  t.match(css.headers['content-type'], /^text\/css/)
})

t.test('a form submission is a report like any other: routed, signed, in the destination inbox, in the audit log', async (t) => {
  const key = signingKey()
  const ctx = await auditTestApp(t, { directory: await directoryWithKey(key), env: FORM })
  const worker = createHandoffWorker({
    pool: ctx.database.pool,
    sealer: ctx.sealer,
    logger: ctx.app.log as never,
    issuer: 'https://gateway.example.org',
  })
  const visit = await openForm(ctx.app)
  const sent = await postForm(ctx.app, visit, answers({ danger_now: 'yes', danger_reason: 'The messages say a meeting is planned tonight.' }))
  t.equal(sent.statusCode, 200, sent.body)
  const reference = referenceIn(sent.body)
  t.ok(reference, 'the confirmation shows a reference')
  t.match(sent.body, 'Your report was sent as urgent.')
  t.match(sent.body, 'call 112 now')

  const status = await ctx.app.inject({ method: 'GET', url: `/v1/reports/${reference}`, headers: await ctx.auth('be-hotline') })
  t.equal(status.statusCode, 200, 'the hotline running the form is the sender')
  const police = status.json().handoffs.find((h: { destination: string }) => h.destination === 'be-police')
  t.ok(police, 'imminent danger goes to the home police')

  t.ok((await worker.step()) >= 1)
  const inbox = await ctx.app.inject({ method: 'GET', url: '/v1/inbox', headers: await ctx.auth('be-police') })
  const item = inbox.json().handoffs.find((h: { id: string }) => h.id === police.id)
  t.match(item, { report_id: reference, sender: 'be-hotline', urgent: true })
  const payload = JSON.parse(item.payload)
  t.match(payload, {
    channel: 'web_form',
    reporter: { anonymous: true, bona_fide_statement: true },
    urgency: { imminent_danger: true },
    incident: { type: 'child_pornography', occurred_at: '2026-11-01T00:00:00Z' },
    language: 'en',
  })
  t.same(
    payload.items.map((i: { url: string }) => i.url),
    ['https://203.0.113.7/gallery/1', 'http://example.net/path?x=1'],
    'a link typed without its scheme gets http://',
  )

  const size = await ctx.settle()
  const entries = (await ctx.get(`/v1/audit/entries?start=0&end=${size}`)).json().entries as Array<{ entry: Record<string, unknown> }>
  const types = entries.filter((e) => e.entry.report_id === reference).map((e) => e.entry.type)
  t.ok(types.includes('report.received') && types.includes('routing.decided') && types.includes('handoff.signed'), types.join(', '))
  const received = entries.find((e) => e.entry.type === 'report.received' && e.entry.report_id === reference)!.entry
  t.match(received, { sender: 'be-hotline', channel: 'web_form', payload_media_type: 'application/x-www-form-urlencoded' })

  const again = await postForm(ctx.app, visit, answers({ danger_now: 'yes', danger_reason: 'The messages say a meeting is planned tonight.' }))
  t.equal(referenceIn(again.body), reference, 'the same form sent twice (a reload) is one report')
  const changed = await postForm(ctx.app, visit, answers({ platform: 'Another board' }))
  t.equal(changed.statusCode, 409, 'the same form with other answers is refused')
  t.match(changed.body, 'already sent with other answers')
})

t.test('invalid answers come back marked, with what was typed kept, and store nothing', async (t) => {
  const ctx = await buildTestApp(t, { env: FORM })
  const visit = await openForm(ctx.app, { 'accept-language': 'fr' })
  const res = await postForm(ctx.app, visit, {
    lang: 'fr',
    links: 'not a link at all',
    incident_type: '',
    platform: 'Forum <b>"quoted"</b>',
    contact_email: 'nobody-at-example.org',
    consent: 'yes',
  })
  t.equal(res.statusCode, 400)
  t.match(res.body, '<html lang="fr">')
  t.match(res.body, 'class="error-summary" role="alert"')
  t.match(res.body, 'La ligne 1 n’est pas un lien utilisable.')
  t.match(res.body, 'Choisissez le type de contenu.')
  t.match(res.body, 'Cochez cette case pour envoyer le signalement.')
  t.match(res.body, /id="f-links" name="links"[^>]*aria-describedby="f-links-hint f-links-error" aria-invalid="true"[^>]*>not a link at all</)
  t.match(res.body, 'value="Forum &lt;b&gt;&quot;quoted&quot;&lt;/b&gt;"', 'typed text is kept, escaped')
  t.match(res.body, 'href="#f-incident_type"', 'the summary links to the field')
  t.equal(await reportCount(ctx), 0)

  const schema = await postForm(ctx.app, visit, answers({ contact_email: 'nobody-at-example.org' }))
  t.equal(schema.statusCode, 400, 'the canonical schema judges what the form mapping lets through')
  t.match(schema.body, /id="f-contact_email"[^>]*aria-invalid="true"/)
  t.match(schema.body, 'Enter an email address such as name@example.org.')
  t.equal(await reportCount(ctx), 0)
})

t.test('a post without the matching form cookie, or with the honeypot filled, stores nothing', async (t) => {
  const ctx = await buildTestApp(t, { env: FORM })
  const visit = await openForm(ctx.app)
  const other = await openForm(ctx.app)
  const foreign = await postForm(ctx.app, { cookie: other.cookie, token: visit.token }, answers())
  t.equal(foreign.statusCode, 400, 'a token from another visit (a cross-site post) is refused')
  t.match(foreign.body, 'The form had expired.')
  t.match(foreign.body, 'ExampleBoard', 'the answers are kept for a second try')
  const forged = await postForm(ctx.app, { cookie: 'hg_form=abc', token: 'abc' }, answers())
  t.equal(forged.statusCode, 400, 'a token the gateway did not seal is refused')
  const bot = await postForm(ctx.app, visit, answers({ website: 'https://spam.example.net' }))
  t.equal(bot.statusCode, 400, 'the honeypot')
  const malformed = await postForm(ctx.app, visit, { ...answers(), unknown_field: 'x' })
  t.equal(malformed.statusCode, 400)
  t.match(malformed.headers['content-type'], /^text\/html/, 'a refusal on a page is a page')
  t.equal(await reportCount(ctx), 0)
})

t.test('form posts have their own per-IP budget (RATE_LIMIT_REPORT_FORM)', async (t) => {
  const ctx = await buildTestApp(t, { env: { ...FORM, RATE_LIMIT_REPORT_FORM: '2' } })
  await insideOneWindow()
  const visit = await openForm(ctx.app)
  const statuses = []
  for (let i = 0; i < 3; i++) statuses.push((await postForm(ctx.app, visit, { links: '' })).statusCode)
  t.same(statuses, [400, 400, 429])
  t.equal((await openForm(ctx.app)).page.statusCode, 200, 'reading the form is not counted against posts')
})
