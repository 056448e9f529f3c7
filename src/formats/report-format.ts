import type { CanonicalReport, Channel } from '../contract/report.ts'
import type { ParticipantKind, ReportFormat } from '../directory/participant.ts'
import type { FieldError } from '../http/field-errors.ts'
import type { DsaNoticeValidator, PlatformNoticeContent } from './dsa-notice.ts'

export type ReportValidation = { ok: true; report: CanonicalReport } | { ok: false; errors: FieldError[] }
/** Checks a canonical report against schemas/report.v1.json (intake compiles it on the server's Ajv). */
export type ReportValidator = (value: unknown) => ReportValidation

/**
 * What reading a document needs from intake: the channel it came through (see `channel`), and the
 * validators compiled once, on the server's Ajv.
 */
interface ReadContext {
  channel: Channel
  validateReport: ReportValidator
  validateDsaNotice: DsaNoticeValidator
}

/** What a format is written from: routing's projection of the report for the destination (src/routing/projection.ts). */
interface Projections {
  /** The report as a hotline or law-enforcement destination of that kind is given it. */
  report: CanonicalReport
  /** What a platform is given: the content of a notice. */
  notice: PlatformNoticeContent
}

/**
 * One format reports travel in, its input and output side by side: what intake reads in it, what
 * routing may choose it for, and how a handoff's payload is written in it. src/formats/registry.ts
 * lists them all; openapi.yaml's submitReport declares each media type (a test holds them together).
 */
export interface ReportFormatOf<P extends keyof Projections> {
  /** As participants list it in the directory (`formats`) and handoffs record it. */
  name: ReportFormat
  /** As intake accepts it and a handoff's payload is typed. */
  mediaType: string
  /** The channel a report in it came through, by its sender's kind (web_form where none); none at all: the report names it. */
  channel?: Readonly<Record<ParticipantKind, Channel | undefined>>
  /** The canonical report a document in it says; throws FormatError naming the field when it cannot be read. */
  read(body: unknown, context: ReadContext): CanonicalReport
  /** The kinds of destination it is sent to. */
  sentTo: readonly ParticipantKind[]
  /** Which projection of the report it is written from. */
  projection: P
  /** The payload's text; throws FormatError when the content cannot be said in it. */
  write(content: Projections[P]): string
  /** It carries items with a URL only. */
  urlsOnly: boolean
  /** Why a report cannot be sent in it (routing then skips the destination, saying this after its id), or undefined. */
  unfit?(report: CanonicalReport): string | undefined
}

export type ReportFormatEntry = ReportFormatOf<'report'> | ReportFormatOf<'notice'>
