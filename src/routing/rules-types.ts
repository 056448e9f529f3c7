/**
 * A routing rule set as data, hand-written to match schemas/routing-rules.v1.json (the schema is
 * the authority; field docs live in its descriptions).
 */

export type Scalar = string | boolean

export type Condition =
  | { all: Condition[] }
  | { any: Condition[] }
  | { not: Condition }
  | { fact: string; equals: Scalar }
  | { fact: string; in: Scalar[] }
  | { fact: string; exists: boolean }
  | { fact: string; contains: string }

/** Where a country comes from: a fact of the report, the gateway's home, or a literal ISO code. */
export type CountryRef = 'home' | 'victim_country' | 'reporter_country' | 'item.hosting_country' | (string & {})

export type Selector =
  { to: 'hotline' | 'law_enforcement'; country_of: CountryRef[] } | { to: 'platform'; operating: 'item.platform' } | { participant: string }

export interface Rule {
  id: string
  description: string
  scope: 'report' | 'item'
  when: Condition
  then: { send_to: Selector[]; urgent?: boolean; stop?: boolean }
}

export interface Fallback {
  description: string
  first_of: Selector[]
}

export interface RuleSetDocument {
  schema_version: '1'
  version: string
  description?: string
  fallback?: Fallback
  rules: Rule[]
}
