import type { FieldProblem } from './problems.ts'

/**
 * A problem body stays a few KB whatever the request held: every text in it can echo the input
 * (a path, a field name, a parser's account of a hostile document), and an answer larger than the
 * request is an amplifier. Texts are cut, and the field errors kept only while they fit a budget;
 * `errors_omitted` says how many more there were.
 */
export const MAX_PROBLEM_TEXT = 1000
const MAX_FIELD_TEXT = 300
/** Bytes of serialised field errors. */
const MAX_ERRORS_SIZE = 4096

/** `text` cut to at most `max` UTF-16 units, never inside a surrogate pair, marked with an ellipsis. */
export function bounded(text: string, max: number): string {
  if (text.length <= max) return text
  let cut = max - 1
  const last = text.charCodeAt(cut - 1)
  if (last >= 0xd800 && last <= 0xdbff) cut--
  return `${text.slice(0, cut)}…`
}

export function boundedErrors(errors: readonly FieldProblem[]): { errors: FieldProblem[]; omitted: number } {
  const kept: FieldProblem[] = []
  let size = 0
  for (const error of errors) {
    const field = { in: error.in, pointer: bounded(error.pointer, MAX_FIELD_TEXT), message: bounded(error.message, MAX_FIELD_TEXT) }
    size += Buffer.byteLength(JSON.stringify(field))
    if (size > MAX_ERRORS_SIZE) break
    kept.push(field)
  }
  return { errors: kept, omitted: errors.length - kept.length }
}
