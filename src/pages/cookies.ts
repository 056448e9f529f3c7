import type { FastifyReply, FastifyRequest } from 'fastify'

/** Cookies of the pages: HttpOnly, SameSite=Strict, Secure (with the __Host- prefix) outside development and tests. */
export interface CookieJar {
  read(request: FastifyRequest, name: string): string | undefined
  set(reply: FastifyReply, name: string, value: string, maxAgeSeconds: number): void
  clear(reply: FastifyReply, name: string): void
}

export function cookieJar(secure: boolean): CookieJar {
  const full = (name: string) => (secure ? `__Host-${name}` : name)
  const attributes = `Path=/; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`
  const add = (reply: FastifyReply, cookie: string) => {
    const existing = reply.getHeader('set-cookie')
    const list = existing === undefined ? [] : Array.isArray(existing) ? existing.map(String) : [String(existing)]
    reply.header('set-cookie', [...list, cookie])
  }
  return {
    read(request, name) {
      const wanted = full(name)
      for (const part of (request.headers.cookie ?? '').split(';')) {
        const eq = part.indexOf('=')
        if (eq > 0 && part.slice(0, eq).trim() === wanted) return part.slice(eq + 1).trim()
      }
      return undefined
    },
    set: (reply, name, value, maxAgeSeconds) => add(reply, `${full(name)}=${value}; ${attributes}; Max-Age=${maxAgeSeconds}`),
    clear: (reply, name) => add(reply, `${full(name)}=; ${attributes}; Max-Age=0`),
  }
}
