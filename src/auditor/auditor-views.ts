import { markup, type Html } from '../pages/html.ts'
import { barChart, lineChart } from './charts.ts'

export interface OverviewView {
  checkpoint: string | undefined
  witnesses: string[]
  keys: Array<{ verifier_key: string; active: boolean }>
  growth: Array<{ at: Date; size: number }>
  takedownHours: number[]
  notFound?: string
}

const BUCKETS: Array<{ label: string; upTo: number }> = [
  { label: '< 1 h', upTo: 1 },
  { label: '1–6 h', upTo: 6 },
  { label: '6–24 h', upTo: 24 },
  { label: '1–3 d', upTo: 72 },
  { label: '> 3 d', upTo: Infinity },
]

/** The log at a glance: the signed checkpoint and who vouches for it, a search, and two charts. */
export function overviewBody(view: OverviewView): Html {
  const bars = BUCKETS.map((bucket, i) => ({
    label: bucket.label,
    count: view.takedownHours.filter((h) => h < bucket.upTo && (i === 0 || h >= BUCKETS[i - 1]!.upTo)).length,
  }))
  const size = view.growth.at(-1)?.size ?? 0
  return markup`<h1>Audit log</h1>
  <form method="get" action="/audit/search" role="search">
    <div class="field"><label for="f-id">Report or handoff id</label>
    ${view.notFound && markup`<p class="error" id="f-id-error">No report or handoff ${view.notFound}.</p>`}
    <input id="f-id" name="id" type="search" maxlength="36" value="${view.notFound ?? ''}"${view.notFound ? markup` aria-invalid="true" aria-describedby="f-id-error"` : ''}></div>
    <p><button type="submit">Search</button></p>
  </form>
  <h2>Latest checkpoint</h2>
  ${view.checkpoint ? markup`<pre>${view.checkpoint}</pre>` : markup`<p>No checkpoint is signed yet.</p>`}
  <h3>Witnesses</h3>
  ${view.witnesses.length > 0 ? markup`<ul>${view.witnesses.map((w) => markup`<li class="mono">${w}</li>`)}</ul>` : markup`<p>No witness has cosigned this checkpoint.</p>`}
  <h3>Log keys</h3>
  <ul>${view.keys.map((k) => markup`<li class="mono">${k.verifier_key}${k.active ? '' : ' (retired)'}</li>`)}</ul>
  <h2>Growth</h2>
  <p>${size} entries at the latest checkpoint.</p>
  ${lineChart(
    'Entries in the log at each checkpoint',
    view.growth.map((g) => ({ x: g.at.getTime(), y: g.size })),
    (x) => new Date(x).toISOString().slice(0, 16).replace('T', ' '),
    (y) => String(Math.round(y)),
  )}
  <h2>Takedown times</h2>
  <p>From handoff to the destination's "content removed", for the last ${view.takedownHours.length} takedowns.</p>
  ${barChart('Takedown times', bars)}
  <table><thead><tr>${bars.map((b) => markup`<th scope="col">${b.label}</th>`)}</tr></thead><tbody><tr>${bars.map((b) => markup`<td>${b.count}</td>`)}</tr></tbody></table>`
}

export function reportHandoffsBody(reportId: string, handoffs: Array<{ id: string; participant_id: string; state: string; urgent: boolean }>): Html {
  return markup`<h1>Report <span class="mono">${reportId}</span></h1>
  <p>The auditor sees where a report went, never what it says.</p>
  <ul>${handoffs.map((h) => markup`<li><a class="mono" href="/audit/handoffs/${h.id}">${h.id}</a>: ${h.participant_id}, ${h.state}${h.urgent ? ', urgent' : ''}</li>`)}</ul>`
}

// a handoff as GET /v1/handoffs/{id} answers it (checked against handoff.json); the view reads it as a client would
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Handoff = Record<string, any>

/** A handoff's life in order, from the timestamps and signed statuses the gateway holds. */
export function handoffBody(handoff: Handoff, verifierKey: string | undefined): Html {
  const events: Array<[string | null | undefined, string]> = [
    [handoff.created_at, 'routed to the destination'],
    [handoff.signed_at, 'manifest signed'],
    [handoff.sent_at, 'delivered'],
    [handoff.received_at, 'receipt signed by the destination'],
    ...((handoff.statuses ?? []) as Handoff[]).map((s): [string, string] => [
      s.at,
      `status: ${s.status}${s.reason_code ? ` (${s.reason_code})` : ''}`,
    ]),
    [handoff.retraction?.sent_at, 'retraction delivered'],
    [handoff.retraction?.received_at, 'retraction receipted'],
  ]
  const timeline = events.filter((e): e is [string, string] => Boolean(e[0])).sort((a, b) => a[0].localeCompare(b[0]))
  const file = `handoff-${handoff.id}-evidence.json`
  return markup`<h1>Handoff <span class="mono">${handoff.id}</span></h1>
  <table><tbody>
    <tr><th scope="row">Report</th><td class="mono">${handoff.report_id}</td></tr>
    <tr><th scope="row">From → to</th><td>${handoff.sender} → ${handoff.destination}</td></tr>
    <tr><th scope="row">State</th><td>${handoff.state}${handoff.urgent ? ' (urgent)' : ''}</td></tr>
  </tbody></table>
  <h2>Timeline</h2>
  <ol>${timeline.map(([at, what]) => markup`<li><time datetime="${at}">${at.replace('T', ' ').slice(0, 19)} UTC</time>: ${what}</li>`)}</ol>
  <h2>Evidence</h2>
  <p><a class="button" href="/audit/handoffs/${handoff.id}/evidence" download="${file}">Download the evidence bundle</a></p>
  <p>Check it offline, without trusting this gateway (pin the log key out of band):</p>
  <pre>hotline-gateway audit verify-evidence ${file} --key '${verifierKey ?? '<log verifier key>'}'</pre>`
}
