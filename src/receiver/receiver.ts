import type { GatewayClient } from './gateway-client.ts'
import { remoteJwks, type GatewayKeySource } from './gateway-jwks.ts'
import { signReceipt } from './messages.ts'
import type { NonceStore } from './nonce-store.ts'
import type { PartnerKey } from './partner-key.ts'
import { ReceiverError, type ReceiverErrorCode } from './receiver-error.ts'
import { verifyHandoff, type VerifiedHandoff } from './verify-handoff.ts'
import { createPushVerifier, type PushRequest } from './verify-push.ts'

/** The receipt given for each handoff id, so that a handoff sent again gets the same receipt (and is handled once). */
export interface ReceiptBook {
  get(handoffId: string): string | undefined | Promise<string | undefined>
  put(handoffId: string, receipt: string): void | Promise<void>
}

export function memoryReceiptBook(): ReceiptBook {
  const receipts = new Map<string, string>()
  return { get: (id) => receipts.get(id), put: (id, receipt) => void receipts.set(id, receipt) }
}

export interface ReceiverOptions {
  /** The gateway's base URL: its JWKS is fetched from there (unless `keys` is given). */
  gateway: string | URL
  /** Your signing key: receipts are signed with it. */
  key: PartnerKey
  /** Your participant id (default: the key file's): handoffs addressed to anyone else are refused. */
  participant?: string
  keys?: GatewayKeySource
  nonces?: NonceStore
  receipts?: ReceiptBook
  /** What you do with a verified handoff (store it, pass it on). Throwing leaves it without a receipt, so it comes again. */
  onHandoff(handoff: VerifiedHandoff): void | Promise<void>
}

export interface PullOutcome {
  received: string[]
  refused: Array<{ id: string; code: ReceiverErrorCode; message: string }>
}

/**
 * A partner's receiver: verifies what the gateway pushes (or what its inbox holds), hands each new
 * handoff to `onHandoff` once, and gives the signed receipt, the same one for a handoff sent again.
 */
export function createReceiver(options: ReceiverOptions) {
  const keys = options.keys ?? remoteJwks(options.gateway)
  const receipts = options.receipts ?? memoryReceiptBook()
  const participant = options.participant ?? options.key.participant
  const verifyPush = createPushVerifier({ keys, participant, ...(options.nonces ? { nonces: options.nonces } : {}) })
  const handling = new Map<string, Promise<string>>()

  /** The receipt for a verified handoff: the one given before, else made once `onHandoff` has taken it. */
  function accept(handoff: VerifiedHandoff): Promise<string> {
    const id = handoff.item.id
    let receipt = handling.get(id) // the gateway may send again while the first is still being handled
    if (!receipt) {
      receipt = (async () => {
        const known = await receipts.get(id)
        if (known) return known
        await options.onHandoff(handoff)
        const made = signReceipt(options.key, handoff.item)
        await receipts.put(id, made)
        return made
      })().finally(() => handling.delete(id))
      handling.set(id, receipt)
    }
    return receipt
  }

  return {
    keys,
    /** A push from the gateway: verified, handled, and the receipt to answer with (2xx `{ receipt }`). Throws ReceiverError. */
    async push(request: PushRequest): Promise<{ receipt: string }> {
      return { receipt: await accept(await verifyPush(request)) }
    },
    /** One look at the inbox: each handoff verified, handled and receipted; those that fail a check are left unreceipted. */
    async pull(client: GatewayClient): Promise<PullOutcome> {
      const outcome: PullOutcome = { received: [], refused: [] }
      for (const item of await client.inbox()) {
        try {
          const receipt = await accept(await verifyHandoff(item, keys, participant))
          await client.postReceipt(item.id, receipt)
          outcome.received.push(item.id)
        } catch (error) {
          if (!(error instanceof ReceiverError)) throw error
          outcome.refused.push({ id: item.id, code: error.code, message: error.message })
        }
      }
      return outcome
    },
  }
}

export type Receiver = ReturnType<typeof createReceiver>
