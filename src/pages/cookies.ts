import type { FastifyReply, FastifyRequest } from 'fastify'

/**
 * Cookies of the pages: HttpOnly, Secure (with the __Host- prefix) outside development and tests,
 * SameSite=Strict unless a cookie must survive the redirect back from the identity provider (Lax:
 * a Strict cookie is withheld from a navigation another site started).
 */
export interface CookieJar {
  read(request: FastifyRequest, name: string): string | undefined
  set(reply: FastifyReply, name: string, value: string, maxAgeSeconds: number, sameSite?: 'Strict' | 'Lax'): void
  clear(reply: FastifyReply, name: string): void
}

export function cookieJar(secure: boolean): CookieJar {
  const full = (name: string) => (secure ? `__Host-${name}` : name)
  const attributes = (sameSite = 'Strict') => `Path=/; HttpOnly; SameSite=${sameSite}${secure ? '; Secure' : ''}`
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
    set: (reply, name, value, maxAgeSeconds, sameSite) => add(reply, `${full(name)}=${value}; ${attributes(sameSite)}; Max-Age=${maxAgeSeconds}`),
    clear: (reply, name) => add(reply, `${full(name)}=; ${attributes()}; Max-Age=0`),
  }
}
