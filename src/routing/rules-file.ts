import { fileURLToPath } from 'node:url'
import { readDocumentFile } from '../http/schema-files.ts'
import { SCHEMA_BASE } from '../http/schema-registry.ts'
import { checkRuleSet } from './compile.ts'
import { RoutingRulesError } from './errors.ts'
import type { RuleSetDocument } from './rules-types.ts'

export const DEFAULT_POLICY = fileURLToPath(new URL('../../policy/routing-rules.yaml', import.meta.url))
export const ROUTING_RULES_SCHEMA_ID = `${SCHEMA_BASE}routing-rules.v1.json`

/**
 * Reads a rule set from YAML or JSON, checks it against schemas/routing-rules.v1.json and then
 * against what only the compiler knows (facts, values, scopes, placeholders). RoutingRulesError
 * lists every problem with its pointer.
 */
export async function readRoutingRules(file: string = DEFAULT_POLICY): Promise<RuleSetDocument> {
  const { document, errors } = await readDocumentFile(file, 'routing-rules.v1.json')
  if (errors.length > 0) throw new RoutingRulesError(file, errors)
  const rules = document as RuleSetDocument // the schema's type, now that the schema accepted it
  const problems = checkRuleSet(rules)
  if (problems.length > 0) throw new RoutingRulesError(file, problems)
  return rules
}
