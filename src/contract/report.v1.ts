// Generated from schemas/report.v1.json by scripts/contract-types.js (npm run contract:types): do not edit.

/**
 * The NCMEC CyberTipline incident types as stable snake_case names. CyberTipline label for each: child_pornography = "Child Pornography (possession, manufacture, and distribution)"; child_sex_trafficking = "Child Sex Trafficking"; child_sex_tourism = "Child Sex Tourism"; child_sexual_molestation = "Child Sexual Molestation"; misleading_domain_name = "Misleading Domain Name"; misleading_words_or_digital_images = "Misleading Words or Digital Images on the Internet"; online_enticement = "Online Enticement of Children for Sexual Acts"; unsolicited_obscene_material_to_child = "Unsolicited Obscene Material Sent to a Child".
 */
export type IncidentType =
  | 'child_pornography'
  | 'child_sex_trafficking'
  | 'child_sex_tourism'
  | 'child_sexual_molestation'
  | 'misleading_domain_name'
  | 'misleading_words_or_digital_images'
  | 'online_enticement'
  | 'unsolicited_obscene_material_to_child'
/**
 * An ISO 3166-1 alpha-2 code, upper case (schemas/defs/country.json lists them).
 */
export type Country = string

/**
 * The gateway's canonical report of online child sexual abuse material, modelled on NCMEC CyberTipline reports, EU DSA Article 16 notices and INHOPE hotline practice. A report carries references (locations), hashes and metadata only: no field holds file content, data: URLs are rejected and free text rejects long base64 runs.
 */
export interface CanonicalReport {
  /**
   * Always "1" for this schema.
   */
  schema_version: '1'
  /**
   * How the report reached the sender. web_form: a hotline's public reporting form; phone_operator: taken down by a hotline operator on the phone; platform_escalation: escalated by an online platform (ESP); trusted_flagger: sent by a DSA Article 22 trusted flagger; hotline_referral: referred by another hotline (INHOPE network); law_enforcement: sent by a law-enforcement agency.
   */
  channel: 'web_form' | 'phone_operator' | 'platform_escalation' | 'trusted_flagger' | 'hotline_referral' | 'law_enforcement'
  source: ReportSource
  reporter: Reporter
  incident: Incident
  urgency?: Urgency
  /**
   * The reported locations, one per item. At least one; at most 1000 per report (split larger batches).
   *
   * @minItems 1
   * @maxItems 1000
   */
  items: ReportItem[]
  /**
   * Accounts of the person or user reported (CyberTipline personOrUserReported).
   *
   * @maxItems 100
   */
  reported_accounts?: ReportedAccount[]
  reporter_country?: Country
  victim_country?: Country
  /**
   * Language of the free-text fields of the report.
   */
  language?: string
}
/**
 * Where the report comes from, in DSA statement-of-reasons terms.
 */
export interface ReportSource {
  /**
   * article_16: a DSA Article 16 notice; trusted_flagger: a notice by a DSA Article 22 trusted flagger; voluntary: the platform's own-initiative detection; hotline: a hotline's own intake or assessment; law_enforcement: a law-enforcement referral.
   */
  source_type: 'article_16' | 'trusted_flagger' | 'voluntary' | 'hotline' | 'law_enforcement'
  /**
   * The sender's own identifier for this report, for de-duplication and follow-up.
   */
  external_id?: string
  /**
   * Earlier reports about the same material or person. CyberTipline report ids are written "cybertipline:<id>".
   *
   * @maxItems 50
   */
  prior_report_refs?: string[]
}
/**
 * Who made the report. Anonymous reporting is always possible (DSA Art. 16(2)(c) exempts child sexual abuse offences from naming the notifier): when anonymous is true, contact is forbidden and consent_to_contact may only be false, so no identifying data is ever stored for an anonymous report. When anonymous is false, contact is required, and consent_to_contact true needs an email or a phone in it.
 */
export interface Reporter {
  /**
   * True when the reporter chose not to identify themselves.
   */
  anonymous: boolean
  contact?: ReporterContact
  /**
   * The reporter agreed to be contacted about this report.
   */
  consent_to_contact?: boolean
  /**
   * The reporter confirmed their bona fide belief that the information and allegations are accurate and complete (DSA Art. 16(2)(d)). Required and true for source_type article_16.
   */
  bona_fide_statement?: boolean
  /**
   * The reporter agreed that a platform sent a notice about this report is given their name and email as the notifier (DSA Art. 16(2)(c)), so it can confirm receipt and tell them its decision (Art. 16(4), (5)). Absent or false: the notice says only that the contact was withheld.
   */
  share_contact_with_platform?: boolean
  /**
   * Set in what a recipient is sent (schemas/projections.v1.json): the reporter gave contact data, and this recipient is not given it. Absent when the reporter was anonymous. Only with anonymous true.
   */
  contact_withheld?: true
}
/**
 * How to reach a reporter who is not anonymous. At least one field.
 */
export interface ReporterContact {
  name?: string
  /**
   * An email address (RFC 5321 limits it to 254 characters).
   */
  email?: string
  /**
   * E.164: "+", country code and subscriber number, digits only (8 to 16 characters).
   */
  phone?: string
}
/**
 * What is being reported.
 */
export interface Incident {
  type: IncidentType
  /**
   * Tags from the CyberTipline reportAnnotations (sextortion = sextortion, csam_solicitation = csamSolicitation, minor_to_minor = minorToMinorInteraction, spam = spam, sadistic_online_exploitation = sadisticOnlineExploitation, informational = informational) and fileAnnotations (anime_drawing_virtual_hentai = animeDrawingVirtualHentai, potential_meme = potentialMeme, viral = viral, possible_self_production = possibleSelfProduction, physical_harm = physicalHarm, violence_gore = violenceGore, bestiality = bestiality, live_streaming = liveStreaming, infant_toddler = infant, generative_ai = generativeAi).
   *
   * @maxItems 16
   */
  annotations?: (
    | 'sextortion'
    | 'csam_solicitation'
    | 'minor_to_minor'
    | 'spam'
    | 'sadistic_online_exploitation'
    | 'informational'
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
  )[]
  /**
   * When the incident happened or the material was seen (RFC 3339 date-time with offset).
   */
  occurred_at?: string
  /**
   * What the reporter saw, in their words (CyberTipline additionalInfo).
   */
  description?: string
  /**
   * The provision of Union or national law the material is alleged to infringe (DSA statement of reasons illegal_content_legal_ground, 500 characters).
   */
  legal_ground?: string
  /**
   * Why the material is considered illegal: the substantiated explanation of DSA Art. 16(2)(a) (statement of reasons illegal_content_explanation, 2000 characters).
   */
  explanation?: string
}
/**
 * Whether a child may be in imminent danger (CyberTipline escalateToHighPriority). The reason is required when imminent_danger is true.
 */
export interface Urgency {
  imminent_danger: boolean
  /**
   * Why the danger is believed to be imminent (3000 characters, the CyberTipline limit).
   */
  reason?: string
}
/**
 * One location of reported material: exactly one of url or locator.
 */
export interface ReportItem {
  /**
   * Where the material is (http or https).
   */
  url?: string
  locator?: Locator
  /**
   * What kind of content is at the location. Absent when the sender does not know.
   */
  content_type?: 'image' | 'video' | 'live_stream' | 'text' | 'comment' | 'chat' | 'profile' | 'app' | 'other'
  /**
   * Where and how the location was found, e.g. the comment under a video that points to a messenger group.
   */
  context?: string
  /**
   * @maxItems 16
   */
  hashes?: ItemHash[]
  hosting?: Hosting
  classification?: Classification
  /**
   * Free labels of the sender, as lower-case tokens.
   *
   * @maxItems 32
   */
  labels?: string[]
}
/**
 * A location that is not an http(s) URL. onion: a Tor onion address (v2 or v3, optional port and path, no scheme); magnet: a magnet: URI; ipfs: an IPFS CID, optionally as ipfs:// or /ipfs/ path; app_id: an app-store identifier; username: an account handle on a named service; other: anything else. data: and blob: values are rejected.
 */
export interface Locator {
  type: 'onion' | 'magnet' | 'ipfs' | 'app_id' | 'username' | 'other'
  /**
   * Human-written text. Defence in depth against pasting file content into free-text fields: a run of 256 or more characters of the standard base64 alphabet (A-Z a-z 0-9 + / =) is rejected, because prose never contains one and a base64-encoded file always does. URLs quoted in text pass: their hosts and nearly all their paths contain characters outside that alphabet (. - _ ? & %). Each use sets its own maxLength.
   */
  value: string
}
/**
 * A hash of the reported material, computed by the sender. Hashes are metadata: they identify material without carrying it. Hex digests are lower case in the canonical form.
 */
export interface ItemHash {
  /**
   * md5, sha1, sha256: cryptographic file digests (lower-case hex). pdq: Meta PDQ 256-bit perceptual image hash (64 lower-case hex). photodna: Microsoft PhotoDNA 144-byte hash, standard base64 (192 characters, no padding needed). tmk_pdqf: Meta TMK+PDQF video hash, the complete .tmk feature-vector file written by tmk-hash-video, standard base64 with padding; the file starts with the magic bytes "TMK1FVECPDQF", so the value starts with "VE1LMUZWRUNQRFFG" (about 176 KB of base64 with the default 2 periods x 32 Fourier coefficients x 256 dimensions). vpdq: Meta vPDQ video hash, the ThreatExchange compact serialisation: one "<pdq hex>,<quality 0-100>,<timestamp seconds>" feature per sampled frame, features separated by ";".
   */
  alg: 'md5' | 'sha1' | 'sha256' | 'pdq' | 'photodna' | 'tmk_pdqf' | 'vpdq'
  /**
   * The hash in the representation fixed for its algorithm (see alg).
   */
  value: string
}
/**
 * Where the material is hosted, as determined by the sender.
 */
export interface Hosting {
  /**
   * IPv4 or IPv6 address of the hosting server.
   */
  ip?: string
  provider?: string
  country?: Country
  /**
   * The online service the material is on.
   */
  platform?: string
}
/**
 * The sender's assessment. baseline: meets the INTERPOL baseline criteria, illegal in every jurisdiction; nationally_illegal: illegal under the law of jurisdiction (required then); not_illegal: assessed and not illegal; unassessed: not yet assessed.
 */
export interface Classification {
  status: 'baseline' | 'nationally_illegal' | 'not_illegal' | 'unassessed'
  jurisdiction?: Country
  /**
   * Who made the assessment (an organisation or analyst reference, not a personal name).
   */
  classified_by?: string
}
/**
 * An account of the person or user reported. At least one field.
 */
export interface ReportedAccount {
  /**
   * The online service the account is on (CyberTipline espService).
   */
  service?: string
  screen_name?: string
  display_name?: string
  /**
   * An absolute http or https URL (an IRI: Unicode hosts and paths are accepted and are converted to punycode and percent-encoding by URL normalisation). Any other scheme, in particular data: and blob:, is rejected: the gateway carries references to material, never the material. Whitespace, control characters and the characters RFC 3987 excludes from IRIs ("<>\^`{|}) are rejected. 2083 characters is the NCMEC CyberTipline limit for URL fields.
   */
  profile_url?: string
}
