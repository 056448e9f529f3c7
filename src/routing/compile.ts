import { compileCondition, type Test } from './conditions.ts'
import { RoutingRulesError, type RuleProblem } from './errors.ts'
import { compileSelector, type CompiledSelector } from './selectors.ts'
import { compileTemplate, type Template } from './templates.ts'
import type { Fallback, RuleSetDocument, Selector } from './rules-types.ts'

interface CompiledRule {
  id: string
  scope: 'report' | 'item'
  test: Test
  send: readonly CompiledSelector[]
  urgent: boolean
  stop: boolean
  reason: Template
}

export interface CompiledRuleSet {
  version: string
  rules: readonly CompiledRule[]
  fallback: { reason: Template; firstOf: readonly CompiledSelector[] }
}

/** The id under which fallback handoffs and skips are recorded; no rule may take it. */
export const FALLBACK_RULE_ID = 'fallback'

/** Issue 5: "when no rule matches, a configured fallback contact gets it": by default the home hotline, then home police. */
const DEFAULT_FALLBACK: Fallback = {
  description: 'No rule found a destination for this material, so it goes to {destination}, the fallback contact, to assess it.',
  first_of: [
    { to: 'hotline', country_of: ['home'] },
    { to: 'law_enforcement', country_of: ['home'] },
  ],
}

/**
 * Compiles a rule set once into closures. The schema (schemas/routing-rules.v1.json) checks the
 * shape; this checks what a schema cannot: known facts and values, facts and selectors of an item
 * used only in item rules, placeholders, unique ids. Every problem is reported, then it throws.
 */
export function compileRuleSet(document: RuleSetDocument, source = 'the rule set'): CompiledRuleSet {
  const { compiled, problems } = compile(document)
  if (problems.length > 0) throw new RoutingRulesError(source, problems)
  return compiled
}

/** The problems compileRuleSet would throw, as data (like checkDirectory): for an admin operation's 4xx. */
export function checkRuleSet(document: RuleSetDocument): RuleProblem[] {
  return compile(document).problems
}

function compile(document: RuleSetDocument): { compiled: CompiledRuleSet; problems: RuleProblem[] } {
  const problems: RuleProblem[] = []
  if (document.schema_version !== '1') problems.push({ pointer: '/schema_version', message: 'must be "1"' })
  if (typeof document.version !== 'string' || document.version === '') problems.push({ pointer: '/version', message: 'must be a non-empty label' })
  const seen = new Map<string, number>()
  const rules = (Array.isArray(document.rules) ? document.rules : []).map((rule, index): CompiledRule => {
    const at = `/rules/${index}`
    const earlier = seen.get(rule.id)
    if (earlier !== undefined) problems.push({ pointer: `${at}/id`, message: `duplicates the id of /rules/${earlier}` })
    if (rule.id === FALLBACK_RULE_ID) problems.push({ pointer: `${at}/id`, message: `"${FALLBACK_RULE_ID}" is reserved for the fallback` })
    seen.set(rule.id, index)
    const scope = rule.scope
    if (scope !== 'report' && scope !== 'item') problems.push({ pointer: `${at}/scope`, message: 'must be "report" or "item"' })
    return {
      id: rule.id,
      scope,
      test: compileCondition(rule.when, `${at}/when`, scope, problems),
      send: compileSelectors(rule.then?.send_to, `${at}/then/send_to`, scope, problems),
      urgent: rule.then?.urgent === true,
      stop: rule.then?.stop === true,
      reason: compileTemplate(rule.description, `${at}/description`, scope, problems),
    }
  })
  const fallback = document.fallback ?? DEFAULT_FALLBACK
  const at = document.fallback ? '/fallback' : '(default fallback)'
  const compiled: CompiledRuleSet = {
    version: document.version,
    rules,
    fallback: {
      reason: compileTemplate(fallback.description, `${at}/description`, 'report', problems),
      firstOf: compileSelectors(fallback.first_of, `${at}/first_of`, 'report', problems),
    },
  }
  return { compiled, problems }
}

function compileSelectors(selectors: Selector[] | undefined, at: string, scope: 'report' | 'item', problems: RuleProblem[]): CompiledSelector[] {
  if (!Array.isArray(selectors) || selectors.length === 0) {
    problems.push({ pointer: at, message: 'must name at least one destination' })
    return []
  }
  return selectors.map((selector, k) => compileSelector(selector, `${at}/${k}`, scope, problems))
}
