import { principalOf } from '../http/principal.ts'
import type { OperationHandlers } from '../http/operations.ts'
import type { CanonicalReport } from '../contract/report.ts'
import { versionedHandlers } from '../state/versioned-routes.ts'
import type { RoutingService } from './routing-service.ts'

/** HTTP binding of routing: the dry run, and the rule sets as versioned documents. */
export function routingHandlers(routing: RoutingService): OperationHandlers {
  const versioned = versionedHandlers(routing, 'rules', 'routing rule set')
  return {
    explainRouting: async (request) => {
      const principal = principalOf(request)
      const { decision } = await routing.decide(request.body as CanonicalReport, principal.participant, principal.directory)
      return decision
    },
    getRoutingRules: async (request, reply) => {
      await routing.inForce()
      return versioned.current(request, reply)
    },
    getRoutingRulesVersion: versioned.atVersion,
    listRoutingRulesVersions: versioned.versions,
    replaceRoutingRules: versioned.replace,
  }
}
