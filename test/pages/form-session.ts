import type { FastifyInstance, LightMyRequestResponse } from 'fastify'

/** A person's browser, as far as the form cares: the form cookie it was given and the token in the page. */
export interface FormVisit {
  page: LightMyRequestResponse
  cookie: string
  token: string
}

export async function openForm(app: FastifyInstance, headers: Record<string, string> = {}, query = ''): Promise<FormVisit> {
  const page = await app.inject({ method: 'GET', url: `/report${query}`, headers: { accept: 'text/html', ...headers } })
  const setCookie = [page.headers['set-cookie'] ?? []].flat().map(String)
  const cookie = setCookie.map((c) => c.split(';')[0]!).find((c) => c.startsWith('hg_form=')) ?? ''
  const token = /name="form_token" value="([^"]+)"/.exec(page.body)?.[1] ?? ''
  return { page, cookie, token }
}

export function postForm(
  app: FastifyInstance,
  visit: Pick<FormVisit, 'cookie' | 'token'>,
  fields: Record<string, string>,
  headers: Record<string, string> = {},
) {
  return app.inject({
    method: 'POST',
    url: '/report',
    headers: { accept: 'text/html', cookie: visit.cookie, 'content-type': 'application/x-www-form-urlencoded', ...headers },
    payload: new URLSearchParams({ form_token: visit.token, website: '', ...fields }).toString(),
  })
}

/** The reference the confirmation page shows. */
export function referenceIn(body: string): string | undefined {
  return /<p class="reference" id="reference">([0-9a-f-]{36})<\/p>/.exec(body)?.[1]
}
