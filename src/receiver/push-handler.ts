import type { IncomingMessage, ServerResponse } from 'node:http'
import type { TLSSocket } from 'node:tls'
import { ReceiverError } from './receiver-error.ts'
import type { Receiver } from './receiver.ts'

export interface PushHandlerOptions {
  /** Your endpoint's URL as the directory lists it, when a proxy in front rewrites Host or terminates TLS. */
  publicUrl?: string
  /** Largest body accepted (default 8 MiB; a payload is at most 4 MiB of text). */
  maxBodyBytes?: number
  /** Told of each refusal (the handoff id is not known yet: log the code, never the body). */
  onRefused?: (error: ReceiverError) => void
}

/** Problems with the request's authenticity answer 401, a handoff that fails its checks 400; either way the gateway tries again later. */
const UNAUTHENTIC = /^(SIGNATURE|DIGEST)_/

/**
 * A node:http(s) request handler for your push endpoint: POST bodies go through `receiver.push`; the
 * answer is 200 `{ receipt }`, or an RFC 9457 problem with the refusal's `code`, or 503 when your
 * `onHandoff` failed (the gateway retries).
 */
export function pushHandler(receiver: Receiver, options: PushHandlerOptions = {}) {
  const maxBodyBytes = options.maxBodyBytes ?? 8 * 1024 * 1024
  return (req: IncomingMessage, res: ServerResponse): void => {
    if (req.method !== 'POST') return answer(res, 405, problem(405, 'only POST', 'METHOD_NOT_ALLOWED'))
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > maxBodyBytes) req.destroy()
      else chunks.push(chunk)
    })
    req.on('end', async () => {
      try {
        const answered = await receiver.push({
          method: req.method!,
          url: targetUri(req, options.publicUrl),
          headers: req.headers,
          body: Buffer.concat(chunks),
        })
        answer(res, 200, answered)
      } catch (error) {
        if (!(error instanceof ReceiverError)) return answer(res, 503, problem(503, 'the handoff could not be taken now', 'RECEIVER_UNAVAILABLE'))
        options.onRefused?.(error)
        const status = UNAUTHENTIC.test(error.code) ? 401 : 400
        answer(res, status, problem(status, error.message, error.code))
      }
    })
  }
}

function targetUri(req: IncomingMessage, publicUrl?: string): string {
  if (publicUrl) return new URL(req.url ?? '/', publicUrl).href
  const scheme = (req.socket as TLSSocket).encrypted ? 'https' : 'http'
  return `${scheme}://${req.headers.host}${req.url}`
}

function problem(status: number, detail: string, code: string) {
  return { type: 'about:blank', title: code, status, detail, code }
}

function answer(res: ServerResponse, status: number, body: object): void {
  const type = status === 200 ? 'application/json' : 'application/problem+json'
  res.writeHead(status, { 'content-type': type }).end(JSON.stringify(body))
}
