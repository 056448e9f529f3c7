import { GatewayError } from '../errors/gateway-error.ts'

/** Typed routing errors: callers and tests branch on `code`, never on the wording. */

export interface RuleProblem {
  /** JSON Pointer into the rule set document, e.g. `/rules/2/when/all/0/fact`. */
  pointer: string
  message: string
}

/** A rule set that cannot be used: refused as a whole when it is read or compiled, never half-applied. */
export class RoutingRulesError extends GatewayError<'ROUTING_RULES_INVALID'> {
  constructor(
    readonly source: string,
    readonly problems: RuleProblem[],
  ) {
    super(
      'ROUTING_RULES_INVALID',
      `${source} is not a valid routing rule set:\n${problems.map((p) => `  ${p.pointer || '/'}: ${p.message}`).join('\n')}`,
    )
  }
}

/** The IP-to-country database cannot be opened or is not a country database. */
export class GeoDatabaseError extends GatewayError<'GEOIP_DATABASE_INVALID'> {
  constructor(message: string, options?: ErrorOptions) {
    super('GEOIP_DATABASE_INVALID', message, options)
  }
}

/** A projection asked for something it cannot give (an unknown destination kind, items the report lacks). */
export class ProjectionError extends GatewayError<'PROJECTION_UNKNOWN_KIND' | 'PROJECTION_BAD_ITEMS' | 'PROJECTION_SPEC_INVALID'> {}

/** A router built with settings it cannot work with (a home country that is not an ISO code). */
export class RouterConfigError extends GatewayError<'ROUTING_CONFIG_INVALID'> {
  constructor(message: string) {
    super('ROUTING_CONFIG_INVALID', message)
  }
}
