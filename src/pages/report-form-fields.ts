import type { CanonicalReport, ContentType, FieldError, IncidentType, ReportItem } from '../intake/report.ts'
import type { Language, MessageKey } from './messages.ts'

/** What the public form (and the operator console's report form) posts: every field a string. */
export interface ReportFormFields {
  lang?: string
  form_token?: string
  /** The honeypot: people never see it, flooding scripts fill it. */
  website?: string
  links?: string
  incident_type?: string
  content_type?: string
  platform?: string
  comments?: string
  seen_on?: string
  description?: string
  danger_now?: string
  danger_reason?: string
  contact_name?: string
  contact_email?: string
  contact_phone?: string
  consent?: string
  bona_fide?: string
}

type FieldName = keyof ReportFormFields

/** One thing to correct: the field it is about and what to say, in the page's language. */
export interface FormError {
  field: FieldName
  key: MessageKey
  values?: Record<string, string | number>
}

/** The incident types a member of the public can tell apart, in the order the form offers them. */
export const FORM_INCIDENT_TYPES = [
  'child_pornography',
  'online_enticement',
  'unsolicited_obscene_material_to_child',
  'child_sex_trafficking',
  'misleading_words_or_digital_images',
] as const satisfies readonly IncidentType[]

/** The operator console offers every type: hotline staff know the distinctions. */
export const ALL_INCIDENT_TYPES = [
  ...FORM_INCIDENT_TYPES,
  'child_sexual_molestation',
  'child_sex_tourism',
  'misleading_domain_name',
] as const satisfies readonly IncidentType[]

export const FORM_CONTENT_TYPES = ['image', 'video', 'live_stream', 'chat', 'comment', 'profile', 'other'] as const satisfies readonly ContentType[]

const MAX_FORM_LINKS = 20

/** Written into the report when the reporter ticked "in danger" without saying why (the schema needs a reason). */
const DANGER_WITHOUT_REASON = 'The reporter ticked "a child is in danger right now" and gave no further reason.'

export type FormMapping = { ok: true; report: CanonicalReport } | { ok: false; errors: FormError[] }

interface MappingOptions {
  channel: 'web_form' | 'phone_operator'
  language: Language
  /** Today (YYYY-MM-DD, UTC): a sighting cannot be later. */
  today: string
}

/**
 * The form's answers as a canonical report. What a person cannot be expected to type exactly is
 * normalised (a link without its scheme, spaces in a phone number); everything else is left for the
 * canonical schema to judge, whose errors `formErrorsFrom` brings back to the fields.
 */
export function reportFromForm(form: ReportFormFields, options: MappingOptions): FormMapping & { lines: number[] } {
  const errors: FormError[] = []
  const { items, lines } = itemsFrom(form, errors)
  const operator = options.channel === 'phone_operator'
  const incident = (operator ? ALL_INCIDENT_TYPES : FORM_INCIDENT_TYPES).find((type) => type === form.incident_type)
  if (!incident) errors.push({ field: 'incident_type', key: 'error.incident_type.required' })
  // the public's own statement (DSA Art. 16(2)(d)); an operator keying a call makes none for the caller
  if (!operator && form.bona_fide !== 'yes') errors.push({ field: 'bona_fide', key: 'error.bona_fide.required' })
  const seenOn = text(form.seen_on)
  if (seenOn && (!/^\d{4}-\d{2}-\d{2}$/.test(seenOn) || Number.isNaN(Date.parse(seenOn)) || seenOn > options.today)) {
    errors.push({ field: 'seen_on', key: 'error.seen_on.invalid' })
  }
  const reporter = reporterFrom(form, errors)
  if (errors.length > 0 || !incident) return { ok: false, errors, lines }
  const danger = form.danger_now === 'yes'
  const report: CanonicalReport = {
    schema_version: '1',
    channel: options.channel,
    source: { source_type: 'hotline' },
    reporter,
    incident: {
      type: incident,
      ...(seenOn ? { occurred_at: `${seenOn}T00:00:00Z` } : {}),
      ...optional('description', form.description),
    },
    ...(danger ? { urgency: { imminent_danger: true as const, reason: text(form.danger_reason) ?? DANGER_WITHOUT_REASON } } : {}),
    items,
    language: options.language,
  }
  return { ok: true, report, lines }
}

function itemsFrom(form: ReportFormFields, errors: FormError[]): { items: ReportItem[]; lines: number[] } {
  const items: ReportItem[] = []
  const lines: number[] = []
  const contentType = FORM_CONTENT_TYPES.find((type) => type === form.content_type)
  const platform = text(form.platform)
  const context = text(form.comments)
  ;(form.links ?? '').split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim()
    if (!line) return
    const url = /^https?:\/\//i.test(line) ? line : /^[\w-]+(\.[\w-]+)+([/?#]\S*)?$/.test(line) ? `http://${line}` : undefined
    if (!url) errors.push({ field: 'links', key: 'error.links.invalid', values: { line: index + 1 } })
    items.push({
      url: url ?? line,
      ...(contentType ? { content_type: contentType } : {}),
      ...(platform ? { hosting: { platform } } : {}),
      ...(context ? { context } : {}),
    })
    lines.push(index + 1)
  })
  if (items.length === 0) errors.push({ field: 'links', key: 'error.links.required' })
  if (items.length > MAX_FORM_LINKS) errors.push({ field: 'links', key: 'error.links.tooMany', values: { max: MAX_FORM_LINKS } })
  return { items, lines }
}

function reporterFrom(form: ReportFormFields, errors: FormError[]): CanonicalReport['reporter'] {
  const name = text(form.contact_name)
  const email = text(form.contact_email)
  const rawPhone = text(form.contact_phone)
  const phone = rawPhone?.replace(/[\s().-]/g, '').replace(/^00/, '+')
  const consent = form.consent === 'yes'
  const bonaFide = form.bona_fide === 'yes' ? { bona_fide_statement: true } : {}
  if (consent && !email && !phone) errors.push({ field: 'consent', key: 'error.consent.needsContact' })
  if (!name && !email && !phone) return { anonymous: true, ...bonaFide }
  const contact = { ...(name ? { name } : {}), ...(email ? { email } : {}), ...(phone ? { phone } : {}) }
  return { anonymous: false, contact, consent_to_contact: consent, ...bonaFide }
}

/** Where each canonical field came from on the form. */
const FIELD_OF: ReadonlyArray<readonly [RegExp, FieldName]> = [
  [/^\/items\/\d+\/hosting/, 'platform'],
  [/^\/items\/\d+\/context/, 'comments'],
  [/^\/items(\/|$)/, 'links'],
  [/^\/incident\/description/, 'description'],
  [/^\/incident\/occurred_at/, 'seen_on'],
  [/^\/incident/, 'incident_type'],
  [/^\/urgency/, 'danger_reason'],
  [/^\/reporter\/contact\/email/, 'contact_email'],
  [/^\/reporter\/contact\/phone/, 'contact_phone'],
  [/^\/reporter\/contact\/name/, 'contact_name'],
  [/^\/reporter/, 'consent'],
]

/** The canonical schema's verdict, said about the form's fields (one error per field). */
export function formErrorsFrom(errors: FieldError[], lines: number[]): FormError[] {
  const out = new Map<FieldName, FormError>()
  for (const error of errors) {
    const field = FIELD_OF.find(([pattern]) => pattern.test(error.pointer))?.[1] ?? 'links'
    if (out.has(field)) continue
    out.set(field, describe(field, error, lines))
  }
  return [...out.values()]
}

function describe(field: FieldName, error: FieldError, lines: number[]): FormError {
  if (/longer than|fewer than/.test(error.message) && field !== 'links') return { field, key: 'error.tooLong' }
  if (field === 'links') {
    const index = Number(/^\/items\/(\d+)/.exec(error.pointer)?.[1] ?? 0)
    return { field, key: 'error.links.invalid', values: { line: lines[index] ?? index + 1 } }
  }
  if (field === 'contact_email') return { field, key: 'error.contact_email.invalid' }
  if (field === 'contact_phone') return { field, key: 'error.contact_phone.invalid' }
  if (field === 'consent') return { field, key: 'error.consent.needsContact' }
  return { field, key: 'error.invalid' }
}

function text(value: string | undefined): string | undefined {
  const trimmed = value?.trim()
  return trimmed ? trimmed : undefined
}

function optional<K extends string>(key: K, value: string | undefined): Partial<Record<K, string>> {
  const trimmed = text(value)
  return trimmed ? ({ [key]: trimmed } as Record<K, string>) : {}
}
