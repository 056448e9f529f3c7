import type { PlatformNoticeContent } from '../../routing/projection.ts'
import type { Ajv2020 } from 'ajv/dist/2020.js'
import { compileIntakeSchema, DSA_NOTICE_SCHEMA_ID, sharedIntakeAjv } from '../intake-schemas.ts'
import type { CanonicalReport, Channel, FieldError, IncidentType, ReportItem } from '../report-types.ts'
import { toFieldErrors } from '../../http/field-errors.ts'
import { compact } from './compact.ts'
import { FormatError } from './format-error.ts'

/** Served as this media type; the body is schemas/dsa-notice.v1.json. */
export const DSA_NOTICE_MEDIA_TYPE = 'application/vnd.hotline-gateway.dsa-notice.v1+json'

/** An EU DSA Article 16 notice, matching schemas/dsa-notice.v1.json. */
export interface DsaNotice {
  /** Art. 16(2)(b): the exact URLs. */
  urls: string[]
  additional_information?: string
  /** Art. 16(2)(a): the substantiated explanation. */
  explanation: string
  legal_ground?: string
  incident_type?: IncidentType
  /** Art. 16(2)(c): optional for child sexual abuse material. */
  notifier?: DsaNotifier
  /** Art. 16(2)(d): always true. */
  bona_fide_statement: true
  platform?: string
}

export interface DsaNotifier {
  name?: string
  email: string
}

export type DsaNoticeValidation = { ok: true; notice: DsaNotice } | { ok: false; errors: FieldError[] }
export type DsaNoticeValidator = (value: unknown) => DsaNoticeValidation

export function createDsaNoticeValidator(ajv: Ajv2020): DsaNoticeValidator {
  const validate = compileIntakeSchema<DsaNotice>(ajv, DSA_NOTICE_SCHEMA_ID)
  return (value) => (validate(value) ? { ok: true, notice: value } : { ok: false, errors: toFieldErrors(validate.errors) })
}

let standalone: DsaNoticeValidator | undefined

export function validateDsaNotice(value: unknown): DsaNoticeValidation {
  standalone ??= createDsaNoticeValidator(sharedIntakeAjv())
  return standalone(value)
}

export interface FromDsaNoticeOptions {
  /** article_16 by default; trusted_flagger for a notice from a DSA Article 22 trusted flagger. */
  sourceType?: 'article_16' | 'trusted_flagger'
  /** web_form by default (trusted_flagger for a trusted flagger's notice). */
  channel?: Channel
  /** Validator for the notice; pass the one built on the server's Ajv to share its compiled schema. */
  validator?: DsaNoticeValidator
}

/**
 * Maps a DSA notice to a canonical report. The notice is validated first (so bona_fide_statement
 * false, a missing explanation or a data: URL are FormatErrors with JSON pointers); a notice
 * without notifier becomes an anonymous report, as Art. 16(2)(c) allows for CSAM.
 */
export function fromDsaNotice(input: unknown, opts: FromDsaNoticeOptions = {}): CanonicalReport {
  const checked = (opts.validator ?? validateDsaNotice)(input)
  if (!checked.ok) throw new FormatError('FORMAT_SCHEMA_VIOLATION', checked.errors)
  const notice = checked.notice
  const sourceType = opts.sourceType ?? 'article_16'
  return {
    schema_version: '1',
    channel: opts.channel ?? (sourceType === 'trusted_flagger' ? 'trusted_flagger' : 'web_form'),
    source: { source_type: sourceType },
    reporter:
      notice.notifier === undefined
        ? { anonymous: true, bona_fide_statement: true }
        : { anonymous: false, contact: compact({ ...notice.notifier }), bona_fide_statement: true },
    incident: compact({
      type: notice.incident_type ?? 'child_pornography',
      description: notice.additional_information,
      legal_ground: notice.legal_ground,
      explanation: notice.explanation,
    }),
    items: notice.urls.map((url) => compact({ url, hosting: notice.platform === undefined ? undefined : { platform: notice.platform } })),
  }
}

export interface ToDsaNoticeOptions {
  /**
   * Who sends the notice: the hotline or gateway operator. The reporter's own contact is never
   * copied into a notice, because a platform must not learn who reported its user.
   */
  notifier?: DsaNotifier
}

/**
 * The notice a hosting provider receives for a report. Only URL items can be notified; the report
 * needs a substantiated explanation (Art. 16(2)(a)). Throws FormatError FORMAT_NOT_REPRESENTABLE otherwise.
 */
export function toDsaNotice(report: CanonicalReport, opts: ToDsaNoticeOptions = {}): DsaNotice {
  const urlItems = report.items.filter((item): item is ReportItem & { url: string } => item.url !== undefined)
  const problems: FieldError[] = []
  if (urlItems.length === 0) problems.push({ pointer: '/items', message: 'a DSA notice needs at least one URL item' })
  const explanation = report.incident.explanation
  if (explanation === undefined) problems.push({ pointer: '/incident/explanation', message: 'is required for a DSA notice (Art. 16(2)(a))' })
  if (problems.length > 0 || explanation === undefined) throw new FormatError('FORMAT_NOT_REPRESENTABLE', problems)
  return compact({
    urls: [...new Set(urlItems.map((item) => item.url))],
    additional_information: report.incident.description,
    explanation,
    legal_ground: report.incident.legal_ground,
    incident_type: report.incident.type,
    notifier: opts.notifier === undefined ? undefined : compact({ ...opts.notifier }),
    bona_fide_statement: true as const,
    platform: urlItems.find((item) => item.hosting?.platform !== undefined)?.hosting?.platform,
  })
}

/**
 * The notice a platform receives through the gateway: built only from the platform projection
 * (routing's `project(report, 'platform', { items })`), so it carries the item locations, the legal
 * ground and the explanation, and nothing else: no description, reporter or classification.
 * The notifier is the party sending it (the gateway or the hotline), never the original reporter.
 */
export function toPlatformNotice(content: PlatformNoticeContent, opts: ToDsaNoticeOptions = {}): DsaNotice {
  const urls = content.items.flatMap((item) => ('url' in item ? [item.url] : []))
  const explanation = content.incident?.explanation
  const problems: FieldError[] = []
  if (urls.length === 0) problems.push({ pointer: '/items', message: 'a DSA notice needs at least one URL item' })
  if (explanation === undefined) problems.push({ pointer: '/incident/explanation', message: 'is required for a DSA notice (Art. 16(2)(a))' })
  if (problems.length > 0 || explanation === undefined) throw new FormatError('FORMAT_NOT_REPRESENTABLE', problems)
  return compact({
    urls: [...new Set(urls)],
    explanation,
    legal_ground: content.incident?.legal_ground,
    notifier: opts.notifier === undefined ? undefined : compact({ ...opts.notifier }),
    bona_fide_statement: true as const,
  })
}
