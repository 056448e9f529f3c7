import { generateKeyPairSync } from 'node:crypto'

import { base64url, SignJWT, type JWTPayload } from 'jose'
import { ResponseBodyError } from 'openid-client'
import t, { type Test } from 'tap'

import { AuthError, createTokenVerifier, type AuthErrorCode, type TokenVerifier } from '../../src/auth/token-verifier.ts'
import { rejectionOf, startTestIdp } from '../helpers/idp.ts'

const AUDIENCE = 'https://gateway.example.org'
const CLIENTS = [
  { clientId: 'hotline-a', scopes: ['reports:write', 'reports:read'] },
  { clientId: 'hotline-b', scopes: ['inbox:read'] },
]

const idp = await startTestIdp({ audience: AUDIENCE, clients: CLIENTS })
t.teardown(() => idp.close())
const verifier = await createTokenVerifier({ issuer: idp.issuer, audience: AUDIENCE, allowInsecureHttp: true })

const now = () => Math.floor(Date.now() / 1000)
/** Claims as the IdP issues them, for tests that vary one thing at a time. */
const claims = (overrides: JWTPayload = {}): JWTPayload => ({
  iss: idp.issuer,
  aud: AUDIENCE,
  sub: 'hotline-a',
  client_id: 'hotline-a',
  scope: 'reports:read',
  iat: now(),
  exp: now() + 300,
  jti: 'test-jti',
  ...overrides,
})

async function assertRefused(t: Test, token: string, code: AuthErrorCode, message: RegExp, by: TokenVerifier = verifier) {
  const error = await rejectionOf(by.verify(token))
  t.type(error, AuthError, 'refused with AuthError')
  if (!(error instanceof AuthError)) return
  t.equal(error.code, code)
  t.match(error.message, message)
  if (token.length > 8) t.notOk(error.message.includes(token), 'the message never echoes the token')
}

t.test('a real token from the IdP verifies and carries client and scopes', async (t) => {
  const token = await idp.tokenFor('hotline-a', ['reports:write'])
  const verified = await verifier.verify(token)
  t.equal(verified.clientId, 'hotline-a')
  t.equal(verified.subject, 'hotline-a', 'client_credentials tokens are about the client itself')
  t.same([...verified.scopes], ['reports:write'])
  t.ok(verified.expiresAt.getTime() > Date.now(), 'expiresAt is in the future')
  t.type(verified.tokenId, 'string')
  t.equal(verifier.issuer, idp.issuer)
})

t.test('without a scope parameter the client gets all of its scopes', async (t) => {
  const verified = await verifier.verify(await idp.tokenFor('hotline-a'))
  t.same([...verified.scopes].sort(), ['reports:read', 'reports:write'])
})

t.test('each client only gets its own scopes', async (t) => {
  const verified = await verifier.verify(await idp.tokenFor('hotline-b'))
  t.equal(verified.clientId, 'hotline-b')
  t.same([...verified.scopes], ['inbox:read'])
})

t.test('the IdP refuses scopes the client is not allowed', async (t) => {
  // each rejection is caught as soon as it is made: one that settles before its turn is no unhandled rejection
  const refusals = [
    rejectionOf(idp.tokenFor('hotline-a', ['audit:read'])), // a vocabulary scope this client was not given
    rejectionOf(idp.tokenFor('hotline-b', ['inbox:read', 'reports:write'])),
    rejectionOf(idp.tokenFor('hotline-a', ['made:up'])), // a scope nobody has
  ]
  for (const refusal of refusals) {
    const error = await refusal
    t.type(error, ResponseBodyError, 'the token endpoint answered with an OAuth error')
    t.equal((error as ResponseBodyError).error, 'invalid_scope')
    t.equal((error as ResponseBodyError).status, 400)
  }
})

t.test('typ application/at+jwt is accepted too (RFC 9068 §2.1)', async (t) => {
  const verified = await verifier.verify(await idp.signAsIssuer(claims(), { typ: 'application/at+jwt' }))
  t.equal(verified.clientId, 'hotline-a')
})

t.test('exp within the 30 s clock tolerance is still accepted', async (t) => {
  const verified = await verifier.verify(await idp.signAsIssuer(claims({ exp: now() - 5 })))
  t.equal(verified.clientId, 'hotline-a')
})

t.test('a custom clock tolerance replaces the default', async (t) => {
  const strict = await createTokenVerifier({ issuer: idp.issuer, audience: AUDIENCE, allowInsecureHttp: true, clockToleranceSeconds: 0 })
  await assertRefused(t, await idp.signAsIssuer(claims({ exp: now() - 5 })), 'AUTH_EXPIRED', /expired/, strict)
})

t.test('refused: expired', async (t) => {
  await assertRefused(t, await idp.signAsIssuer(claims({ iat: now() - 600, exp: now() - 120 })), 'AUTH_EXPIRED', /expired/)
})

t.test('refused: not valid yet', async (t) => {
  await assertRefused(t, await idp.signAsIssuer(claims({ nbf: now() + 120 })), 'AUTH_INVALID_TOKEN', /not valid yet/)
})

t.test('refused: wrong audience', async (t) => {
  await assertRefused(t, await idp.signAsIssuer(claims({ aud: 'https://other-api.example.net' })), 'AUTH_INVALID_TOKEN', /audience/)
})

t.test('accepted: audience list that includes the gateway', async (t) => {
  const verified = await verifier.verify(await idp.signAsIssuer(claims({ aud: ['https://other-api.example.net', AUDIENCE] })))
  t.equal(verified.clientId, 'hotline-a')
})

t.test('refused: wrong issuer, even one that differs only by a trailing slash', async (t) => {
  await assertRefused(t, await idp.signAsIssuer(claims({ iss: 'https://idp.example.net' })), 'AUTH_INVALID_TOKEN', /issuer/)
  await assertRefused(t, await idp.signAsIssuer(claims({ iss: `${idp.issuer}/` })), 'AUTH_INVALID_TOKEN', /issuer/)
})

t.test('refused: wrong typ, e.g. an ID token shaped JWT', async (t) => {
  const idToken = claims({ nonce: 'n-0S6_WzA2Mj', auth_time: now(), azp: 'hotline-a' })
  await assertRefused(t, await idp.signAsIssuer(idToken, { typ: 'JWT' }), 'AUTH_INVALID_TOKEN', /typ/)
  await assertRefused(t, await idp.signAsIssuer(idToken, { typ: undefined }), 'AUTH_INVALID_TOKEN', /typ/, verifier)
})

t.test('refused: required claims missing or of the wrong type', async (t) => {
  await assertRefused(t, await idp.signAsIssuer(claims({ client_id: undefined })), 'AUTH_INVALID_TOKEN', /client_id/)
  await assertRefused(t, await idp.signAsIssuer(claims({ exp: undefined })), 'AUTH_INVALID_TOKEN', /"exp"/)
  await assertRefused(t, await idp.signAsIssuer(claims({ client_id: 42 })), 'AUTH_INVALID_TOKEN', /client_id/)
  await assertRefused(t, await idp.signAsIssuer(claims({ scope: ['reports:read'] })), 'AUTH_INVALID_TOKEN', /scope/)
})

t.test('refused: sender-constrained (DPoP / mTLS bound) tokens presented as bearer', async (t) => {
  const bound = await idp.signAsIssuer(claims({ cnf: { jkt: '0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I' } }))
  await assertRefused(t, bound, 'AUTH_INVALID_TOKEN', /sender-constrained/)
})

t.test('refused: forged, signed by another key under the issuer kid', async (t) => {
  const { privateKey } = generateKeyPairSync('ed25519')
  const forged = await new SignJWT(claims()).setProtectedHeader({ alg: 'EdDSA', kid: idp.issuerKid, typ: 'at+jwt' }).sign(privateKey)
  await assertRefused(t, forged, 'AUTH_INVALID_TOKEN', /signature/)
})

t.test('refused: a kid the issuer does not publish', async (t) => {
  const { privateKey } = generateKeyPairSync('ed25519')
  const token = await new SignJWT(claims()).setProtectedHeader({ alg: 'EdDSA', kid: 'not-published', typ: 'at+jwt' }).sign(privateKey)
  await assertRefused(t, token, 'AUTH_INVALID_TOKEN', /signing key is not published/)
})

t.test('refused: alg none', async (t) => {
  const encode = (value: object) => base64url.encode(JSON.stringify(value))
  const unsigned = `${encode({ alg: 'none', typ: 'at+jwt' })}.${encode(claims())}.`
  await assertRefused(t, unsigned, 'AUTH_INVALID_TOKEN', /algorithm/)
})

t.test('refused: HS256 keyed with the issuer public key bytes (alg confusion)', async (t) => {
  const pem = idp.issuerPublicKey.export({ type: 'spki', format: 'pem' })
  const jwkBytes = JSON.stringify(idp.issuerPublicKey.export({ format: 'jwk' }))
  for (const secret of [pem, jwkBytes]) {
    const token = await new SignJWT(claims())
      .setProtectedHeader({ alg: 'HS256', kid: idp.issuerKid, typ: 'at+jwt' })
      .sign(new TextEncoder().encode(String(secret)))
    await assertRefused(t, token, 'AUTH_INVALID_TOKEN', /algorithm is not allowed/)
  }
})

t.test('refused: garbage', async (t) => {
  for (const garbage of ['', 'garbage', 'a.b.c', '...', `${'x'.repeat(64)}.${'y'.repeat(64)}`]) {
    await assertRefused(t, garbage, 'AUTH_INVALID_TOKEN', /well-formed/)
  }
  // A plausible header over a non-JSON payload: the signature is checked (and fails) first.
  await assertRefused(t, 'eyJhbGciOiJFZERTQSJ9.bm90IGpzb24.c2ln', 'AUTH_INVALID_TOKEN', /signature/)
})

t.test('an issuer whose keys cannot be fetched is AUTH_ISSUER_UNAVAILABLE, not a bad token', async (t) => {
  const gone = await startTestIdp({ audience: AUDIENCE, clients: CLIENTS })
  const lazy = await createTokenVerifier({ issuer: gone.issuer, audience: AUDIENCE, allowInsecureHttp: true })
  const token = await gone.tokenFor('hotline-a')
  await gone.close()
  await assertRefused(t, token, 'AUTH_ISSUER_UNAVAILABLE', /could not be fetched/, lazy)
})
