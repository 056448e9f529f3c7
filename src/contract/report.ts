/**
 * The canonical report, hand-written to match schemas/report.v1.json (the schema is the authority:
 * a value of these types is only trusted after validateReport accepted it). Field docs live in the
 * schema's `description`s, which is also what the API documentation shows. Below intake, routing,
 * handoffs and formats, which all speak of reports.
 */

export type Channel = 'web_form' | 'phone_operator' | 'platform_escalation' | 'trusted_flagger' | 'hotline_referral' | 'law_enforcement'

export type SourceType = 'article_16' | 'trusted_flagger' | 'voluntary' | 'hotline' | 'law_enforcement'

export interface ReportSource {
  source_type: SourceType
  /** [A-Za-z0-9_-], at most 500 characters. */
  external_id?: string
  /** CyberTipline report ids are written `cybertipline:<id>`. */
  prior_report_refs?: string[]
}

export interface ReporterContact {
  name?: string
  email?: string
  /** E.164, e.g. `+31201234567`. */
  phone?: string
}

/** Anonymous reporters carry no contact data at all; identified reporters must give some. */
export type Reporter =
  | {
      anonymous: true
      contact?: never
      consent_to_contact?: false
      bona_fide_statement?: boolean
      share_contact_with_platform?: false
      /** Set by projections: the reporter gave contact data this recipient is not given. */
      contact_withheld?: true
    }
  | {
      anonymous: false
      contact: ReporterContact
      consent_to_contact?: boolean
      bona_fide_statement?: boolean
      share_contact_with_platform?: boolean
      contact_withheld?: never
    }

export type IncidentType =
  | 'child_pornography'
  | 'child_sex_trafficking'
  | 'child_sex_tourism'
  | 'child_sexual_molestation'
  | 'misleading_domain_name'
  | 'misleading_words_or_digital_images'
  | 'online_enticement'
  | 'unsolicited_obscene_material_to_child'

/** Report-level CyberTipline annotations (reportAnnotations). */
export type ReportAnnotation = 'sextortion' | 'csam_solicitation' | 'minor_to_minor' | 'spam' | 'sadistic_online_exploitation' | 'informational'

/** File-level CyberTipline annotations (fileAnnotations). */
export type FileAnnotation =
  | 'anime_drawing_virtual_hentai'
  | 'potential_meme'
  | 'viral'
  | 'possible_self_production'
  | 'physical_harm'
  | 'violence_gore'
  | 'bestiality'
  | 'live_streaming'
  | 'infant_toddler'
  | 'generative_ai'

export type Annotation = ReportAnnotation | FileAnnotation

export interface Incident {
  type: IncidentType
  annotations?: Annotation[]
  /** RFC 3339 date-time with offset. */
  occurred_at?: string
  description?: string
  legal_ground?: string
  explanation?: string
}

export type Urgency = { imminent_danger: true; reason: string } | { imminent_danger: false; reason?: string }

export type LocatorType = 'onion' | 'magnet' | 'ipfs' | 'app_id' | 'username' | 'other'

export interface Locator {
  type: LocatorType
  value: string
}

export type ContentType = 'image' | 'video' | 'live_stream' | 'text' | 'comment' | 'chat' | 'profile' | 'app' | 'other'

export type HashAlgorithm = 'md5' | 'sha1' | 'sha256' | 'pdq' | 'photodna' | 'tmk_pdqf' | 'vpdq'

export interface ItemHash {
  alg: HashAlgorithm
  value: string
}

export interface Hosting {
  ip?: string
  provider?: string
  /** ISO 3166-1 alpha-2. */
  country?: string
  platform?: string
}

export type ClassificationStatus = 'baseline' | 'nationally_illegal' | 'not_illegal' | 'unassessed'

export interface Classification {
  status: ClassificationStatus
  jurisdiction?: string
  classified_by?: string
}

interface ItemDetails {
  content_type?: ContentType
  context?: string
  hashes?: ItemHash[]
  hosting?: Hosting
  classification?: Classification
  labels?: string[]
}

/** Exactly one of `url` and `locator`. */
export type ReportItem = ItemDetails & ({ url: string; locator?: never } | { locator: Locator; url?: never })

export interface ReportedAccount {
  service?: string
  screen_name?: string
  display_name?: string
  profile_url?: string
}

export interface CanonicalReport {
  schema_version: '1'
  channel: Channel
  source: ReportSource
  reporter: Reporter
  incident: Incident
  urgency?: Urgency
  items: ReportItem[]
  reported_accounts?: ReportedAccount[]
  reporter_country?: string
  victim_country?: string
  /** BCP 47. */
  language?: string
}
