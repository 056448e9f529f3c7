import type { DeliveryMode } from './delivery-mode.ts'
import { DELIVERY_MODES } from './delivery-modes.ts'
import { createDispatcher, type DispatcherOptions } from './delivery-dispatcher.ts'

export type PushDeliveryOptions = DispatcherOptions & {
  /** The modes to run (default: every registered one). */
  modes?: readonly DeliveryMode[]
}

/**
 * Delivery to destinations whose directory entry says `{ mode: push, endpoint }` (and to urgent
 * endpoints): each signed handoff, and each retraction, is POSTed (one inbox item,
 * schemas/handoff-inbox.json) over HTTPS, signed with RFC 9421. The registered modes
 * (src/handoffs/delivery-modes.ts) say what goes where; the dispatcher does the rest. The gateway
 * runs each mode on its own loop (handoff-runtime.ts); `step` runs them all once, for tests.
 */
export function createPushDelivery(options: PushDeliveryOptions) {
  const modes = options.modes ?? DELIVERY_MODES
  const dispatcher = createDispatcher(options)
  return {
    modes,
    dispatch: dispatcher.dispatch,
    /** Leases and delivers what is due now in every mode, and waits for those deliveries; how many there were. */
    async step(): Promise<number> {
      let started: Promise<void>[] = []
      for (const mode of modes) started = [...started, ...(await dispatcher.dispatch(mode))]
      await Promise.all(started)
      return started.length
    },
    stop: dispatcher.stop,
  }
}
