// The signing thread's own code (src/crypto/signing-thread.ts starts it): keys by kid, then batches of
// messages -> their Ed25519 signatures, 64 bytes each, in one buffer handed back without a copy.
import { sign, type KeyObject } from 'node:crypto'
import { parentPort } from 'node:worker_threads'

/** What the signing thread is sent: a key (once per kid per thread), or a batch to sign with one. */
export type SigningRequest = { kid: string; key: KeyObject } | { id: number; kid: string; messages: string[] }

/** Its answer to a batch: the signatures, in the order of the messages. */
export interface SigningAnswer {
  id: number
  signatures: Uint8Array
}

const keys = new Map<string, KeyObject>()

parentPort?.on('message', (request: SigningRequest) => {
  if ('key' in request) return void keys.set(request.kid, request.key)
  const key = keys.get(request.kid)!
  const out = Buffer.allocUnsafe(64 * request.messages.length)
  request.messages.forEach((text, i) => sign(null, Buffer.from(text), key).copy(out, 64 * i))
  const answer: SigningAnswer = { id: request.id, signatures: out }
  parentPort!.postMessage(answer, [out.buffer])
})
