// Generated from schemas/routing-rules.v1.json by scripts/contract-types.js (npm run contract:types): do not edit.

export type Selector =
  | {
      to: 'hotline' | 'law_enforcement'
      /**
       * Countries in order of preference: the first that is known and has a participant of that kind in the directory is used; of several there, the first listed that takes the incident type.
       *
       * @minItems 1
       * @maxItems 8
       */
      country_of: CountryRef[]
    }
  | {
      to: 'platform'
      /**
       * The platform participant whose services include the item's hosting.platform (compared without case). Item rules only.
       */
      operating: 'item.platform'
    }
  | {
      /**
       * One participant, by directory id.
       */
      participant: string
    }
export type CountryRef = ('home' | 'victim_country' | 'reporter_country' | 'item.hosting_country') | Country
/**
 * An ISO 3166-1 alpha-2 code, upper case (schemas/defs/country.json lists them).
 */
export type Country = string
export type Condition = AllCondition | AnyCondition | NotCondition | EqualsCondition | InCondition | ExistsCondition | ContainsCondition
/**
 * A fact of the report, of the sender or, in item rules, of the item (item.*), resolved before the rules run. item.hosting_country is the resolved hosting country (the sender's hosting.country, else the hosting IP, else an IP-literal URL host, through the offline database); item.hosting_source is sender, hosting_ip, url_ip_literal or unknown; item.hosted_in_home compares it with GATEWAY_HOME_COUNTRY; item.hosting_country_has_hotline and item.hosting_country_has_law_enforcement ask the directory; item.platform is hosting.platform as sent; item.platform_in_directory and item.platform_takes_notices ask whether a platform participant operates that service (and takes notices). Values are checked when the rule set is compiled.
 */
export type Fact =
  | 'urgency.imminent_danger'
  | 'incident.type'
  | 'incident.annotations'
  | 'channel'
  | 'source.source_type'
  | 'reporter.anonymous'
  | 'reporter.consent_to_contact'
  | 'reporter_country'
  | 'victim_country'
  | 'sender.kind'
  | 'sender.id'
  | 'item.hosting_country'
  | 'item.hosting_source'
  | 'item.hosting_confidence'
  | 'item.hosting_known'
  | 'item.hosted_in_home'
  | 'item.hosting_country_has_hotline'
  | 'item.hosting_country_has_law_enforcement'
  | 'item.classification.status'
  | 'item.classification.jurisdiction'
  | 'item.content_type'
  | 'item.locator.type'
  | 'item.labels'
  | 'item.platform'
  | 'item.platform_in_directory'
  | 'item.platform_takes_notices'
export type Scalar = string | boolean

/**
 * Where the gateway sends a report, as versioned data (issue 5). Rules are evaluated in order; a rule whose scope is item is evaluated once per item of the report. Each rule that matches adds its destinations; destinations are merged per participant; the sender, participants that already have the case, and participants that do not take the incident type or any usable format are skipped with a reason. Items no rule placed with anyone go to the fallback. Conditions are a closed vocabulary of facts and comparisons: nothing in a rule set is evaluated as code or as a regular expression.
 */
export interface RuleSetDocument {
  /**
   * Always "1" for this schema.
   */
  schema_version: '1'
  /**
   * The label recorded with every decision made under this rule set, e.g. default-2026.1.
   */
  version: string
  /**
   * What this policy is and whose practice it follows.
   */
  description?: string
  fallback?: Fallback
  /**
   * In evaluation order.
   *
   * @maxItems 200
   */
  rules: Rule[]
}
/**
 * Who receives the items that no rule placed with anyone, so that a report never goes to nobody.
 */
export interface Fallback {
  /**
   * The plain-language reason recorded for each destination the rule adds, prefixed with "Rule <id>: ". Placeholders: {destination} (participant name), {destination_id}, {country} and {country_basis} (the country a hotline or law-enforcement contact was chosen for, and why that country), {incident_type}, {home_country}; in item rules also {hosting_country}, {hosting_source}, {platform}.
   */
  description: string
  /**
   * Tried in order until one can take the items; default: the home hotline, then the home law-enforcement contact.
   *
   * @minItems 1
   * @maxItems 8
   */
  first_of: Selector[]
}
export interface Rule {
  /**
   * Stable, named in every reason and skip ("fallback" is reserved).
   */
  id: string
  /**
   * The plain-language reason recorded for each destination the rule adds, prefixed with "Rule <id>: ". Placeholders: {destination} (participant name), {destination_id}, {country} and {country_basis} (the country a hotline or law-enforcement contact was chosen for, and why that country), {incident_type}, {home_country}; in item rules also {hosting_country}, {hosting_source}, {platform}.
   */
  description: string
  /**
   * report: evaluated once, its destinations receive every item; item: evaluated for each item, its destinations receive the items that matched.
   */
  scope: 'report' | 'item'
  when: Condition
  then: {
    /**
     * Every destination the rule adds.
     *
     * @minItems 1
     * @maxItems 8
     */
    send_to: Selector[]
    /**
     * The destinations are alerted at once, through their urgent contact.
     */
    urgent?: boolean
    /**
     * No later rule is evaluated for the item (item rule) or for the report (report rule).
     */
    stop?: boolean
  }
}
export interface AllCondition {
  /**
   * True when every condition is (an empty list is true).
   *
   * @maxItems 32
   */
  all: Condition[]
}
export interface AnyCondition {
  /**
   * True when one condition is (an empty list is false).
   *
   * @maxItems 32
   */
  any: Condition[]
}
export interface NotCondition {
  not: Condition
}
export interface EqualsCondition {
  fact: Fact
  equals: Scalar
}
export interface InCondition {
  fact: Fact
  /**
   * @minItems 1
   * @maxItems 300
   */
  in: Scalar[]
}
export interface ExistsCondition {
  fact: Fact
  exists: boolean
}
export interface ContainsCondition {
  fact: Fact
  contains: string
}
