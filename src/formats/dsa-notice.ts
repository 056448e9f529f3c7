import type { CanonicalReport, Channel, IncidentType, Locator, Reporter } from '../contract/report.ts'
import { canonicalize } from '../crypto/jcs.ts'
import type { FieldError } from '../http/field-errors.ts'
import { compact } from './compact.ts'
import { FormatError } from './format-error.ts'
import type { ReportFormatOf } from './report-format.ts'

/** Served as this media type; the body is schemas/dsa-notice.v1.json. */
const DSA_NOTICE_MEDIA_TYPE = 'application/vnd.hotline-gateway.dsa-notice.v1+json'

/** An EU DSA Article 16 notice, matching schemas/dsa-notice.v1.json. */
export interface DsaNotice {
  /** Art. 16(2)(b): the exact URLs. */
  urls: string[]
  /** Art. 16(2)(b): what identifies the content at every URL. */
  additional_information?: string
  /** Art. 16(2)(b): what identifies the content at one URL. */
  locations?: DsaLocation[]
  /** Art. 16(2)(a): the substantiated explanation. */
  explanation: string
  legal_ground?: string
  incident_type?: IncidentType
  /** Art. 16(2)(c): optional for child sexual abuse material. */
  notifier?: DsaNotifier
  /** The notifier is known to whoever sends the notice, and not named in it. */
  contact_withheld?: true
  /** Art. 16(2)(d): only when the notifier made it (always in a notice sent to the gateway). */
  bona_fide_statement?: true
  platform?: string
}

interface DsaNotifier {
  name?: string
  email: string
  /** In a notice sent to the gateway: the platform it is passed on to may be given name and email. */
  share_with_platform?: boolean
}

interface DsaLocation {
  url: string
  additional_information: string
}

type DsaNoticeValidation = { ok: true; notice: DsaNotice } | { ok: false; errors: FieldError[] }
/** Checks a notice sent to the gateway against schemas/dsa-notice.v1.json#/$defs/submitted (intake compiles it). */
export type DsaNoticeValidator = (value: unknown) => DsaNoticeValidation

/** What a platform is sent: the content of a notice, nothing of the case, the reporter only as they agreed (routing's platform projection). */
export interface PlatformNoticeContent {
  items: Array<({ url: string } | { locator: Locator }) & { context?: string }>
  incident?: { legal_ground?: string; explanation?: string }
  reporter?: { bona_fide_statement?: boolean; contact?: { name?: string; email?: string }; contact_withheld?: true }
}

export interface FromDsaNoticeOptions {
  /** article_16 by default; trusted_flagger for a notice from a DSA Article 22 trusted flagger. */
  sourceType?: 'article_16' | 'trusted_flagger'
  /** web_form by default (trusted_flagger for a trusted flagger's notice). */
  channel?: Channel
  /** The notice's validator, compiled on the server's Ajv (intake's createDsaNoticeValidator). */
  validator: DsaNoticeValidator
}

/**
 * Maps a DSA notice to a canonical report. The notice is validated first (so bona_fide_statement
 * false, a missing explanation or a data: URL are FormatErrors with JSON pointers). What identifies
 * the content (additional_information, locations) becomes each item's context, which a platform is
 * sent; a notice without notifier becomes an anonymous report, as Art. 16(2)(c) allows for CSAM.
 */
export function fromDsaNotice(input: unknown, opts: FromDsaNoticeOptions): CanonicalReport {
  const checked = opts.validator(input)
  if (!checked.ok) throw new FormatError('FORMAT_SCHEMA_VIOLATION', checked.errors)
  const notice = checked.notice
  const contexts = locationContexts(notice)
  const sourceType = opts.sourceType ?? 'article_16'
  return {
    schema_version: '1',
    channel: opts.channel ?? (sourceType === 'trusted_flagger' ? 'trusted_flagger' : 'web_form'),
    source: { source_type: sourceType },
    reporter: notifierAsReporter(notice),
    incident: compact({ type: notice.incident_type ?? 'child_pornography', legal_ground: notice.legal_ground, explanation: notice.explanation }),
    items: notice.urls.map((url) =>
      compact({
        url,
        context: contexts.get(url) ?? notice.additional_information,
        hosting: notice.platform === undefined ? undefined : { platform: notice.platform },
      }),
    ),
  }
}

function notifierAsReporter(notice: DsaNotice): Reporter {
  const bonaFide = notice.bona_fide_statement === true ? { bona_fide_statement: true } : {}
  if (notice.notifier === undefined) return { anonymous: true, ...bonaFide, ...(notice.contact_withheld ? { contact_withheld: true } : {}) }
  const { share_with_platform: share, ...contact } = notice.notifier
  return { anonymous: false, contact, ...bonaFide, ...(share === true ? { share_contact_with_platform: true } : {}) }
}

/** locations by URL; each must name one of the notice's urls, once. */
function locationContexts(notice: DsaNotice): Map<string, string> {
  const urls = new Set(notice.urls)
  const contexts = new Map<string, string>()
  const problems: FieldError[] = []
  notice.locations?.forEach(({ url, additional_information }, i) => {
    if (!urls.has(url)) problems.push({ pointer: `/locations/${i}/url`, message: "must be one of the notice's urls" })
    else if (contexts.has(url)) problems.push({ pointer: `/locations/${i}/url`, message: 'names a URL an earlier location names' })
    contexts.set(url, additional_information)
  })
  if (problems.length > 0) throw new FormatError('FORMAT_SCHEMA_VIOLATION', problems)
  return contexts
}

/**
 * The notice a platform receives through the gateway: built only from the platform projection
 * (routing's `project(report, 'platform', { items })`), so it carries what Art. 16(2) asks for and
 * the reporter gave: the item locations with what identifies the content at each, the explanation
 * and legal ground, the bona fide statement only when the reporter made it, and the reporter's name
 * and email only when they agreed to share them (else `contact_withheld`, unless they were anonymous).
 * Never the description, the classification or the case.
 */
export function toPlatformNotice(content: PlatformNoticeContent): DsaNotice {
  const urlItems = content.items.flatMap((item) => ('url' in item ? [item] : []))
  const explanation = content.incident?.explanation
  const problems: FieldError[] = []
  if (urlItems.length === 0) problems.push({ pointer: '/items', message: 'a DSA notice needs at least one URL item' })
  if (explanation === undefined) problems.push({ pointer: '/incident/explanation', message: 'is required for a DSA notice (Art. 16(2)(a))' })
  if (problems.length > 0 || explanation === undefined) throw new FormatError('FORMAT_NOT_REPRESENTABLE', problems)
  const reporter = content.reporter
  const email = reporter?.contact?.email
  return compact({
    urls: [...new Set(urlItems.map((item) => item.url))],
    ...identification(urlItems),
    explanation,
    legal_ground: content.incident?.legal_ground,
    notifier: email === undefined ? undefined : compact({ name: reporter?.contact?.name, email }),
    // a contact without an email cannot name a notifier (Art. 16(4) confirms receipt by email)
    contact_withheld: email === undefined && (reporter?.contact_withheld === true || reporter?.contact !== undefined) ? (true as const) : undefined,
    bona_fide_statement: reporter?.bona_fide_statement === true ? (true as const) : undefined,
  })
}

/** One context shared by every URL is the notice's additional_information; different ones are per-URL locations. */
function identification(items: Array<{ url: string; context?: string }>): Pick<DsaNotice, 'additional_information' | 'locations'> {
  const contexts = new Set(items.map((item) => item.context))
  const [only] = contexts
  if (contexts.size === 1) return only === undefined ? {} : { additional_information: only }
  const seen = new Set<string>()
  const locations = items.flatMap(({ url, context }) => {
    if (context === undefined || seen.has(url)) return []
    seen.add(url)
    return [{ url, additional_information: context }]
  })
  return { locations }
}

/**
 * EU DSA Article 16 notices: read from a notifier (a trusted flagger, a hotline, the public), written
 * to platforms, which take nothing else; a notice carries URLs only and needs its explanation.
 */
export const DSA_NOTICE: ReportFormatOf<'notice'> = {
  name: 'dsa_notice_v1',
  mediaType: DSA_NOTICE_MEDIA_TYPE,
  channel: { hotline: 'trusted_flagger', law_enforcement: 'law_enforcement', platform: 'trusted_flagger', operator: 'web_form', auditor: undefined },
  read: (body, context) => fromDsaNotice(body, { channel: context.channel, validator: context.validateDsaNotice }),
  sentTo: ['platform'],
  projection: 'notice',
  write: (content) => canonicalize(toPlatformNotice(content)),
  urlsOnly: true,
  unfit: (report) =>
    report.incident.explanation === undefined
      ? 'takes notices, and a notice needs the explanation of why the material is illegal (DSA Art. 16(2)(a)), which this report lacks'
      : undefined,
}
