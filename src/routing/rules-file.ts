import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { parse } from 'yaml'
import { createAjv, toFieldProblems } from '../http/schema-compilers.ts'
import { readSchemaFiles, SCHEMA_BASE } from '../http/schema-registry.ts'
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
  let document: unknown
  try {
    // as for the directory: one parser for YAML and JSON; doubled keys and aliases refused
    document = parse(await readFile(file, 'utf8'), { uniqueKeys: true, maxAliasCount: 0 })
  } catch (error) {
    throw new RoutingRulesError(file, [{ pointer: '', message: `cannot be read or parsed: ${(error as Error).message}` }])
  }
  const ajv = createAjv(await readSchemaFiles(), { coerceTypes: false })
  const validate = ajv.getSchema(ROUTING_RULES_SCHEMA_ID)!
  if (!validate(document)) {
    throw new RoutingRulesError(
      file,
      toFieldProblems(validate.errors ?? [], 'body').map(({ pointer, message }) => ({ pointer, message })),
    )
  }
  const problems = checkRuleSet(document as RuleSetDocument)
  if (problems.length > 0) throw new RoutingRulesError(file, problems)
  return document as RuleSetDocument
}
