import type { FileAnnotation, HashAlgorithm, IncidentType, ReportAnnotation } from '../contract/report.ts'

/**
 * The NCMEC CyberTipline ESP reporting XML vocabulary (report.cybertip.org/ispws, XSD Appendix B)
 * as far as the gateway reads or writes it. Element lists follow the XSD sequences; elements we
 * accept but do not map are listed too, so a misspelt element is an error rather than silently lost.
 */

export const INCIDENT_TYPE_LABELS: Readonly<Record<IncidentType, string>> = {
  child_pornography: 'Child Pornography (possession, manufacture, and distribution)',
  child_sex_trafficking: 'Child Sex Trafficking',
  child_sex_tourism: 'Child Sex Tourism',
  child_sexual_molestation: 'Child Sexual Molestation',
  misleading_domain_name: 'Misleading Domain Name',
  misleading_words_or_digital_images: 'Misleading Words or Digital Images on the Internet',
  online_enticement: 'Online Enticement of Children for Sexual Acts',
  unsolicited_obscene_material_to_child: 'Unsolicited Obscene Material Sent to a Child',
}

function invert<K extends string>(table: Readonly<Record<K, string>>): ReadonlyMap<string, K> {
  return new Map(Object.entries(table).map(([key, label]) => [label as string, key as K]))
}

/** Label -> type; also the label older schema versions used for molestation. */
export const INCIDENT_TYPE_BY_LABEL: ReadonlyMap<string, IncidentType> = new Map([
  ...invert(INCIDENT_TYPE_LABELS),
  ['Child Sexual Molestation (not by family member)', 'child_sexual_molestation'],
])

/** Canonical annotation -> `<reportAnnotations>` child (empty element = flag set). */
export const REPORT_ANNOTATION_ELEMENTS: Readonly<Record<ReportAnnotation, string>> = {
  sextortion: 'sextortion',
  csam_solicitation: 'csamSolicitation',
  minor_to_minor: 'minorToMinorInteraction',
  spam: 'spam',
  sadistic_online_exploitation: 'sadisticOnlineExploitation',
  informational: 'informational',
}

/** Canonical annotation -> `<fileAnnotations>` child. */
export const FILE_ANNOTATION_ELEMENTS: Readonly<Record<FileAnnotation, string>> = {
  anime_drawing_virtual_hentai: 'animeDrawingVirtualHentai',
  potential_meme: 'potentialMeme',
  viral: 'viral',
  possible_self_production: 'possibleSelfProduction',
  physical_harm: 'physicalHarm',
  violence_gore: 'violenceGore',
  bestiality: 'bestiality',
  live_streaming: 'liveStreaming',
  infant_toddler: 'infant',
  generative_ai: 'generativeAi',
}

export const REPORT_ANNOTATION_BY_ELEMENT = invert(REPORT_ANNOTATION_ELEMENTS)
export const FILE_ANNOTATION_BY_ELEMENT = invert(FILE_ANNOTATION_ELEMENTS)

/** Canonical algorithm -> the `hashType` attribute of `<originalFileHash>` we write. */
export const HASH_TYPE_NAMES: Readonly<Record<HashAlgorithm, string>> = {
  md5: 'MD5',
  sha1: 'SHA1',
  sha256: 'SHA256',
  pdq: 'PDQ',
  photodna: 'PhotoDNA',
  tmk_pdqf: 'TMK+PDQF',
  vpdq: 'vPDQ',
}

/** hashType is free text (max 64) in the XSD; senders spell it many ways. Keys are upper-cased. */
export const HASH_ALGORITHM_BY_TYPE: ReadonlyMap<string, HashAlgorithm> = new Map([
  ...[...invert(HASH_TYPE_NAMES)].map(([name, alg]) => [name.toUpperCase(), alg] as const),
  ['SHA-1', 'sha1'],
  ['SHA-256', 'sha256'],
  ['TMK', 'tmk_pdqf'],
  ['TMKPDQF', 'tmk_pdqf'],
  ['VIDEO_TMK_PDQF', 'tmk_pdqf'],
])

/** Algorithms written as hex digits: the canonical form is lower case. */
export const HEX_ALGORITHMS: ReadonlySet<HashAlgorithm> = new Set(['md5', 'sha1', 'sha256', 'pdq'])

const set = (...names: string[]): ReadonlySet<string> => new Set(names)

/** The XSD's online-identity sequence, shared by personOrUserReported, intendedRecipient and victim. */
const USER_IDENTITY = [
  'espIdentifier',
  'espService',
  'compromisedAccount',
  'screenName',
  'displayName',
  'profileUrl',
  'profileBio',
  'ipCaptureEvent',
  'deviceId',
]

/** Allowed children per element we open (the XSD sequence; the fileDetails extension is ours). */
export const CHILDREN = {
  report: set(
    'batchedReport',
    'incidentSummary',
    'internetDetails',
    'lawEnforcement',
    'reporter',
    'personOrUserReported',
    'intendedRecipient',
    'victim',
    'additionalInfo',
    'fileDetails',
  ),
  incidentSummary: set('incidentType', 'platform', 'escalateToHighPriority', 'reportAnnotations', 'incidentDateTime', 'incidentDateTimeDescription'),
  reportAnnotations: set(...Object.values(REPORT_ANNOTATION_ELEMENTS)),
  internetDetails: set(
    'webPageIncident',
    'emailIncident',
    'newsgroupIncident',
    'chatImIncident',
    'onlineGamingIncident',
    'cellPhoneIncident',
    'nonInternetIncident',
    'peer2peerIncident',
  ),
  webPageIncident: set('url', 'additionalInfo'),
  reporter: set('reportingPerson', 'contactPerson', 'companyTemplate', 'termsOfService', 'legalURL'),
  person: set('firstName', 'lastName', 'phone', 'email', 'address', 'age', 'ageAssertionDiscrepancy', 'dateOfBirth'),
  address: set('address', 'city', 'zipCode', 'state', 'nonUsaState', 'country'),
  personOrUserReported: set(
    'personOrUserReportedPerson',
    'vehicleDescription',
    ...USER_IDENTITY,
    'thirdPartyUserReported',
    'priorCTReports',
    'groupIdentifier',
    'estimatedLocation',
    'allEmailsReported',
    'associatedAccount',
    'additionalInfo',
  ),
  associatedAccount: set(
    'platform',
    'firstName',
    'middleName',
    'lastName',
    'approximateAge',
    'ageAssertionDiscrepancy',
    'phone',
    'email',
    'allEmailsReported',
    'address',
    'espService',
    'espIdentifier',
    'profileUrl',
    'screenName',
    'displayName',
    'profileBio',
    'groupIdentifier',
    'ipCaptureEvent',
    'deviceId',
    'additionalInfo',
  ),
  victim: set(
    'victimPerson',
    ...USER_IDENTITY,
    'schoolName',
    'priorCTReports',
    'estimatedLocation',
    'allEmailsReported',
    'associatedAccount',
    'additionalInfo',
  ),
  estimatedLocation: set('city', 'region', 'countryCode'),
  fileDetails: set(
    'reportId',
    'fileId',
    'originalFileName',
    'uploadedToEspTimestamp',
    'locationOfFile',
    'fileViewedByEsp',
    'exifViewedByEsp',
    'publiclyAvailable',
    'fileRelevance',
    'fileAnnotations',
    'industryClassification',
    'originalFileHash',
    'ipCaptureEvent',
    'deviceId',
    'details',
    'additionalInfo',
  ),
  fileAnnotations: set(...Object.values(FILE_ANNOTATION_ELEMENTS)),
} as const
