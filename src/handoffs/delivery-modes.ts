import { sidePush, type DeliveryMode } from './delivery-mode.ts'
import { push } from './modes/push.ts'
import { urgentPush } from './modes/urgent-push.ts'

/**
 * The delivery modes every gateway process runs, each on its own loop. Register a new mode here.
 * Retractions first, then urgent handoffs: when one dispatch runs them all (tests), that is the order.
 */
export const DELIVERY_MODES: readonly DeliveryMode[] = [sidePush('retraction'), urgentPush, push, sidePush('renotice')]
