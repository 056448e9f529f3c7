import { leaseHandoffs, pushEndpoint, type DeliveryMode } from '../delivery-mode.ts'
import { pushMessage } from '../push-request.ts'

/**
 * Push (`delivery: { mode: push, endpoint }`): each signed handoff is POSTed to the endpoint, except
 * the urgent ones of a destination that names an urgent endpoint (urgent push takes those).
 */
export const push: DeliveryMode = {
  name: 'push delivery',
  mode: 'push',
  target: pushEndpoint,
  claim: (pool, wanted, leaseMs) => leaseHandoffs(pool, wanted, leaseMs, (destination) => (destination.delivery.urgent_endpoint ? 'skip' : 'any')),
  deliver: pushMessage,
}
