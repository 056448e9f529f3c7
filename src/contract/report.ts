/**
 * The canonical report's types by the names the code uses, all taken from the types generated from
 * schemas/report.v1.json (report.v1.ts): the schema is the authority, and a value of these types is
 * only trusted after validateReport accepted it. Field docs live in the schema's descriptions.
 */
import type { CanonicalReport, Classification, Incident, ItemHash, Locator, ReportItem, ReportSource } from './report.v1.ts'

export type * from './report.v1.ts'

export type Channel = CanonicalReport['channel']
export type SourceType = ReportSource['source_type']
export type Annotation = NonNullable<Incident['annotations']>[number]
export type ContentType = NonNullable<ReportItem['content_type']>
export type LocatorType = Locator['type']
export type HashAlgorithm = ItemHash['alg']
export type ClassificationStatus = Classification['status']

/** Report-level CyberTipline annotations (reportAnnotations): the schema has one list, CyberTipline two. */
export type ReportAnnotation = Extract<
  Annotation,
  'sextortion' | 'csam_solicitation' | 'minor_to_minor' | 'spam' | 'sadistic_online_exploitation' | 'informational'
>

/** File-level CyberTipline annotations (fileAnnotations). */
export type FileAnnotation = Exclude<Annotation, ReportAnnotation>
