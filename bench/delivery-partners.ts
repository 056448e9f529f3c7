// Two partners for bench/delivery.ts, running the receiver kit in the bench process: one takes pushes
// on an HTTPS endpoint, one long-polls its inbox. Both verify everything and answer with signed receipts.
import { createServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import type { JWK } from 'jose'
import {
  createReceiver,
  gatewayClient,
  partnerKey,
  pushHandler,
  generatePartnerKey,
  type PartnerKey,
  type VerifiedHandoff,
} from '../src/receiver/index.ts'

export interface Partner {
  id: string
  key: PartnerKey
  publicJwk: JWK
}

export async function makePartner(id: string): Promise<Partner> {
  const { privateJwk, publicJwk } = await generatePartnerKey(id)
  return { id, key: await partnerKey(privateJwk), publicJwk }
}

/** A push endpoint on loopback; its URL. */
export async function pushPartner(
  partner: Partner,
  gateway: string,
  tls: { key: string; cert: string },
  onHandoff: (handoff: VerifiedHandoff) => void = () => undefined,
): Promise<{ url: string; close(): void }> {
  const receiver = createReceiver({ gateway, key: partner.key, participant: partner.id, onHandoff })
  const server = createServer(tls, pushHandler(receiver))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { url: `https://127.0.0.1:${(server.address() as AddressInfo).port}/inbox`, close: () => server.close() }
}

/** Long-polls the inbox until stopped. */
export function pullPartner(
  partner: Partner,
  gateway: string,
  token: () => Promise<string>,
  onHandoff: (handoff: VerifiedHandoff) => void = () => undefined,
): { stop(): Promise<void> } {
  const receiver = createReceiver({ gateway, key: partner.key, participant: partner.id, onHandoff })
  const client = gatewayClient({ gateway, token })
  let stopped = false
  const loop = (async () => {
    let cursor: string | undefined
    while (!stopped) {
      try {
        cursor = (await receiver.pull(client, { ...(cursor ? { cursor } : {}), wait: 2 })).cursor
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 500)) // a 503 from an overloaded machine: look again shortly, as a partner would
      }
    }
  })()
  return {
    async stop() {
      stopped = true
      await loop
    },
  }
}
