// The receiver kit as the destination in delivery tests: a push endpoint on a real HTTPS port running
// createReceiver + pushHandler, and its pull against a gateway on a real port. What the kit handled and the
// receipts it gave are kept, so that a test can check the gateway recorded the kit's own receipt.
import type { KeyObject } from 'node:crypto'
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http'
import { Readable } from 'node:stream'
import type { JWK } from 'jose'
import {
  createReceiver,
  generatePartnerKey,
  gatewayClient,
  memoryReceiptBook,
  partnerKey,
  pushHandler,
  staticJwks,
  type GatewayKeySource,
  type PartnerKey,
  type PullOutcome,
  type Receiver,
  type VerifiedHandoff,
} from '../../src/receiver/index.ts'
import { httpsListener } from './tls.ts'
import { RETRACTION_ENTRY } from '../../src/receiver/receiver.ts'
import type { VerifiedRetraction } from '../../src/receiver/verify-retraction.ts'

interface TestContext {
  teardown(fn: () => unknown): void
}

/** A test's Ed25519 signing key (its private KeyObject and kid) as the kit reads a key of `participant`. */
function kitKey(key: { privateKey: KeyObject; kid: string }, participant: string): Promise<PartnerKey> {
  return partnerKey({ ...(key.privateKey.export({ format: 'jwk' }) as JWK), kid: key.kid, participant })
}

/** A new partner key for `participant`, as `partner keygen` makes it and the kit reads it. */
export async function newKitKey(participant: string): Promise<PartnerKey> {
  return partnerKey((await generatePartnerKey(participant)).privateJwk)
}

/** The directory's `keys` member that publishes `key`. */
export function publishedKeys(key: PartnerKey): { jwks: { keys: Array<Record<string, string>> } } {
  return { jwks: { keys: [key.publicJwk as Record<string, string>] } }
}

/** An in-process app's JWKS, read through inject at each look-up. */
export function appJwks(app: { inject(request: { method: 'GET'; url: string }): Promise<{ json(): any }> }): GatewayKeySource {
  return jwksFrom(async () => (await app.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json())
}

/** The gateway's JWKS read through `get` (inject, say) at each look-up: the key it signs with may be made after the kit starts. */
function jwksFrom(get: () => Promise<{ keys: JWK[] }>): GatewayKeySource {
  return {
    key: async (kid) => staticJwks((await get()).keys).key(kid),
    keys: async () => (await get()).keys,
  }
}

/** `client`'s access token, from a test app's `auth` (what the kit's gateway client sends). */
function tokenOf(ctx: { auth(client: string): Promise<{ authorization: string }> }, client: string): () => Promise<string> {
  return async () => (await ctx.auth(client)).authorization.slice('Bearer '.length)
}

interface KitReceiverOptions {
  key: PartnerKey
  /** Where the kit finds the gateway's keys; asked at the first use (the gateway may start after the endpoint is listed). */
  keys: () => GatewayKeySource
}

export interface KitPartnerOptions extends KitReceiverOptions {
  tls: { key: string; cert: string }
  path?: string
  /**
   * Misbehaviour before the kit: called with each request's number (from 1) and body; answering `res` and
   * returning true keeps the kit out of that request. Say why at each use.
   */
  script?: (n: number, body: string, res: ServerResponse) => boolean
}

export interface KitReceiver {
  receiver(): Receiver
  handed: VerifiedHandoff[]
  retractions: VerifiedRetraction[]
  /** The receipt the kit gave for a handoff. */
  receipt(handoffId: string): Promise<string | undefined>
  /** The receipt the kit gave for a handoff's retraction. */
  retractionReceipt(handoffId: string): Promise<string | undefined>
  /** One look at the inbox through the kit's pull, as a client of `gateway` with `token`. */
  pull(gateway: string, token: () => Promise<string>, query?: { cursor?: string; wait?: number }): Promise<PullOutcome & { cursor: string }>
}

export interface KitPartner extends KitReceiver {
  /** The push endpoint, as the directory lists it. */
  url: string
  /** Each push body as it arrived, parsed. */
  received: any[]
  /** And its headers. */
  headers: IncomingHttpHeaders[]
  /** The codes of the pushes the kit refused. */
  refusals: string[]
  /** Stops listening; whatever hangs is reset. */
  close(): Promise<void>
}

/** A push partner on the kit: pushHandler on a real HTTPS port, listening until the test ends (or `close`). */
export async function kitPartner(t: TestContext, options: KitPartnerOptions): Promise<KitPartner> {
  const kit = kitReceiver(options)
  const received: any[] = []
  const headers: IncomingHttpHeaders[] = []
  const refusals: string[] = []
  let handler: ((req: IncomingMessage, res: ServerResponse) => void) | undefined
  const { url, close } = await httpsListener(
    t,
    options.tls,
    (req, res) => {
      const chunks: Buffer[] = []
      req.on('data', (chunk: Buffer) => chunks.push(chunk))
      req.on('end', () => {
        const body = Buffer.concat(chunks)
        received.push(JSON.parse(body.toString()))
        headers.push(req.headers)
        if (options.script?.(received.length, body.toString(), res)) return
        handler ??= pushHandler(kit.receiver(), { onRefused: (error) => void refusals.push(error.code) })
        handler(again(req, body), res)
      })
    },
    options.path,
  )
  return { ...kit, url, received, headers, refusals, close }
}

/** The kit's receiver (made at first use), what it handled, and its receipt book: a pull partner. */
function kitReceiver(options: KitReceiverOptions): KitReceiver {
  const book = memoryReceiptBook()
  const handed: VerifiedHandoff[] = []
  const retractions: VerifiedRetraction[] = []
  let receiver: Receiver | undefined
  const receiverOf = () =>
    (receiver ??= createReceiver({
      gateway: 'https://gateway.invalid', // never fetched: the keys come from options.keys
      key: options.key,
      keys: options.keys(),
      receipts: book,
      onHandoff: (handoff) => void handed.push(handoff),
      onRetraction: (retraction) => void retractions.push(retraction),
    }))
  return {
    receiver: receiverOf,
    handed,
    retractions,
    receipt: async (id) => book.get(id),
    retractionReceipt: async (id) => book.get(`${RETRACTION_ENTRY}${id}`),
    pull: (gateway, token, query = {}) => receiverOf().pull(gatewayClient({ gateway, token }), query),
  }
}

/** The request with its body, already read, to be read again by the kit's handler. */
function again(req: IncomingMessage, body: Buffer): IncomingMessage {
  return Object.assign(Readable.from([body]), {
    method: req.method,
    url: req.url,
    headers: req.headers,
    socket: req.socket,
  }) as unknown as IncomingMessage
}

/**
 * `participant` pulling through the kit from an in-process test app, under `key` (the one the directory
 * lists for it): the app listens on a loopback port from the first pull.
 */
export async function appPuller(
  ctx: { app: Parameters<typeof appJwks>[0]; auth(client: string): Promise<{ authorization: string }>; listen(): Promise<string> },
  key: { privateKey: KeyObject; kid: string },
  participant: string,
): Promise<Omit<KitReceiver, 'pull'> & { pull(query?: { cursor?: string; wait?: number }): Promise<PullOutcome & { cursor: string }> }> {
  const kit = kitReceiver({ key: await kitKey(key, participant), keys: () => appJwks(ctx.app) })
  const token = tokenOf(ctx, participant)
  let gateway: Promise<string> | undefined
  return { ...kit, pull: async (query = {}) => kit.pull(await (gateway ??= ctx.listen()), token, query) }
}
