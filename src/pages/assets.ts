import { readFile } from 'node:fs/promises'
import type { OperationHandlers } from '../http/operations.ts'

// beside schemas/ and policy/, outside src/: the same path from the sources and from the build in dist/
const STYLESHEET = new URL('../../public/pages.css', import.meta.url)

/** The pages' one stylesheet, read once at start. */
export async function assetHandlers(): Promise<OperationHandlers> {
  const css = await readFile(STYLESHEET, 'utf8')
  return {
    getPagesCss: async (_request, reply) => {
      reply.header('cache-control', 'public, max-age=3600').type('text/css; charset=utf-8')
      return reply.serializer((body: unknown) => String(body)).send(css)
    },
  }
}
