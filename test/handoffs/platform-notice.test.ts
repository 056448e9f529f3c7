import t from 'tap'
import { fixtureJson, fixtureText } from '../intake/helpers.ts'
import { handoffTestApp, type HandoffTestApp } from './helpers.ts'

const DSA = 'application/vnd.hotline-gateway.dsa-notice.v1+json'
type Json = any

/** A DSA notice from be-hotline about a comment under a video on ExampleTube. */
function tubeNotice(patch: Json = {}): Json {
  const notice = JSON.parse(fixtureText('dsa-notice.json'))
  return {
    ...notice,
    urls: ['https://exampletube.example.com/watch?v=made-up-1'],
    additional_information: 'The third comment under the video, by made_up_user, links to a messenger group.',
    platform: 'ExampleTube',
    ...patch,
  }
}

/** Submits as `client`, signs what routing created, and answers the report's status and the notice ExampleTube is offered. */
async function submitAndDeliver(ctx: HandoffTestApp, client: string, payload: Json, contentType = 'application/json') {
  const res = await ctx.app.inject({
    method: 'POST',
    url: '/v1/reports',
    headers: { ...(await ctx.auth(client)), 'content-type': contentType },
    payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
  })
  if (res.statusCode !== 202) throw new Error(res.body)
  const status = (await ctx.app.inject({ method: 'GET', url: `/v1/reports/${res.json().id}`, headers: await ctx.auth(client) })).json()
  while ((await ctx.worker.step()) > 0);
  const offered = (await ctx.inbox('exampletube')).json().handoffs
  const item = offered.find((h: Json) => h.report_id === res.json().id)
  return { status, item, notice: item ? JSON.parse(item.payload) : undefined }
}

t.test('a DSA notice naming a platform that takes notices reaches that platform, with what identifies the comment', async (t) => {
  const ctx = await handoffTestApp(t)
  const { status, item, notice } = await submitAndDeliver(ctx, 'be-hotline', tubeNotice(), DSA)
  const toTube = status.routing.decision.destinations.find((d: Json) => d.participant_id === 'exampletube')
  t.ok(toTube, 'routed to the platform')
  t.match(toTube.rules, [
    {
      rule_id: 'dsa-notice-to-platform',
      reason:
        /DSA Art\. 16 notice about material on ExampleTube, whose operator ExampleTube \(video platform\) takes notices: the notice is passed on/,
    },
  ])
  t.equal(item.payload_media_type, DSA)
  t.strictSame(notice, {
    urls: ['https://exampletube.example.com/watch?v=made-up-1'],
    additional_information: 'The third comment under the video, by made_up_user, links to a messenger group.',
    explanation: tubeNotice().explanation,
    legal_ground: tubeNotice().legal_ground,
    contact_withheld: true,
    bona_fide_statement: true,
  })
  t.notOk(item.payload.includes('notices@hotline.example.org'), 'the notifier did not agree to be named to the platform')
})

t.test('a notifier who agreed to share is named to the platform', async (t) => {
  const ctx = await handoffTestApp(t)
  const notifier = { name: 'Example Hotline e.V.', email: 'notices@hotline.example.org', share_with_platform: true }
  const { notice } = await submitAndDeliver(ctx, 'be-hotline', tubeNotice({ notifier }), DSA)
  t.strictSame(notice.notifier, { name: 'Example Hotline e.V.', email: 'notices@hotline.example.org' })
  t.equal(notice.contact_withheld, undefined)
})

t.test('an anonymous notice stays anonymous, and is not said to be withheld', async (t) => {
  const ctx = await handoffTestApp(t)
  const anonymous = tubeNotice()
  delete anonymous.notifier
  const { notice } = await submitAndDeliver(ctx, 'be-hotline', anonymous, DSA)
  t.equal(notice.notifier, undefined)
  t.equal(notice.contact_withheld, undefined)
})

t.test('a JSON report a hotline classified: item context and consent carried; no description, no unmade statement', async (t) => {
  const ctx = await handoffTestApp(t)
  const report = fixtureJson('report-web-form.json')
  report.channel = 'hotline_referral'
  delete report.source.external_id
  delete report.reporter.bona_fide_statement
  report.reporter.share_contact_with_platform = true
  report.items = [
    {
      url: 'https://exampletube.example.com/watch?v=made-up-2',
      content_type: 'comment',
      context: 'The pinned comment under the video points to a messenger group.',
      hosting: { platform: 'ExampleTube' },
      classification: { status: 'baseline' },
    },
  ]
  const { status, notice, item } = await submitAndDeliver(ctx, 'be-hotline', report)
  t.match(status.routing.decision.destinations.find((d: Json) => d.participant_id === 'exampletube').rules, [{ rule_id: 'platform-notice' }])
  t.strictSame(notice, {
    urls: ['https://exampletube.example.com/watch?v=made-up-2'],
    additional_information: 'The pinned comment under the video points to a messenger group.',
    explanation: report.incident.explanation,
    legal_ground: report.incident.legal_ground,
    notifier: { name: 'Alex Example', email: 'alex.reporter@example.net' },
  })
  t.notOk(item.payload.includes(report.incident.description), 'the description is not sent to a platform')
  t.notOk(item.payload.includes('+31201234567'), 'nor the phone')
})
