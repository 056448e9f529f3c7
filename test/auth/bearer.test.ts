import t from 'tap'

import { AuthError } from '../../src/auth/auth-error.ts'
import { parseBearer, requireBearer, wwwAuthenticate } from '../../src/auth/bearer.ts'
import { problemOf } from '../../src/http/problems.ts'

const JWT = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln'

t.test('parseBearer accepts one Bearer scheme with a token68', async (t) => {
  t.equal(parseBearer(`Bearer ${JWT}`), JWT)
  t.equal(parseBearer(`bearer ${JWT}`), JWT, 'scheme is case-insensitive')
  t.equal(parseBearer(`BEARER ${JWT}`), JWT)
  t.equal(parseBearer(`Bearer  ${JWT}`), JWT, '1*SP between scheme and token')
  t.equal(parseBearer('Bearer abc+/~-._=='), 'abc+/~-._==', 'all token68 characters and trailing padding')
})

t.test('parseBearer refuses everything else', async (t) => {
  const refused = [
    undefined,
    '',
    'Bearer',
    'Bearer ',
    `Basic ${JWT}`,
    `Bearer${JWT}`,
    `Bearer ${JWT} `,
    ` Bearer ${JWT}`,
    `Bearer\t${JWT}`,
    `Bearer ${JWT}, Bearer ${JWT}`,
    `Bearer ${JWT} extra`,
    'Bearer a=b',
    'Bearer ==',
    'Bearer tok"en',
    'Bearer tok\nen',
    `Token ${JWT}`,
  ]
  for (const header of refused) t.equal(parseBearer(header), null, JSON.stringify(header))
})

t.test('requireBearer tells missing credentials from a broken Bearer header', async (t) => {
  t.equal(requireBearer(`Bearer ${JWT}`), JWT)
  for (const header of [undefined, '', `Basic ${JWT}`, `Bearerish ${JWT}`]) {
    t.throws(() => requireBearer(header), { name: 'AuthError', code: 'AUTH_MISSING_TOKEN' }, JSON.stringify(header))
  }
  for (const header of ['Bearer', 'Bearer ', `Bearer ${JWT} x`, 'bearer a,b']) {
    t.throws(() => requireBearer(header), { name: 'AuthError', code: 'AUTH_INVALID_REQUEST' }, JSON.stringify(header))
  }
  const error = (() => {
    try {
      requireBearer(`Bearer ${JWT} x`)
    } catch (caught) {
      return caught
    }
  })()
  t.type(error, AuthError)
  t.equal(problemOf(error)?.status, 400, 'answered as a 400 (the catalogue in src/http/problems.ts)')
  t.notMatch((error as AuthError).message, JWT, 'the message never echoes the token')
})

t.test('wwwAuthenticate without an error only names the realm (RFC 6750 §3.1)', async (t) => {
  t.equal(wwwAuthenticate(), 'Bearer realm="hotline-gateway"')
  t.equal(wwwAuthenticate({ code: 'AUTH_MISSING_TOKEN', description: 'a Bearer access token is required' }), 'Bearer realm="hotline-gateway"')
})

t.test('wwwAuthenticate maps our codes to RFC 6750 error codes', async (t) => {
  t.equal(
    wwwAuthenticate({ code: 'AUTH_EXPIRED', description: 'token has expired' }),
    'Bearer realm="hotline-gateway", error="invalid_token", error_description="token has expired"',
  )
  t.equal(wwwAuthenticate({ code: 'AUTH_INVALID_TOKEN' }), 'Bearer realm="hotline-gateway", error="invalid_token"')
  t.equal(wwwAuthenticate({ code: 'AUTH_INVALID_REQUEST' }), 'Bearer realm="hotline-gateway", error="invalid_request"')
  t.equal(
    wwwAuthenticate({ code: 'AUTH_INSUFFICIENT_SCOPE', description: 'missing scope' }, ['reports:write', 'reports:read']),
    'Bearer realm="hotline-gateway", error="insufficient_scope", error_description="missing scope", scope="reports:write reports:read"',
  )
  t.equal(wwwAuthenticate(undefined, 'inbox:read'), 'Bearer realm="hotline-gateway", scope="inbox:read"')
})

t.test('wwwAuthenticate keeps the header value well-formed whatever it is given', async (t) => {
  const header = wwwAuthenticate({ code: 'AUTH_INVALID_TOKEN', description: 'bad "quoted" \\ thing\r\nInjected: yes' }, ['ok:scope', 'bad"scope', ''])
  t.equal(header, 'Bearer realm="hotline-gateway", error="invalid_token", error_description="bad quoted  thingInjected: yes", scope="ok:scope"')
  t.notMatch(header, /[\r\n]/)
})
