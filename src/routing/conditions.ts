import type { ItemContext, RouteContext } from './context.ts'
import type { RuleProblem } from './errors.ts'
import { FACTS, isFactName, type FactDefinition } from './facts.ts'
import type { Scalar } from './rules-types.ts'

/** A compiled condition: a closure over the facts, no interpretation of the rule data at routing time. */
export type Test = (route: RouteContext, item: ItemContext) => boolean

const COUNTRY = /^[A-Z]{2}$/
const MAX_DEPTH = 16

/**
 * Compiles `when` (a Condition, checked as data). Problems are collected (with the pointer of the offending field) rather than
 * thrown one at a time, so an administrator sees every mistake of a rule set at once.
 */
export function compileCondition(condition: unknown, at: string, scope: 'report' | 'item', problems: RuleProblem[], depth = 0): Test {
  // a readable policy is shallow; the bound keeps a hostile document from exhausting the stack
  if (depth > MAX_DEPTH) return refuse(problems, at, `conditions nest deeper than ${MAX_DEPTH} levels`)
  // checked here as data: a rule set read from a file or a request has not always met the schema
  if (condition === null || typeof condition !== 'object' || Array.isArray(condition)) return refuse(problems, at, 'must be a condition object')
  const c = condition as Record<string, unknown>
  const keys = Object.keys(c)
  if ('all' in c || 'any' in c) {
    const op = 'all' in c ? 'all' : 'any'
    if (keys.length !== 1 || !Array.isArray(c[op])) return refuse(problems, at, `"${op}" takes a list of conditions and nothing else`)
    const parts = (c[op] as unknown[]).map((sub, i) => compileCondition(sub, `${at}/${op}/${i}`, scope, problems, depth + 1))
    // plain loops: these closures run for every rule and item, .every/.some cost a closure per call
    return op === 'all'
      ? (r, i) => {
          for (const test of parts) if (!test(r, i)) return false
          return true
        }
      : (r, i) => {
          for (const test of parts) if (test(r, i)) return true
          return false
        }
  }
  if ('not' in c) {
    if (keys.length !== 1) return refuse(problems, at, '"not" takes one condition and nothing else')
    const inner = compileCondition(c.not, `${at}/not`, scope, problems, depth + 1)
    return (r, i) => !inner(r, i)
  }
  return compileComparison(c, at, scope, problems)
}

function compileComparison(c: Record<string, unknown>, at: string, scope: 'report' | 'item', problems: RuleProblem[]): Test {
  const name = c.fact
  const ops = Object.keys(c).filter((k) => k !== 'fact')
  if (typeof name !== 'string' || ops.length !== 1) {
    return refuse(problems, at, 'a comparison is {fact, and one of equals, in, exists, contains}')
  }
  if (!isFactName(name)) return refuse(problems, `${at}/fact`, `unknown fact "${name}"`)
  const fact: FactDefinition = FACTS[name]
  if (fact.scope === 'item' && scope === 'report') {
    return refuse(problems, `${at}/fact`, `"${name}" is a fact of an item: use it in a rule with scope "item"`)
  }
  const get = fact.get
  const op = ops[0] as string
  const value = c[op]
  if (fact.type === 'list' && (op === 'equals' || op === 'in')) return refuse(problems, `${at}/${op}`, `"${name}" is a list: use contains`)
  switch (op) {
    case 'exists':
      if (typeof value !== 'boolean') return refuse(problems, `${at}/exists`, 'must be true or false')
      if (fact.type === 'boolean') return refuse(problems, `${at}/exists`, `"${name}" is true or false, it always exists`)
      return value ? (r, i) => get(r, i) !== undefined : (r, i) => get(r, i) === undefined
    case 'equals': {
      if (!checkValue(fact, name, value, `${at}/equals`, problems)) return never
      return (r, i) => get(r, i) === value
    }
    case 'in': {
      if (!Array.isArray(value) || value.length === 0) return refuse(problems, `${at}/in`, 'must be a non-empty list')
      const ok = value.map((v, k) => checkValue(fact, name, v, `${at}/in/${k}`, problems)).every(Boolean)
      if (!ok) return never
      const set = new Set<unknown>(value)
      return (r, i) => set.has(get(r, i))
    }
    case 'contains': {
      if (fact.type !== 'list') return refuse(problems, `${at}/contains`, `"${name}" is not a list: use equals or in`)
      if (!checkValue(fact, name, value, `${at}/contains`, problems)) return never
      return (r, i) => (get(r, i) as readonly string[]).includes(value as string)
    }
    default:
      return refuse(problems, `${at}/${op}`, `unknown comparison "${op}" (equals, in, exists, contains)`)
  }
}

function checkValue(fact: FactDefinition, name: string, value: unknown, at: string, problems: RuleProblem[]): value is Scalar {
  if (fact.type === 'boolean') {
    if (typeof value === 'boolean') return true
    problems.push({ pointer: at, message: `"${name}" is true or false` })
    return false
  }
  if (typeof value !== 'string') {
    problems.push({ pointer: at, message: `"${name}" takes a string` })
    return false
  }
  if (fact.type === 'country' && !COUNTRY.test(value)) {
    problems.push({ pointer: at, message: `"${name}" is an ISO 3166-1 alpha-2 code, upper case` })
    return false
  }
  if (fact.values && !fact.values.includes(value)) {
    problems.push({ pointer: at, message: `"${value}" is not a value of "${name}" (${fact.values.join(', ')})` })
    return false
  }
  return true
}

const never: Test = () => false

function refuse(problems: RuleProblem[], pointer: string, message: string): Test {
  problems.push({ pointer, message })
  return never
}
