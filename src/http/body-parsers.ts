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
 * in the encoding its sender declared (xml-charset.ts), HTML forms as their fields; the raw bytes are
 * kept on the request every way. Undeclared types stay unsupported: 415.
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
    } else if (type === 'application/x-www-form-urlencoded') {
      app.addContentTypeParser(type, { parseAs: 'buffer' }, (request, body, done) => {
        request.rawBody = body as Buffer
        done(null, formFields(body as Buffer))
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

/**
 * An HTML form's fields: a name given once is a string, given more often an array (which a schema of
 * strings then refuses). Object.fromEntries defines own properties, so `__proto__` is just a name.
 */
function formFields(body: Buffer): Record<string, string | string[]> {
  const fields = new Map<string, string[]>()
  for (const [name, value] of new URLSearchParams(body.toString('utf8'))) fields.set(name, [...(fields.get(name) ?? []), value])
  return Object.fromEntries([...fields].map(([name, values]) => [name, values.length === 1 ? values[0]! : values]))
}
