import { leaseRetractions, type DeliveryMode } from '../delivery-mode.ts'
import { pushMessage } from '../push-request.ts'

/** Retractions to a push destination go to its endpoint (never given up); a pulling destination finds them in its inbox. */
export const retractionPush: DeliveryMode = {
  name: 'retraction push delivery',
  mode: 'push',
  target: (destination) => (destination.delivery.mode === 'push' ? destination.delivery.endpoint : undefined),
  claim: leaseRetractions,
  deliver: pushMessage,
}
