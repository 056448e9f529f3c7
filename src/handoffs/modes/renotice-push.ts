import { leaseRenotices, type DeliveryMode } from '../delivery-mode.ts'
import { pushMessage } from '../push-request.ts'

/** Re-notices to a push destination go to its endpoint (never given up); a pulling destination finds them in its inbox. */
export const renoticePush: DeliveryMode = {
  name: 'renotice push delivery',
  mode: 'push',
  target: (destination) => (destination.delivery.mode === 'push' ? destination.delivery.endpoint : undefined),
  claim: leaseRenotices,
  deliver: pushMessage,
}
