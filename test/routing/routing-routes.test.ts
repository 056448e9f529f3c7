import t from 'tap'
import { createDirectoryService } from '../../src/directory/directory-service.ts'
import { BUNDLED_GEOIP_DB } from '../../src/routing/hosting.ts'
import { createRoutingService } from '../../src/routing/routing-service.ts'
import type { CanonicalReport } from '../../src/intake/report.ts'
import { buildTestApp, type TestApp } from '../helpers/app.ts'
import { fixtureJson } from '../intake/helpers.ts'

/** The web-form fixture relayed by a hotline: item 0 hosted in NL, item 1 of unknown hosting. */
function referral(): CanonicalReport {
  const report = fixtureJson('report-web-form.json')
  report.channel = 'hotline_referral'
  delete report.source.external_id
  return report
}

async function submit(ctx: TestApp, client: string, report: CanonicalReport) {
  const res = await ctx.app.inject({ method: 'POST', url: '/v1/reports', headers: await ctx.auth(client), payload: report })
  return res.json() as { id: string; case_id: string; duplicate_of: string | null }
}

async function status(ctx: TestApp, client: string, id: string) {
  return (await ctx.app.inject({ method: 'GET', url: `/v1/reports/${id}`, headers: await ctx.auth(client) })).json()
}

async function count(ctx: TestApp, table: string) {
  return (await ctx.database.pool.query(`SELECT count(*)::int AS n FROM ${table}`)).rows[0].n as number
}

t.test('every accepted report is routed in the same transaction; the sender sees where and why', async (t) => {
  const ctx = await buildTestApp(t)
  const { id } = await submit(ctx, 'be-hotline', referral())
  const report = await status(ctx, 'be-hotline', id)
  t.equal(report.state, 'routed')
  const { decision } = report.routing
  t.match(report.routing, { directory_version: 1, ruleset_version: 1, already_handed: [] })
  const nl = decision.destinations.find((d: { participant_id: string }) => d.participant_id === 'nl-hotline')
  t.match(nl, {
    kind: 'hotline',
    urgent: false,
    items: [0],
    rules: [{ rule_id: 'hosting-country-hotline', reason: /hosting-country-hotline|Netherlands|NL/ }],
  })
  t.notOk(
    decision.destinations.some((d: { participant_id: string }) => d.participant_id === 'be-hotline'),
    'never back to the sender',
  )
  t.ok(
    decision.skipped.some((s: { participant_id?: string; reason: string }) => s.participant_id === 'be-hotline'),
    'the sender is a skip, with a reason',
  )
  t.same(
    report.handoffs.map((h: { destination: string; state: string }) => [h.destination, h.state]),
    decision.destinations.map((d: { participant_id: string }) => [d.participant_id, 'pending']),
  )
  const { rows } = await ctx.database.pool.query(
    `SELECT convert_from(entry, 'UTF8')::jsonb AS e FROM audit_entries WHERE convert_from(entry, 'UTF8')::jsonb->>'type' = 'routing.decided'`,
  )
  t.match(rows[0].e, {
    report_id: id,
    destinations: decision.destinations.map((d: { participant_id: string }) => d.participant_id),
    directory_version: 1,
    ruleset_version: 1,
  })
})

t.test('a duplicate adds to the case: a destination that already has it is not sent again', async (t) => {
  const ctx = await buildTestApp(t)
  const first = await submit(ctx, 'be-hotline', referral())
  const before = await count(ctx, 'handoffs')
  const second = await submit(ctx, 'de-hotline', referral())
  t.equal(second.case_id, first.id)
  const report = await status(ctx, 'de-hotline', second.id)
  const firstHandoff = (await status(ctx, 'be-hotline', first.id)).handoffs.find((h: { destination: string }) => h.destination === 'nl-hotline')
  t.ok(
    report.routing.decision.destinations.some((d: { participant_id: string }) => d.participant_id === 'nl-hotline'),
    'the rules still name nl-hotline',
  )
  t.same(
    report.routing.already_handed.find((a: { participant_id: string }) => a.participant_id === 'nl-hotline'),
    { participant_id: 'nl-hotline', handoff_id: firstHandoff.id },
  )
  const { rows } = await ctx.database.pool.query(`SELECT count(*)::int AS n FROM handoffs WHERE participant_id = 'nl-hotline'`)
  t.equal(rows[0].n, 1, 'one handoff per destination per case')
  t.ok((await count(ctx, 'handoffs')) >= before, 'new destinations of the case still get theirs')
})

t.test('imminent danger goes to the police of the victim country, urgent, besides the rest', async (t) => {
  const ctx = await buildTestApp(t)
  const { id } = await submit(ctx, 'exampletube', fixtureJson('report-imminent-danger.json'))
  const { routing, handoffs } = await status(ctx, 'exampletube', id)
  t.match(
    routing.decision.destinations.find((d: { participant_id: string }) => d.participant_id === 'de-police'),
    { urgent: true, rules: [{ rule_id: 'imminent-danger' }] },
  )
  t.ok(handoffs.some((h: { destination: string; urgent: boolean }) => h.destination === 'de-police' && h.urgent))
})

t.test('explain is a dry run for partners and auditors: the same decision, nothing stored', async (t) => {
  const ctx = await buildTestApp(t)
  const res = await ctx.app.inject({ method: 'POST', url: '/v1/routing/explain', headers: await ctx.auth('example-auditor'), payload: referral() })
  t.equal(res.statusCode, 200, res.body)
  t.ok(res.json().destinations.some((d: { participant_id: string }) => d.participant_id === 'nl-hotline'))
  t.equal(await count(ctx, 'reports'), 0)
  t.equal(await count(ctx, 'handoffs'), 0)
  const bad = await ctx.app.inject({
    method: 'POST',
    url: '/v1/routing/explain',
    headers: await ctx.auth('example-auditor'),
    payload: { ...referral(), items: [] },
  })
  t.equal(bad.statusCode, 400)
})

t.test('a stored decision is reproducible from its recorded versions after the directory changed', async (t) => {
  const ctx = await buildTestApp(t)
  const { id } = await submit(ctx, 'be-hotline', referral())
  const stored = (await status(ctx, 'be-hotline', id)).routing
  const admin = await ctx.auth('gateway-admin')
  await ctx.app.inject({ method: 'DELETE', url: '/v1/directory/participants/nl-hotline', headers: admin })
  const now = await ctx.app.inject({ method: 'POST', url: '/v1/routing/explain', headers: await ctx.auth('be-hotline'), payload: referral() })
  t.notOk(
    now.json().destinations.some((d: { participant_id: string }) => d.participant_id === 'nl-hotline'),
    'today the decision differs',
  )

  const directory = createDirectoryService({ pool: ctx.database.pool })
  const routing = await createRoutingService({ pool: ctx.database.pool, homeCountry: 'BE', geoPath: BUNDLED_GEOIP_DB, cacheMs: 0 })
  const {
    rows: [row],
  } = await ctx.database.pool.query('SELECT canonical FROM reports WHERE id = $1', [id])
  const atThatTime = (await directory.atVersion(stored.directory_version))!
  const sender = atThatTime.byId.get('be-hotline')!
  // the stored canonical report lacks the sealed contact; routing never reads it
  const replayed = await routing.replay(row.canonical, sender, atThatTime, stored.ruleset_version)
  t.same(replayed, stored.decision)
})

t.test('rule sets are versioned data: the default policy is version 1, admins publish more, bad ones are refused', async (t) => {
  const ctx = await buildTestApp(t)
  const admin = await ctx.auth('gateway-admin')
  const current = await ctx.app.inject({ method: 'GET', url: '/v1/routing/rules', headers: await ctx.auth('be-hotline') })
  t.equal(current.statusCode, 200)
  t.match(current.json(), { version: 1, created_by: 'default-policy', rules: { version: 'default-2026.2' } })
  t.equal(current.headers.etag, '"v1"')
  const rules = current.json().rules
  const trimmed = { ...rules, version: 'no-platform-notices', rules: rules.rules.filter((r: { id: string }) => r.id !== 'platform-notice') }
  const published = await ctx.app.inject({ method: 'PUT', url: '/v1/routing/rules', headers: { ...admin, 'if-match': '"v1"' }, payload: trimmed })
  t.equal(published.statusCode, 200, published.body)
  t.match(published.json(), { version: 2, summary: { label: { from: 'default-2026.2', to: 'no-platform-notices' }, removed: ['platform-notice'] } })
  const unknownFact = { ...trimmed, version: 'broken', rules: [{ ...trimmed.rules[0], when: { fact: 'item.colour', equals: 'red' } }] }
  const refused = await ctx.app.inject({ method: 'PUT', url: '/v1/routing/rules', headers: admin, payload: unknownFact })
  t.equal(refused.statusCode, 400)
  t.ok(
    refused.json().errors.some((e: { pointer: string }) => e.pointer.startsWith('/rules/0/when')),
    'names the bad condition',
  )
  const stale = await ctx.app.inject({ method: 'PUT', url: '/v1/routing/rules', headers: { ...admin, 'if-match': '"v1"' }, payload: rules })
  t.equal(stale.statusCode, 409)
  const versions = await ctx.app.inject({ method: 'GET', url: '/v1/routing/rules/versions', headers: admin })
  t.same(
    versions.json().versions.map((v: { version: number }) => v.version),
    [2, 1],
  )
  const v1 = await ctx.app.inject({ method: 'GET', url: '/v1/routing/rules/versions/1', headers: admin })
  t.same(v1.json().rules, rules)
  const forbidden = await ctx.app.inject({ method: 'PUT', url: '/v1/routing/rules', headers: await ctx.auth('be-hotline'), payload: rules })
  t.equal(forbidden.statusCode, 403)
})
