import type { FastifyInstance } from 'fastify'
import type { OpenApiContract } from './openapi-document.ts'
import { decodeXml } from './xml-charset.ts'

declare module 'fastify' {
  interface FastifyRequest {
    /** The exact bytes received, for digests of what the sender sent. */
    rawBody?: Buffer
  }
}

/**
 * One parser per request media type the contract declares: JSON and `+json` types through Fastify's
 * own hardened JSON parser (prototype poisoning refused), XML as text for the format mappers, read
 * in the encoding its sender declared (xml-charset.ts); the raw bytes are kept on the request either
 * way. Undeclared types stay unsupported: 415.
 */
export function installBodyParsers(app: FastifyInstance, contract: OpenApiContract): void {
  app.decorateRequest('rawBody', undefined)
  const json = app.getDefaultJsonParser('error', 'error')
  const declared = new Set(contract.operations.flatMap((op) => Object.keys(op.requestBody?.content ?? {})))
  app.removeContentTypeParser(['application/json', 'text/plain'])
  for (const type of declared) {
    if (/[/+]json$/.test(type)) {
      app.addContentTypeParser(type, { parseAs: 'buffer' }, (request, body, done) => {
        request.rawBody = body as Buffer
        json(request, (body as Buffer).toString('utf8'), done)
      })
    } else if (/[/+]xml$/.test(type)) {
      app.addContentTypeParser(type, { parseAs: 'buffer' }, (request, body, done) => {
        request.rawBody = body as Buffer
        try {
          done(null, decodeXml(body as Buffer, request.headers['content-type']))
        } catch (error) {
          done(error as Error, undefined)
        }
      })
    }
  }
}
