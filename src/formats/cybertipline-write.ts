import type { Annotation, CanonicalReport, ReportedAccount, ReportItem } from '../contract/report.ts'
import { FILE_ANNOTATION_ELEMENTS, HASH_TYPE_NAMES, INCIDENT_TYPE_LABELS, REPORT_ANNOTATION_ELEMENTS } from './cybertipline-vocabulary.ts'
import { element, flagElement, textElement } from './xml-writer.ts'

type UrlItem = ReportItem & { url: string }

/**
 * Writes a canonical report as CyberTipline-style ESP report XML (element names and order of the
 * NCMEC XSD; file hashes go into our `<fileDetails>` children, as parseCyberTiplineXml reads them).
 *
 * The format has no place for some canonical data, which is therefore not written: locator items
 * (onion, magnet, ...), content_type, hosting other than a platform shared by all items,
 * classification, labels, consent_to_contact, bona_fide_statement, legal_ground, explanation and
 * language. NCMEC requires incidentDateTime: a report without occurred_at yields XML that NCMEC
 * itself would refuse. Reading the output back gives a report that writes the same XML again.
 */
export function toCyberTiplineXml(report: CanonicalReport): string {
  const urlItems = report.items.filter((item): item is UrlItem => item.url !== undefined)
  const body = [
    incidentSummaryXml(report, urlItems),
    ...urlItems.map(webPageIncidentXml),
    reporterXml(report),
    personOrUserReportedXml(report),
    victimXml(report),
    textElement('additionalInfo', report.incident.description),
    ...fileDetailsXml(report, urlItems),
  ]
  return `<?xml version="1.0" encoding="UTF-8"?>\n${element('report', body, true)}\n`
}

/** The flag elements of `annotations` that `table` knows, in the table's (the XSD's) order. */
function flags(annotations: readonly Annotation[] | undefined, table: Readonly<Record<string, string>>): string[] {
  const present = new Set<string>(annotations)
  return Object.entries(table)
    .filter(([annotation]) => present.has(annotation))
    .map(([, name]) => flagElement(name))
}

/** incidentSummary/platform applies to the whole report: written only when every item is on the same one. */
function sharedPlatform(items: readonly UrlItem[]): string | undefined {
  const platform = items[0]?.hosting?.platform
  return items.every((item) => item.hosting?.platform === platform) ? platform : undefined
}

function incidentSummaryXml(report: CanonicalReport, urlItems: readonly UrlItem[]): string {
  const { incident, urgency } = report
  return element('incidentSummary', [
    textElement('incidentType', INCIDENT_TYPE_LABELS[incident.type]),
    textElement('platform', sharedPlatform(urlItems)),
    textElement('escalateToHighPriority', urgency?.imminent_danger === true ? urgency.reason : undefined),
    element('reportAnnotations', flags(incident.annotations, REPORT_ANNOTATION_ELEMENTS)),
    textElement('incidentDateTime', incident.occurred_at),
  ])
}

/** One webPageIncident per item keeps each item's context with its own URL. */
function webPageIncidentXml(item: UrlItem): string {
  return element('internetDetails', [element('webPageIncident', [textElement('url', item.url), textElement('additionalInfo', item.context)])])
}

function reporterXml(report: CanonicalReport): string {
  const contact = report.reporter.anonymous ? undefined : report.reporter.contact
  const name = contact?.name
  const split = name?.indexOf(' ') ?? -1
  // reportingPerson is mandatory in the XSD; an anonymous report sends it empty
  const person = element(
    'reportingPerson',
    [
      textElement('firstName', split < 0 ? name : name?.slice(0, split)),
      textElement('lastName', split < 0 ? undefined : name?.slice(split + 1)),
      textElement('phone', contact?.phone),
      textElement('email', contact?.email),
      element('address', [textElement('country', report.reporter_country)]),
    ],
    true,
  )
  return element('reporter', [person])
}

function personOrUserReportedXml(report: CanonicalReport): string {
  const [first, ...others] = report.reported_accounts ?? []
  const prior = (report.source.prior_report_refs ?? [])
    .filter((ref) => ref.startsWith('cybertipline:'))
    .map((ref) => textElement('priorCTReports', ref.slice('cybertipline:'.length)))
  return element('personOrUserReported', [
    textElement('espService', first?.service),
    textElement('screenName', first?.screen_name),
    textElement('displayName', first?.display_name),
    textElement('profileUrl', first?.profile_url),
    ...prior,
    ...others.map(associatedAccountXml),
  ])
}

function associatedAccountXml(account: ReportedAccount): string {
  return element(
    'associatedAccount',
    [
      textElement('espService', account.service),
      textElement('profileUrl', account.profile_url),
      textElement('screenName', account.screen_name),
      textElement('displayName', account.display_name),
    ],
    true,
  )
}

function victimXml(report: CanonicalReport): string {
  if (report.victim_country === undefined) return ''
  const location = element('estimatedLocation', [textElement('countryCode', report.victim_country)])
  return element('victim', [element('victimPerson', [], true), location])
}

/** File metadata for items with hashes; with file-level annotations, for every URL item (they carry them). */
function fileDetailsXml(report: CanonicalReport, urlItems: readonly UrlItem[]): string[] {
  const annotations = flags(report.incident.annotations, FILE_ANNOTATION_ELEMENTS)
  return urlItems
    .filter((item) => annotations.length > 0 || (item.hashes?.length ?? 0) > 0)
    .map((item) =>
      element('fileDetails', [
        textElement('locationOfFile', item.url),
        element('fileAnnotations', annotations),
        ...(item.hashes ?? []).map((hash) => textElement('originalFileHash', hash.value, { hashType: HASH_TYPE_NAMES[hash.alg] })),
      ]),
    )
}
