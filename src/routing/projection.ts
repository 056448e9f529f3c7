import { readFileSync } from 'node:fs'
import type { CanonicalReport } from '../contract/report.ts'
import type { PlatformNoticeContent } from '../formats/dsa-notice.ts'
import type { DestinationKind } from './eligibility.ts'
import { ProjectionError } from './errors.ts'

export type { PlatformNoticeContent }

export interface ProjectOptions {
  /**
   * The reporter's consent, as the caller holds it. It can only withhold: consent counts when the
   * report records it (the kind's `consent` field, reporter.consent_to_contact by default) and this is not false.
   */
  consent?: boolean
  /** Indexes into report.items (a destination's `items`): only these items are sent. Default: all. */
  items?: readonly number[]
}

interface Projection {
  plain: Rules
  consented: Rules
  /** The reporter field whose `true` selects `consented`. */
  consent: string[]
}

interface Rules {
  keep: Tree
  set: Array<[string[], unknown]>
}

/** A compiled keep-list: `true` keeps the whole value; a map keeps only the named keys ('*' = every element). */
type Tree = true | Map<string, Tree>

const SPEC_FILE = new URL('../../schemas/projections.v1.json', import.meta.url)
const KINDS: readonly DestinationKind[] = ['hotline', 'law_enforcement', 'platform']

let compiled: Map<string, Projection> | undefined

/** The projections declared in schemas/projections.v1.json, read once per process (they are code, not configuration). */
function projections(): Map<string, Projection> {
  compiled ??= compileProjections(JSON.parse(readFileSync(SPEC_FILE, 'utf8'))['x-projection'])
  return compiled
}

export function project(report: CanonicalReport, kind: 'platform', options?: ProjectOptions): PlatformNoticeContent
export function project(report: CanonicalReport, kind: 'hotline' | 'law_enforcement', options?: ProjectOptions): CanonicalReport
export function project(report: CanonicalReport, kind: DestinationKind, options?: ProjectOptions): CanonicalReport | PlatformNoticeContent
/**
 * The part of `report` a destination of `kind` receives, as a new object (nothing shared with the
 * input). Kept fields keep their source order.
 */
export function project(report: CanonicalReport, kind: DestinationKind, options: ProjectOptions = {}): CanonicalReport | PlatformNoticeContent {
  const spec = projections().get(kind)
  if (spec === undefined) throw new ProjectionError('PROJECTION_UNKNOWN_KIND', `no projection for destination kind "${kind}"`)
  const rules = consented(report, spec) && options.consent !== false ? spec.consented : spec.plain
  const source = options.items === undefined ? report : { ...report, items: pick(report, options.items) }
  const out = (keep(source, rules.keep) ?? {}) as Record<string, unknown>
  for (const [path, value] of rules.set) setAt(out, path, value)
  // A reporter who gave contact data that this recipient is not given is not the same as one who
  // gave none: the recipient is told (a platform then knows the notifier exists but stays unnamed).
  const reporter = out.reporter as Record<string, unknown> | undefined
  if (report.reporter.anonymous === false && reporter?.contact === undefined) setAt(out, ['reporter', 'contact_withheld'], true)
  return out as unknown as CanonicalReport | PlatformNoticeContent
}

/**
 * Whether a destination of `kind` is to be given the reporter's contact (which the gateway keeps
 * sealed, apart from the report): the reporter agreed to what that kind's projection names.
 */
export function sharesContact(report: CanonicalReport, kind: DestinationKind): boolean {
  const spec = projections().get(kind)
  return spec !== undefined && spec.consented !== spec.plain && consented(report, spec)
}

function consented(report: CanonicalReport, spec: Projection): boolean {
  return (report.reporter as unknown as Record<string, unknown>)[spec.consent[1]!] === true
}

function pick(report: CanonicalReport, indexes: readonly number[]): CanonicalReport['items'] {
  const wanted = new Set(indexes)
  for (const i of wanted) {
    if (!Number.isInteger(i) || i < 0 || i >= report.items.length) {
      throw new ProjectionError('PROJECTION_BAD_ITEMS', `item ${i} is not in the report (it has ${report.items.length})`)
    }
  }
  if (wanted.size === 0) throw new ProjectionError('PROJECTION_BAD_ITEMS', 'a destination is sent at least one item')
  return report.items.filter((_, i) => wanted.has(i))
}

function keep(value: unknown, tree: Tree): unknown {
  if (tree === true) return structuredClone(value)
  if (Array.isArray(value)) {
    const each = tree.get('*')
    return each === undefined ? undefined : value.map((element) => keep(element, each) ?? {})
  }
  if (value === null || typeof value !== 'object') return undefined
  let out: Record<string, unknown> | undefined
  for (const [key, child] of Object.entries(value)) {
    const sub = tree.get(key)
    if (sub === undefined) continue
    const kept = keep(child, sub)
    if (kept === undefined) continue
    out ??= {}
    out[key] = kept
  }
  return out
}

function setAt(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node = target
  for (const key of path.slice(0, -1)) {
    const next = node[key]
    node = (next !== null && typeof next === 'object' ? next : (node[key] = {})) as Record<string, unknown>
  }
  node[path[path.length - 1] as string] = structuredClone(value)
}

/** Exported for tests of the spec format; `project` uses the declared file. */
export function compileProjections(declared: unknown): Map<string, Projection> {
  if (declared === null || typeof declared !== 'object') throw invalid('x-projection must be an object of destination kinds')
  const out = new Map<string, Projection>()
  for (const kind of KINDS) {
    const entry = (declared as Record<string, unknown>)[kind] as Record<string, unknown> | undefined
    if (entry === undefined) throw invalid(`x-projection declares nothing for ${kind}`)
    const plain = compileRules(entry, kind)
    const consented = entry.with_consent === undefined ? plain : compileRules(entry.with_consent as Record<string, unknown>, `${kind}.with_consent`)
    const consent = segments(entry.consent ?? '/reporter/consent_to_contact', `${kind}.consent`)
    if (consent.length !== 2 || consent[0] !== 'reporter') throw invalid(`${kind}.consent must point at a field of /reporter`)
    out.set(kind, { plain, consented, consent })
  }
  return out
}

function compileRules(entry: Record<string, unknown>, at: string): Rules {
  if (!Array.isArray(entry.keep)) throw invalid(`${at}.keep must be a list of JSON Pointers`)
  let tree: Tree = new Map()
  for (const pointer of entry.keep as unknown[]) tree = add(tree, segments(pointer, at))
  const set = Object.entries((entry.set ?? {}) as Record<string, unknown>).map(([pointer, value]): [string[], unknown] => [
    segments(pointer, at),
    value,
  ])
  return { keep: tree, set }
}

function add(tree: Tree, path: string[]): Tree {
  if (tree === true) return true
  if (path.length === 0) return true
  const [head, ...rest] = path as [string, ...string[]]
  tree.set(head, add(tree.get(head) ?? new Map(), rest))
  return tree
}

function segments(pointer: unknown, at: string): string[] {
  if (typeof pointer !== 'string' || !pointer.startsWith('/') || pointer === '/')
    throw invalid(`${at}: "${String(pointer)}" is not a JSON Pointer to a field`)
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'))
}

function invalid(message: string): ProjectionError {
  return new ProjectionError('PROJECTION_SPEC_INVALID', `schemas/projections.v1.json: ${message}`)
}
