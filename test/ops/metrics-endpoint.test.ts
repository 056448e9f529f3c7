import { readFileSync } from 'node:fs'
import t from 'tap'
import { buildTestApp } from '../helpers/app.ts'
import { fixtureJson } from '../intake/helpers.ts'
import { growth, samples } from '../helpers/metrics.ts'

const DASHBOARD = new URL('../../deploy/grafana-dashboard.json', import.meta.url)

/** The metric families a text exposition declares (`# TYPE name kind`), with the sample names each yields. */
function families(text: string): Set<string> {
  const names = new Set<string>()
  for (const [, name, kind] of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    names.add(name!)
    if (kind === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(name! + suffix)
  }
  return names
}

t.test('/metrics: operators only, Prometheus text, what the process did and what the database holds', async (t) => {
  const ctx = await buildTestApp(t)
  const scrape = async (client?: string) => ctx.app.inject({ method: 'GET', url: '/metrics', headers: client ? await ctx.auth(client) : {} })

  t.equal((await scrape()).statusCode, 401, 'no token: 401')
  const hotline = await scrape('be-hotline')
  t.equal(hotline.statusCode, 403, 'a hotline may not read the metrics')
  t.equal(hotline.json().code, 'HG_FORBIDDEN')
  t.equal((await scrape('example-auditor')).statusCode, 403, 'nor an auditor')

  const before = samples((await scrape('gateway-operator')).body)
  const report = fixtureJson('report-web-form.json')
  report.channel = 'hotline_referral'
  const submitted = await ctx.app.inject({ method: 'POST', url: '/v1/reports', headers: await ctx.auth('be-hotline'), payload: report })
  t.equal(submitted.statusCode, 202)
  const again = await ctx.app.inject({ method: 'POST', url: '/v1/reports', headers: await ctx.auth('be-hotline'), payload: report })
  t.equal(again.statusCode, 202, 'the same report again is a replay')

  const res = await scrape('gateway-operator')
  t.equal(res.statusCode, 200)
  t.match(res.headers['content-type'], /^text\/plain; version=0\.0\.4/)
  const after = samples(res.body)
  const grew = growth(before, after)
  const channel = report.channel
  t.equal(grew(`hg_reports_total{channel="${channel}",outcome="accepted"}`), 1, 'the report is counted by channel and outcome')
  t.equal(grew(`hg_reports_total{channel="${channel}",outcome="replayed"}`), 1, 'and its replay as a replay')

  const { rows: handoffs } = await ctx.database.pool.query<{ participant_id: string; rules: Array<{ rule_id: string }> }>(
    'SELECT participant_id, rules FROM handoffs WHERE report_id = $1',
    [submitted.json().report_id],
  )
  t.ok(handoffs.length > 0, 'routing chose destinations')
  for (const h of handoffs) {
    t.equal(
      after.get(`hg_handoffs_open{state="pending",destination="${h.participant_id}"}`),
      1,
      `the pending handoff to ${h.participant_id}, from the database`,
    )
    for (const r of h.rules) t.ok(grew(`hg_routing_decisions_total{rule="${r.rule_id}"}`) >= 1, `routing by rule ${r.rule_id} is counted`)
  }
  const { rows: audit } = await ctx.database.pool.query<{ tree_size: string; unsequenced: number }>(
    'SELECT (SELECT tree_size FROM audit_log_state) AS tree_size, (SELECT count(*)::int FROM audit_entries WHERE log_index IS NULL) AS unsequenced',
  )
  t.equal(after.get('hg_audit_tree_size'), Number(audit[0]!.tree_size), 'the audit tree size, from the database')
  t.equal(after.get('hg_audit_unsequenced_entries'), audit[0]!.unsequenced, 'entries waiting for the sequencer (none runs here)')
  t.ok(after.get('hg_audit_sequencer_lag_seconds')! > 0, 'so the oldest one has been waiting a while')
  t.equal(after.get('hg_metrics_database_up'), 1)
  t.ok(after.get('hg_db_pool_connections{state="total"}')! >= 1, 'pool use')
  t.ok(after.has('nodejs_eventloop_lag_seconds'), 'event-loop lag')
  t.notMatch(res.body, /example\.org|example\.net/, 'no report URL in the metrics')

  t.test('every metric the Grafana dashboard queries exists at /metrics', async (t) => {
    const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as { panels: Array<{ title: string; targets?: Array<{ expr: string }> }> }
    const known = families(res.body)
    const queried = dashboard.panels.flatMap((p) => (p.targets ?? []).map((target) => ({ panel: p.title, expr: target.expr })))
    t.ok(queried.length >= 10, 'the dashboard has its queries')
    for (const { panel, expr } of queried) {
      const names = [...expr.matchAll(/\b((?:hg|nodejs|process)_[a-z0-9_]+)/g)].map((m) => m[1]!)
      t.ok(names.length > 0, `${panel}: names a metric`)
      for (const name of names) t.ok(known.has(name), `${panel}: ${name} exists`)
    }
  })
})
