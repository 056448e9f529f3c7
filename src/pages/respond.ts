import type { FastifyReply } from 'fastify'
import type { Html } from './html.ts'

/**
 * The pages' Content-Security-Policy: nothing but this origin's stylesheet and forms posting back to
 * it. No script at all (the pages work without one), no frames, no plugins, no third party.
 */
export const PAGE_CSP = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

export function sendPage(reply: FastifyReply, status: number, page: Html): FastifyReply {
  return reply
    .code(status)
    .header('content-security-policy', PAGE_CSP)
    .header('cache-control', 'no-store')
    .type('text/html; charset=utf-8')
    .serializer((body: unknown) => String(body))
    .send(page.text)
}
