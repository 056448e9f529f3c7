import type {
  Annotation,
  CanonicalReport,
  Channel,
  ItemHash,
  ReportedAccount,
  Reporter,
  ReportItem,
  SourceType,
  Urgency,
} from '../contract/report.ts'
import { MAX_FIELD_ERRORS } from '../http/field-errors.ts'
import { compact, nonEmpty } from './compact.ts'
import {
  CHILDREN,
  FILE_ANNOTATION_BY_ELEMENT,
  FILE_ANNOTATION_ELEMENTS,
  HASH_ALGORITHM_BY_TYPE,
  HASH_TYPE_NAMES,
  HEX_ALGORITHMS,
  INCIDENT_TYPE_BY_LABEL,
  INCIDENT_TYPE_LABELS,
  REPORT_ANNOTATION_BY_ELEMENT,
  REPORT_ANNOTATION_ELEMENTS,
} from './cybertipline-vocabulary.ts'
import { FormatError } from './format-error.ts'
import type { ReportValidator } from './report-format.ts'
import { DEFAULT_XML_LIMITS, parseXmlDocument, type XmlLimits } from './safe-xml.ts'
import { XmlReadContext, XmlScope, type XmlText } from './xml-reader.ts'

export interface CyberTiplineParseOptions {
  /** Intake channel to record; CyberTipline XML is what platforms send: platform_escalation by default. */
  channel?: Channel
  /** Source type to record; a platform's own report is `voluntary` by default. */
  sourceType?: SourceType
  /** The sender's id for the report ([A-Za-z0-9_-], at most 500): CyberTipline XML has no field for it. */
  externalId?: string
  limits?: Partial<XmlLimits>
  /** Validator of the mapped report, compiled on the server's Ajv (intake's createReportValidator). */
  validator: ReportValidator
}

/** Every annotation in its canonical order, so a report reads back the same however the XML ordered its flags. */
const ANNOTATION_ORDER: readonly Annotation[] = [
  ...(Object.keys(REPORT_ANNOTATION_ELEMENTS) as Annotation[]),
  ...(Object.keys(FILE_ANNOTATION_ELEMENTS) as Annotation[]),
]

/**
 * Maps a CyberTipline-style ESP report (`<report>` as in the NCMEC reporting API, plus our
 * `<fileDetails>` children carrying file metadata and hashes, never files) to a canonical report.
 * Throws FormatError: XML_* for unsafe or malformed XML, FORMAT_INVALID for vocabulary errors and
 * FORMAT_SCHEMA_VIOLATION when the mapped report breaks a schema rule; pointers are XML paths.
 */
export function parseCyberTiplineXml(xml: string, opts: CyberTiplineParseOptions): CanonicalReport {
  const document = parseXmlDocument(xml, { ...DEFAULT_XML_LIMITS, ...opts.limits })
  if (document.rootName !== 'report') {
    throw new FormatError('FORMAT_INVALID', [{ pointer: `/${document.rootName}`, message: 'the root element must be <report>' }])
  }
  const ctx = new XmlReadContext()
  const draft = readReport(XmlScope.open(ctx, '/report', document.root, CHILDREN.report), opts)
  if (ctx.errors.length > 0) throw new FormatError('FORMAT_INVALID', ctx.errors.slice(0, MAX_FIELD_ERRORS))
  const result = opts.validator(draft)
  if (result.ok) return result.report
  const errors = result.errors.map((e) => ({
    pointer: ctx.originOf(e.pointer, '/report'),
    message: `${e.message} (canonical field ${e.pointer || '/'})`,
  }))
  throw new FormatError('FORMAT_SCHEMA_VIOLATION', errors)
}

/** Returns the text's value, recording where canonical `pointer` came from. */
function take(ctx: XmlReadContext, pointer: string, text: XmlText | undefined): string | undefined {
  if (text !== undefined) ctx.trace(pointer, text.path)
  return text?.value
}

function readReport(report: XmlScope, opts: CyberTiplineParseOptions): Record<string, unknown> {
  const ctx = report.ctx
  const summary = readIncidentSummary(report)
  const items = readWebPageItems(report)
  const fileAnnotations = readFileDetails(report, items)
  if (summary.platform !== undefined) applyPlatform(ctx, items, summary.platform)
  const person = readPersonOrUserReported(report)
  const reporter = readReporter(report)
  return compact({
    schema_version: '1',
    channel: opts.channel ?? 'platform_escalation',
    source: compact({
      source_type: opts.sourceType ?? 'voluntary',
      external_id: opts.externalId,
      prior_report_refs: nonEmpty(person.priorReports),
    }),
    reporter: reporter.reporter,
    incident: compact({
      type: summary.type,
      annotations: nonEmpty(ANNOTATION_ORDER.filter((a) => summary.annotations.has(a) || fileAnnotations.has(a))),
      occurred_at: summary.occurredAt,
      description: take(ctx, '/incident/description', report.text('additionalInfo')),
    }),
    urgency: summary.urgency,
    items,
    reported_accounts: nonEmpty(person.accounts),
    reporter_country: reporter.country,
    victim_country: readVictimCountry(report),
  })
}

interface IncidentSummaryFields {
  type: string | undefined
  platform: XmlText | undefined
  urgency: Urgency | undefined
  annotations: Set<Annotation>
  occurredAt: string | undefined
}

function readIncidentSummary(report: XmlScope): IncidentSummaryFields {
  const ctx = report.ctx
  const summary = report.child('incidentSummary', CHILDREN.incidentSummary)
  if (summary === undefined) ctx.report(`${report.path}/incidentSummary`, 'is required')
  const reason = take(ctx, '/urgency', summary?.text('escalateToHighPriority'))
  return {
    type: summary === undefined ? undefined : readIncidentType(summary),
    platform: summary?.text('platform'),
    urgency: reason === undefined ? undefined : { imminent_danger: true, reason },
    annotations: readFlags(summary?.child('reportAnnotations', CHILDREN.reportAnnotations), REPORT_ANNOTATION_BY_ELEMENT),
    occurredAt: take(ctx, '/incident/occurred_at', summary?.text('incidentDateTime')),
  }
}

function readIncidentType(summary: XmlScope): string | undefined {
  const label = summary.text('incidentType')
  if (label === undefined) {
    summary.ctx.report(`${summary.path}/incidentType`, 'is required')
    return undefined
  }
  const type = INCIDENT_TYPE_BY_LABEL.get(label.value)
  if (type === undefined) {
    const allowed = Object.values(INCIDENT_TYPE_LABELS).map((l) => JSON.stringify(l))
    summary.ctx.report(label.path, `must be one of the CyberTipline incident types: ${allowed.join(', ')}`)
  }
  summary.ctx.trace('/incident/type', label.path)
  return type
}

/** incidentSummary/platform names the service the whole report is about: every item is on it. */
function applyPlatform(ctx: XmlReadContext, items: ReportItem[], platform: XmlText): void {
  items.forEach((item, i) => {
    item.hosting = { ...item.hosting, platform: take(ctx, `/items/${i}/hosting/platform`, platform) }
  })
}

/** Presence flags: `<sextortion/>` inside `<reportAnnotations>` sets the annotation. */
function readFlags<A extends Annotation>(scope: XmlScope | undefined, byElement: ReadonlyMap<string, A>): Set<Annotation> {
  const flags = new Set<Annotation>()
  if (scope !== undefined) for (const [element, annotation] of byElement) if (scope.has(element)) flags.add(annotation)
  return flags
}

function readWebPageItems(report: XmlScope): ReportItem[] {
  const ctx = report.ctx
  const items: ReportItem[] = []
  for (const details of report.children('internetDetails', CHILDREN.internetDetails)) {
    // the other incident kinds (email, chat, peer-to-peer, ...) have no location the gateway can carry
    const page = details.child('webPageIncident', CHILDREN.webPageIncident)
    if (page === undefined) continue
    const context = page.text('additionalInfo')
    for (const url of page.texts('url')) {
      const at = `/items/${items.length}`
      ctx.trace(at, url.path)
      items.push(compact({ url: url.value, context: take(ctx, `${at}/context`, context) }))
    }
  }
  return items
}

/** Merges each `<fileDetails>` into the item at its locationOfFile; returns the file-level annotations. */
function readFileDetails(report: XmlScope, items: ReportItem[]): Set<Annotation> {
  const ctx = report.ctx
  const annotations = new Set<Annotation>()
  const byUrl = new Map(items.map((item, index) => [item.url, index]))
  for (const file of report.children('fileDetails', CHILDREN.fileDetails)) {
    for (const a of readFlags(file.child('fileAnnotations', CHILDREN.fileAnnotations), FILE_ANNOTATION_BY_ELEMENT)) annotations.add(a)
    const hashes = readHashes(file)
    const location = file.text('locationOfFile')
    if (location === undefined) {
      ctx.report(`${file.path}/locationOfFile`, 'is required: the gateway carries locations, never files')
      continue
    }
    let index = byUrl.get(location.value)
    if (index === undefined) {
      index = items.push({ url: location.value }) - 1
      byUrl.set(location.value, index)
      ctx.trace(`/items/${index}`, location.path)
    }
    addHashes(ctx, items[index] as ReportItem, index, hashes)
  }
  return annotations
}

interface TracedHash extends ItemHash {
  path: string
}

function addHashes(ctx: XmlReadContext, item: ReportItem, index: number, hashes: TracedHash[]): void {
  const list = item.hashes ?? []
  for (const { alg, value, path } of hashes) {
    if (list.some((h) => h.alg === alg && h.value === value)) continue
    ctx.trace(`/items/${index}/hashes/${list.length}`, path)
    list.push({ alg, value })
  }
  if (list.length > 0) item.hashes = list
}

function readHashes(file: XmlScope): TracedHash[] {
  const hashes: TracedHash[] = []
  for (const leaf of file.children('originalFileHash', 'text')) {
    const type = leaf.attribute('hashType')
    const value = leaf.ownText()
    const alg = type === undefined ? undefined : HASH_ALGORITHM_BY_TYPE.get(type.value.toUpperCase())
    if (alg === undefined) {
      const known = Object.values(HASH_TYPE_NAMES).join(', ')
      leaf.ctx.report(`${leaf.path}/@hashType`, `${type === undefined ? 'is required' : 'is not a supported hash type'} (one of ${known})`)
    } else if (value === undefined) {
      leaf.ctx.report(leaf.path, 'must contain the hash value')
    } else {
      hashes.push({ alg, value: HEX_ALGORITHMS.has(alg) ? value.value.toLowerCase() : value.value, path: leaf.path })
    }
  }
  return hashes
}

function readReporter(report: XmlScope): { reporter: Reporter; country: string | undefined } {
  const ctx = report.ctx
  const person = report.child('reporter', CHILDREN.reporter)?.child('reportingPerson', CHILDREN.person)
  if (person === undefined) return { reporter: { anonymous: true }, country: undefined }
  const first = person.text('firstName')
  const last = person.text('lastName')
  const name = [first?.value, last?.value].filter((part) => part !== undefined).join(' ')
  if (name !== '') ctx.trace('/reporter/contact/name', (first ?? last)?.path as string)
  const contact = compact({
    name: name === '' ? undefined : name,
    email: take(ctx, '/reporter/contact/email', person.texts('email')[0]),
    phone: readPhone(person),
  })
  const address = person.children('address', CHILDREN.address)[0]
  const country = take(ctx, '/reporter_country', address?.text('country'))
  const reporter: Reporter = Object.keys(contact).length === 0 ? { anonymous: true } : { anonymous: false, contact }
  return { reporter, country }
}

/** CyberTipline phones are free text with an optional countryCallingCode; the canonical form is E.164. */
function readPhone(person: XmlScope): string | undefined {
  const leaf = person.children('phone', 'text')[0]
  const text = leaf?.ownText()
  if (leaf === undefined || text === undefined) return undefined
  let digits = text.value.replace(/[\s().-]/g, '').replace(/^00/, '+')
  const callingCode = leaf.attribute('countryCallingCode')?.value
  if (!digits.startsWith('+') && callingCode !== undefined) digits = `${callingCode}${digits.replace(/^0/, '')}`
  return take(person.ctx, '/reporter/contact/phone', { value: digits, path: text.path })
}

function readPersonOrUserReported(report: XmlScope): { accounts: ReportedAccount[]; priorReports: string[] } {
  const person = report.child('personOrUserReported', CHILDREN.personOrUserReported)
  if (person === undefined) return { accounts: [], priorReports: [] }
  const accounts: ReportedAccount[] = []
  addAccount(accounts, person, person.text('espService'))
  // further accounts of the same person: the XSD's associatedAccount
  for (const account of person.children('associatedAccount', CHILDREN.associatedAccount)) {
    addAccount(accounts, account, account.text('espService') ?? account.text('platform'))
  }
  return { accounts, priorReports: readPriorReports(person) }
}

function addAccount(accounts: ReportedAccount[], scope: XmlScope, service: XmlText | undefined): void {
  const ctx = scope.ctx
  const at = `/reported_accounts/${accounts.length}`
  const account = compact({
    service: take(ctx, `${at}/service`, service),
    screen_name: take(ctx, `${at}/screen_name`, scope.text('screenName')),
    display_name: take(ctx, `${at}/display_name`, scope.texts('displayName')[0]),
    profile_url: take(ctx, `${at}/profile_url`, scope.texts('profileUrl')[0]),
  })
  if (Object.keys(account).length === 0) return
  ctx.trace(at, scope.path)
  accounts.push(account)
}

function readPriorReports(person: XmlScope): string[] {
  const refs: string[] = []
  for (const id of person.texts('priorCTReports')) {
    if (!/^[0-9]{1,20}$/.test(id.value)) person.ctx.report(id.path, 'must be a CyberTipline report id (digits)')
    else refs.push(take(person.ctx, `/source/prior_report_refs/${refs.length}`, { value: `cybertipline:${id.value}`, path: id.path }) as string)
  }
  return refs
}

function readVictimCountry(report: XmlScope): string | undefined {
  for (const victim of report.children('victim', CHILDREN.victim)) {
    const code = victim.child('estimatedLocation', CHILDREN.estimatedLocation)?.text('countryCode')
    if (code !== undefined) return take(report.ctx, '/victim_country', code)
  }
  return undefined
}
