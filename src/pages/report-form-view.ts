import { checkbox, errorSummary, select, textArea, textInput } from './form-controls.ts'
import { markup, type Html } from './html.ts'
import { fill, type Language, type Messages } from './messages.ts'
import { ALL_INCIDENT_TYPES, FORM_CONTENT_TYPES, FORM_INCIDENT_TYPES, type FormError, type ReportFormFields } from './report-form-fields.ts'

export interface ReportFormView {
  language: Language
  messages: Messages
  /** The participant the form runs for (its sender). */
  hotline: string
  emergencyNumber: string
  /** Where the form posts. */
  action: string
  token: string
  values: ReportFormFields
  errors: FormError[]
  /** The console's variant: the urgent block first, no anonymous-reporter wording. */
  operator?: boolean
}

/** The report form, in the reporter's language: urgent first, then what was seen, then optional contact. */
export function reportFormBody(view: ReportFormView): Html {
  const m = view.messages
  const v = view.values
  const errorFor = (field: keyof ReportFormFields) => {
    const error = view.errors.find((e) => e.field === field)
    return error && fill(m[error.key], error.values ?? {})
  }
  const common = (name: keyof ReportFormFields, label: string, required = false) => ({
    name,
    label,
    error: errorFor(name),
    required,
    marker: required ? m.required : m.optional,
  })
  const incidentTypes = view.operator ? ALL_INCIDENT_TYPES : FORM_INCIDENT_TYPES
  return markup`${!view.operator && markup`<h1>${m.htmlTitle}</h1>`}
    ${errorSummary(
      m.errorsTitle,
      view.errors.map((e) => ({ field: e.field === 'form_token' ? 'links' : e.field, text: fill(m[e.key], e.values ?? {}) })),
    )}
    ${!view.operator && markup`<p>${fill(m.intro, { hotline: view.hotline })}</p>`}
    ${!view.operator && emergency(m, view.emergencyNumber)}
    <form method="post" action="${view.action}" novalidate>
      <input type="hidden" name="lang" value="${view.language}" />
      <input type="hidden" name="form_token" value="${view.token}" />
      <fieldset class="danger">
        <legend>${m.dangerTitle}</legend>
        ${checkbox({ ...common('danger_now', m.dangerLabel), marker: undefined, checked: v.danger_now === 'yes' })}
        ${textArea({ ...common('danger_reason', m.dangerReasonLabel), value: v.danger_reason, maxlength: 3000, rows: 3 })}
      </fieldset>
      <fieldset>
        <legend>${m.whatTitle}</legend>
        ${textArea({ ...common('links', m.linksLabel, true), hint: m.linksHint, value: v.links, maxlength: 20000, rows: 3 })}
        ${select({
          ...common('incident_type', m.incidentLabel, true),
          value: v.incident_type,
          options: [{ value: '', label: m.choose }, ...incidentTypes.map((type) => ({ value: type, label: m[`incident.${type}`] }))],
        })}
        ${select({
          ...common('content_type', m.contentTypeLabel),
          value: v.content_type,
          options: [{ value: '', label: m['content.unknown'] }, ...FORM_CONTENT_TYPES.map((type) => ({ value: type, label: m[`content.${type}`] }))],
        })}
        ${textInput({ ...common('platform', m.platformLabel), value: v.platform, maxlength: 200 })}
        ${textArea({ ...common('comments', m.commentsLabel), hint: m.commentsHint, value: v.comments, maxlength: 2000 })}
        ${textInput({ ...common('seen_on', m.seenOnLabel), type: 'date', value: v.seen_on, maxlength: 10 })}
        ${textArea({ ...common('description', m.descriptionLabel), value: v.description, maxlength: 5000 })}
      </fieldset>
      <fieldset>
        <legend>${m.contactTitle} <span class="marker">(${m.optional})</span></legend>
        <p class="hint">${m.contactHint}</p>
        ${textInput({ ...common('contact_name', m.nameLabel), marker: undefined, value: v.contact_name, maxlength: 200, autocomplete: 'name' })}
        ${textInput({ ...common('contact_email', m.emailLabel), marker: undefined, type: 'email', value: v.contact_email, maxlength: 254, autocomplete: 'email' })}
        ${textInput({ ...common('contact_phone', m.phoneLabel), marker: undefined, hint: m.phoneHint, type: 'tel', value: v.contact_phone, maxlength: 30, autocomplete: 'tel' })}
        ${checkbox({ ...common('consent', m.consentLabel), marker: undefined, checked: v.consent === 'yes' })}
      </fieldset>
      <div class="hp" aria-hidden="true">
        <label for="f-website">${m.honeypotLabel}</label><input id="f-website" name="website" type="text" value="" tabindex="-1" autocomplete="off" />
      </div>
      ${!view.operator && checkbox({ ...common('bona_fide', m.bonaFideLabel, true), checked: v.bona_fide === 'yes' })}
      <p><button type="submit">${m.submit}</button></p>
    </form>`
}

function emergency(m: Messages, number: string): Html {
  return markup`<section class="emergency" aria-labelledby="emergency-title">
    <h2 id="emergency-title">${m.emergencyTitle}</h2>
    <p class="number"><a href="tel:${number}">${number}</a></p>
    <p>${fill(m.emergencyText, { number })}</p>
  </section>`
}

export interface ConfirmationView {
  messages: Messages
  reference: string
  urgent: boolean
  emergencyNumber: string
  again: string
}

export function confirmationBody(view: ConfirmationView): Html {
  const m = view.messages
  return markup`<h1>${m.thanksTitle}</h1>
    ${
      view.urgent &&
      markup`<div class="emergency" role="status">
        <p><strong>${m.urgentSent}</strong></p>
        <p>${fill(m.callNow, { number: view.emergencyNumber })}</p>
      </div>`
    }
    <p>${m.referenceLabel}:</p>
    <p class="reference" id="reference">${view.reference}</p>
    <p>${m.referenceHint}</p>
    <p><a href="${view.again}">${m.another}</a></p>`
}
