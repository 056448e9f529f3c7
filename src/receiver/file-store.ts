import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { JWK } from 'jose'
import { RETRACTION_ENTRY, type ReceiptBook } from './receiver.ts'
import type { VerifiedRenotice } from './verify-renotice.ts'
import type { VerifiedRetraction } from './verify-retraction.ts'
import type { VerifiedHandoff } from './verify-handoff.ts'

/** The gateway's keys saved next to the handoffs, so that `partner verify` checks them offline later. */
export const SAVED_JWKS = 'gateway-jwks.json'

/**
 * Handoffs kept as files in `dir`: `<id>.json` (the handoff exactly as delivered: manifest, payload and
 * digests) and `<id>.receipt.jws` (the receipt given, so a restart still answers a re-send with it);
 * a retraction as `<id>.retraction.json` and `<id>.retraction.receipt.jws`; the latest re-notice as `<id>.renotice.json`.
 */
export function fileStore(dir: string) {
  const ready = mkdir(dir, { recursive: true, mode: 0o700 })
  async function save(name: string, text: string): Promise<void> {
    await ready
    const file = join(dir, name)
    await writeFile(`${file}.tmp`, text, { mode: 0o600 })
    await rename(`${file}.tmp`, file) // never a half-written file under the final name
  }
  const receipts: ReceiptBook = {
    async get(entry) {
      return readFile(join(dir, receiptFile(entry)), 'utf8').catch(() => undefined)
    },
    put: (entry, receipt) => save(receiptFile(entry), receipt),
  }
  return {
    receipts,
    async store(handoff: VerifiedHandoff): Promise<void> {
      await save(`${safe(handoff.item.id)}.json`, `${JSON.stringify(handoff.item, null, 2)}\n`)
    },
    async storeRetraction(retraction: VerifiedRetraction): Promise<void> {
      await save(`${safe(retraction.item.handoff_id)}.retraction.json`, `${JSON.stringify(retraction.item, null, 2)}\n`)
    },
    async storeRenotice(renotice: VerifiedRenotice): Promise<void> {
      await save(`${safe(renotice.item.handoff_id)}.renotice.json`, `${JSON.stringify(renotice.item, null, 2)}\n`)
    },
    saveJwks: (keys: JWK[]) => save(SAVED_JWKS, `${JSON.stringify({ keys }, null, 2)}\n`),
  }
}

/** A receipt book entry (a handoff id, or `retraction:` and one) as a file name. */
function receiptFile(entry: string): string {
  const retraction = entry.startsWith(RETRACTION_ENTRY)
  return retraction ? `${safe(entry.slice(RETRACTION_ENTRY.length))}.retraction.receipt.jws` : `${safe(entry)}.receipt.jws`
}

/** A handoff id (a UUID the manifest signed) as a file name: nothing but hex digits and dashes. */
function safe(id: string): string {
  if (!/^[0-9a-f-]{36}$/i.test(id)) throw new Error(`${JSON.stringify(id)} is not a handoff id`)
  return id.toLowerCase()
}
