import { leaseHandoffs, type DeliveryMode } from '../delivery-mode.ts'
import { pushMessage } from '../push-request.ts'

/**
 * Urgent push: a destination that names `delivery.urgent_endpoint` (push or pull) is pushed its urgent
 * handoffs there at once, on a loop and a breaker of their own, so a down bulk endpoint never holds them.
 */
export const urgentPush: DeliveryMode = {
  name: 'urgent push delivery',
  mode: 'push',
  target: (destination) => destination.delivery.urgent_endpoint,
  claim: (pool, wanted, leaseMs) => leaseHandoffs(pool, wanted, leaseMs, () => 'only'),
  deliver: pushMessage,
}
