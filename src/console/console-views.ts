import { markup, type Html, type Renderable } from '../pages/html.ts'
import { page } from '../pages/layout.ts'
import { messagesFor } from '../pages/messages.ts'
import type { FormError, ReportFormFields } from '../pages/report-form-fields.ts'
import { reportFormBody } from '../pages/report-form-view.ts'
import type { RecentReport } from './console-queries.ts'
import type { ConsoleSession } from './console-sessions.ts'

export interface ConsoleFrame {
  session: ConsoleSession
  /** The participant's name, for the header. */
  acting: string
  title: string
  body: Renderable
}

/** The console's frame: who is logged in for whom, its sections, logout. English: it is staff's tool. */
export function consolePage(frame: ConsoleFrame): Html {
  const nav = markup`<nav aria-label="Console"><ul>
    <li><a href="/console">Reports</a></li>
    <li><a href="/console/deliveries">Deliveries</a></li>
    <li><a href="/audit">Audit log</a></li>
    <li><form class="inline" method="post" action="/console/logout"><input type="hidden" name="form_token" value="${frame.session.formToken}"><button type="submit" class="secondary">Log out ${frame.session.subject}</button></form></li>
  </ul></nav>`
  return page({ language: 'en', title: `${frame.title} · console`, brand: `Console · ${frame.acting}`, nav, wide: true, body: frame.body })
}

export interface DashboardView {
  session: ConsoleSession
  values: ReportFormFields
  errors: FormError[]
  /** Which form the errors belong to. */
  failed?: 'urgent' | 'full'
  recent: RecentReport[]
  names: ReadonlyMap<string, string>
}

/** Urgent first: an imminent-danger call is two fields and one button; then the full form; then the latest reports. */
export function dashboardBody(view: DashboardView): Html {
  const urgentErrors = view.failed === 'urgent' ? view.errors : []
  const fieldError = (field: keyof ReportFormFields) => urgentErrors.find((e) => e.field === field)
  const m = messagesFor('en')
  const urgentValue = (field: keyof ReportFormFields) => (view.failed === 'urgent' ? view.values[field] : undefined)
  return markup`<h1>Operator console</h1>
  <section class="emergency" aria-labelledby="urgent-title">
    <h2 id="urgent-title">Urgent: a child is in danger now</h2>
    <form method="post" action="/console/reports" novalidate>
      <input type="hidden" name="form_token" value="${view.session.formToken}">
      <input type="hidden" name="lang" value="en">
      <input type="hidden" name="danger_now" value="yes">
      <input type="hidden" name="incident_type" value="child_sexual_molestation">
      <div class="field${fieldError('danger_reason') ? ' has-error' : ''}"><label for="u-reason">What is happening, and where</label>
      ${fieldError('danger_reason') && markup`<p class="error" id="u-reason-error">${m[fieldError('danger_reason')!.key]}</p>`}
      <textarea id="u-reason" name="danger_reason" rows="2" maxlength="3000" required>${urgentValue('danger_reason') ?? ''}</textarea></div>
      <div class="field${fieldError('links') ? ' has-error' : ''}"><label for="u-links">Link, profile or chat (one per line)</label>
      ${fieldError('links') && markup`<p class="error" id="u-links-error">${m[fieldError('links')!.key]}</p>`}
      <textarea id="u-links" name="links" rows="2" maxlength="20000" required${fieldError('links') ? markup` aria-invalid="true" aria-describedby="u-links-error"` : ''}>${urgentValue('links') ?? ''}</textarea></div>
      <p><button type="submit" class="danger">Send urgent report</button></p>
    </form>
  </section>
  <section aria-labelledby="phone-title">
    <h2 id="phone-title">Phone report</h2>
    ${reportFormBody({
      language: 'en',
      messages: m,
      hotline: '',
      emergencyNumber: '',
      action: '/console/reports',
      token: view.session.formToken,
      values: view.failed === 'full' ? view.values : {},
      errors: view.failed === 'full' ? view.errors : [],
      operator: true,
    })}
  </section>
  <section aria-labelledby="recent-title">
    <h2 id="recent-title">Recent reports</h2>
    ${recentTable(view.recent, view.names)}
  </section>`
}

function recentTable(reports: RecentReport[], names: ReadonlyMap<string, string>): Html {
  if (reports.length === 0) return markup`<p>No reports yet.</p>`
  return markup`<table><caption class="hint">The latest ${reports.length} reports keyed here, newest first.</caption>
    <thead><tr><th scope="col">Received</th><th scope="col">Report</th><th scope="col">Routed to, and why</th><th scope="col">Handoffs</th></tr></thead>
    <tbody>${reports.map(
      (r) => markup`<tr>
        <td>${r.received_at.toISOString().replace('T', ' ').slice(0, 19)} UTC</td>
        <td><a class="mono" href="/console/reports/${r.id}">${r.id}</a> ${r.urgent && markup`<span class="tag urgent">urgent</span>`} ${r.state === 'retracted' && markup`<span class="tag">retracted</span>`}</td>
        <td><ul>${r.destinations.map((d) => markup`<li>${names.get(d.participant_id) ?? d.participant_id}: ${d.rules.map((rule) => rule.reason).join('; ')}</li>`)}</ul></td>
        <td><ul>${r.handoffs.map((h) => markup`<li>${h.destination}: ${h.state}</li>`)}</ul></td>
      </tr>`,
    )}</tbody></table>`
}

/** A JSON value the API returns, shown as-is for the fields a person needs. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- checked against report-status.json by the API
type Status = Record<string, any>

export function reportBody(status: Status, names: ReadonlyMap<string, string>, formToken: string, notice?: string): Html {
  const decision = status.routing?.decision
  return markup`<h1>Report <span class="mono">${status.id}</span></h1>
  ${notice && markup`<p class="notice" role="status">${notice}</p>`}
  <table><tbody>
    <tr><th scope="row">State</th><td>${status.state}</td></tr>
    <tr><th scope="row">Channel</th><td>${status.channel}</td></tr>
    <tr><th scope="row">Received</th><td>${status.received_at}</td></tr>
    <tr><th scope="row">Case</th><td class="mono">${status.case_id}${status.duplicate_of && markup` (duplicate of ${status.duplicate_of})`}</td></tr>
    ${status.retracted_at && markup`<tr><th scope="row">Retracted</th><td>${status.retracted_at}: ${status.retraction_reason}</td></tr>`}
  </tbody></table>
  <h2>Routing</h2>
  ${
    decision
      ? markup`<ul>${(decision.destinations as Status[]).map(
          (d) =>
            markup`<li><strong>${names.get(d.participant_id) ?? d.participant_id}</strong>${d.urgent && markup` <span class="tag urgent">urgent</span>`}: ${(d.rules as Status[]).map((r) => r.reason).join('; ')}</li>`,
        )}</ul>
        ${(decision.skipped as Status[]).length > 0 && markup`<h3>Not sent to</h3><ul>${(decision.skipped as Status[]).map((s) => markup`<li>${names.get(s.participant_id) ?? s.participant_id ?? ''}: ${s.reason}</li>`)}</ul>`}
        <p class="hint">Directory version ${status.routing.directory_version}, rules version ${status.routing.ruleset_version}.</p>`
      : markup`<p>Not routed.</p>`
  }
  <h2>Handoffs</h2>
  <table><thead><tr><th scope="col">Destination</th><th scope="col">State</th><th scope="col">Latest status</th><th scope="col">Retraction</th><th scope="col">Created</th></tr></thead>
  <tbody>${(status.handoffs as Status[]).map(
    (
      h,
    ) => markup`<tr><td>${names.get(h.destination) ?? h.destination}${h.urgent && markup` <span class="tag urgent">urgent</span>`}<br><a class="mono" href="/audit/handoffs/${h.id}">${h.id}</a></td>
      <td>${h.state}</td><td>${h.status ? `${h.status.status} (${h.status.at})` : '–'}</td><td>${h.retraction ?? '–'}</td><td>${h.created_at}</td></tr>`,
  )}</tbody></table>
  ${
    status.state !== 'retracted' &&
    markup`<h2>Retract</h2>
    <form method="post" action="/console/reports/${status.id}/retract">
      <input type="hidden" name="form_token" value="${formToken}">
      <div class="field"><label for="f-reason">Why is the report withdrawn?</label><p class="hint" id="f-reason-hint">Stays with the report; never sent to the destinations.</p>
      <textarea id="f-reason" name="reason" rows="2" maxlength="1000" required aria-describedby="f-reason-hint"></textarea></div>
      <p><button type="submit" class="danger">Retract report</button></p>
    </form>`
  }`
}

export function deliveriesBody(escalations: Status[], deadLetters: Status[], formToken: string, notice?: string): Html {
  return markup`<h1>Deliveries</h1>
  ${notice && markup`<p class="notice" role="status">${notice}</p>`}
  <h2>Escalations: phone them</h2>
  ${
    escalations.length === 0
      ? markup`<p>No urgent handoff is waiting for a receipt.</p>`
      : markup`<table><thead><tr><th scope="col">Destination</th><th scope="col">Urgent contact</th><th scope="col">Handoff</th><th scope="col">Escalated</th></tr></thead><tbody>${escalations.map(
          (e) => markup`<tr><td>${e.destination_name ?? e.destination}</td>
          <td>${e.urgent_contact?.phone && markup`<a href="tel:${e.urgent_contact.phone}">${e.urgent_contact.phone}</a>`} ${e.urgent_contact?.email ?? ''} ${e.urgent_contact?.available && markup`<span class="hint">(${e.urgent_contact.available})</span>`}</td>
          <td class="mono">${e.handoff_id}<br>report ${e.report_id}</td><td>${e.escalated_at}</td></tr>`,
        )}</tbody></table>`
  }
  <h2>Dead letters</h2>
  ${
    deadLetters.length === 0
      ? markup`<p>No dead letters.</p>`
      : markup`<table><thead><tr><th scope="col">Destination</th><th scope="col">Handoff</th><th scope="col">Last error</th><th scope="col">Action</th></tr></thead><tbody>${deadLetters.map(
          (
            d,
          ) => markup`<tr><td>${d.participant_id}${d.urgent && markup` <span class="tag urgent">urgent</span>`}</td><td class="mono">${d.id}</td><td>${d.last_error ?? ''}</td>
          <td><form method="post" action="/console/handoffs/${d.id}/redeliver"><input type="hidden" name="form_token" value="${formToken}"><button type="submit" aria-label="Redeliver ${d.id}">Redeliver</button></form></td></tr>`,
        )}</tbody></table>`
  }`
}

export function signedOutBody(message: string): Html {
  return markup`<h1>Operator console</h1><p>${message}</p><p><a class="button" href="/console/login">Log in</a></p>`
}
