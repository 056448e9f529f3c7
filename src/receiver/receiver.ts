import type { GatewayClient, ReceiptOutcome } from './gateway-client.ts'
import { remoteJwks, type GatewayKeySource } from './gateway-jwks.ts'
import { signReceipt, signRetractionReceipt } from './messages.ts'
import type { NonceStore } from './nonce-store.ts'
import type { PartnerKey } from './partner-key.ts'
import { ReceiverError, type ReceiverErrorCode } from './receiver-error.ts'
import { verifyHandoff, type VerifiedHandoff } from './verify-handoff.ts'
import { createPushVerifier, type PushRequest } from './verify-push.ts'
import { verifyRenotice, type VerifiedRenotice } from './verify-renotice.ts'
import { verifyRetraction, type VerifiedRetraction } from './verify-retraction.ts'

/** The receipt book entry of a handoff's retraction: `retraction:<handoff id>`. */
export const RETRACTION_ENTRY = 'retraction:'

/** The receipt given for each handoff id (and each retraction), so that a handoff sent again gets the same receipt (and is handled once). */
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
  /** What you do when a handoff's report is retracted by its sender (stop acting on it). Throwing leaves it unreceipted. */
  onRetraction?(retraction: VerifiedRetraction): void | Promise<void>
  /**
   * A platform's notice sent again: the content is still not reported removed (claims.renotice counts
   * them). Act on the handoff you hold and post its status. Called for each delivery; throwing refuses it.
   */
  onRenotice?(renotice: VerifiedRenotice): void | Promise<void>
}

export interface PullOutcome {
  received: string[]
  /** Handoff ids whose retraction was verified, handled and receipted. */
  retracted: string[]
  /** Handoff ids whose re-notice was verified and handled. */
  renoticed: string[]
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

  /** The receipt for a verified message: the one given before, else made once, after its handler has taken it. */
  function once(book: string, handle: () => Promise<void>, sign: () => string): Promise<string> {
    let receipt = handling.get(book) // the gateway may send again while the first is still being handled
    if (!receipt) {
      receipt = (async () => {
        const known = await receipts.get(book)
        if (known) return known
        await handle()
        const made = sign()
        await receipts.put(book, made)
        return made
      })().finally(() => handling.delete(book))
      handling.set(book, receipt)
    }
    return receipt
  }

  const accept = (handoff: VerifiedHandoff) =>
    once(
      handoff.item.id,
      async () => options.onHandoff(handoff),
      () => signReceipt(options.key, handoff.item),
    )
  const acceptRetraction = (retraction: VerifiedRetraction) =>
    once(
      `${RETRACTION_ENTRY}${retraction.item.handoff_id}`,
      async () => options.onRetraction?.(retraction),
      () => signRetractionReceipt(options.key, retraction),
    )

  return {
    keys,
    /** A push from the gateway: verified, handled, and the receipt to answer with (2xx `{ receipt }`). Throws ReceiverError. */
    async push(request: PushRequest): Promise<{ receipt?: string }> {
      const message = await verifyPush(request)
      if (message.kind === 'retraction') return { receipt: await acceptRetraction(message.retraction) }
      if (message.kind === 'renotice') {
        await options.onRenotice?.(message.renotice) // answered by a status message, not a receipt
        return {}
      }
      return { receipt: await accept(message.handoff) }
    },
    /**
     * One look at the inbox (from `cursor`, waiting up to `wait` seconds for something new): each handoff and
     * retraction verified, handled and receipted; those that fail a check are left unreceipted. Returns the
     * cursor to look from next time.
     */
    async pull(client: GatewayClient, query: { cursor?: string; wait?: number } = {}): Promise<PullOutcome & { cursor: string }> {
      const outcome: PullOutcome = { received: [], retracted: [], renoticed: [], refused: [] }
      const page = await client.inboxPage({ limit: 100, ...query })
      // each handoff verified and handled, then the page's receipts posted in one request
      const receipted: Array<{ handoff_id: string; receipt: string }> = []
      await eachAtMost(PULL_CONCURRENCY, page.handoffs, (item) =>
        attempt(outcome, item.id, async () => {
          receipted.push({ handoff_id: item.id, receipt: await accept(await verifyHandoff(item, keys, participant)) })
        }),
      )
      if (receipted.length > 0)
        for (const answer of await client.postReceipts(receipted)) {
          if (answer.status === 'received') outcome.received.push(answer.handoff_id)
          else outcome.refused.push({ id: answer.handoff_id, code: 'GATEWAY_REFUSED', message: refusal(answer) })
        }
      await eachAtMost(PULL_CONCURRENCY, page.retractions, (item) =>
        attempt(outcome, item.handoff_id, async () => {
          await client.postRetractionReceipt(item.handoff_id, await acceptRetraction(await verifyRetraction(item, keys, participant)))
          outcome.retracted.push(item.handoff_id)
        }),
      )
      for (const item of page.renotices ?? [])
        await attempt(outcome, item.handoff_id, async () => {
          await options.onRenotice?.(await verifyRenotice(item, keys, participant))
          outcome.renoticed.push(item.handoff_id)
        })
      return { ...outcome, cursor: page.next_cursor }
    },
  }
}

/** Handoffs of one page verified and handled at once. */
const PULL_CONCURRENCY = 8

function refusal(answer: ReceiptOutcome): string {
  return `POST /v1/inbox/receipts: ${answer.problem?.status ?? ''} ${[answer.problem?.code, answer.problem?.detail].filter(Boolean).join(': ')}`.trim()
}

/** `work` for every item, at most `limit` at a time. */
async function eachAtMost<T>(limit: number, items: T[], work: (item: T) => Promise<void>): Promise<void> {
  let next = 0
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await work(items[next++]!)
    }),
  )
}

/** Runs one item's handling; a refusal is recorded and the rest go on. */
async function attempt(outcome: PullOutcome, id: string, work: () => Promise<void>): Promise<void> {
  try {
    await work()
  } catch (error) {
    if (!(error instanceof ReceiverError)) throw error
    outcome.refused.push({ id, code: error.code, message: error.message })
  }
}

export type Receiver = ReturnType<typeof createReceiver>
