import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'

import t from 'tap'

import { AuthError } from '../../src/auth/auth-error.ts'
import { createTokenVerifier } from '../../src/auth/token-verifier.ts'
import { rejectionOf, startTestIdp } from '../helpers/idp.ts'

const AUDIENCE = 'https://gateway.example.org'

/** A loopback port that nothing listens on: bind one, then let it go. */
async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

async function startupError(opts: Parameters<typeof createTokenVerifier>[0]): Promise<AuthError> {
  const error = await rejectionOf(createTokenVerifier(opts))
  if (!(error instanceof AuthError)) throw new Error(`expected an AuthError, got ${String(error)}`)
  return error
}

t.test('an unreachable issuer fails start-up saying which URL and what to check', async (t) => {
  const issuer = `http://127.0.0.1:${await closedPort()}`
  const error = await startupError({ issuer, audience: AUDIENCE, allowInsecureHttp: true })
  t.equal(error.code, 'AUTH_DISCOVERY_FAILED')
  t.match(error.message, issuer)
  t.match(error.message, `${issuer}/.well-known/openid-configuration`)
  t.match(error.message, 'ECONNREFUSED', 'the low-level reason is kept')
  t.match(error.message, /reachable from this host/)
})

t.test('an issuer whose metadata names another issuer is refused at start-up', async (t) => {
  const idp = await startTestIdp({ audience: AUDIENCE, clients: [] })
  t.teardown(() => idp.close())
  // Same server, but not the identifier it declares: tokens would never match `iss`.
  const aliased = idp.issuer.replace('127.0.0.1', 'localhost')
  const error = await startupError({ issuer: aliased, audience: AUDIENCE, allowInsecureHttp: true })
  t.equal(error.code, 'AUTH_DISCOVERY_FAILED')
  t.match(error.message, aliased)
  t.match(error.message, `it declares "${idp.issuer}"`, 'says what the IdP calls itself')
  t.match(error.message, /"issuer" in it equals the configured URL/)
})

t.test('an issuer URL with no metadata behind it reports the HTTP status', async (t) => {
  const idp = await startTestIdp({ audience: AUDIENCE, clients: [] })
  t.teardown(() => idp.close())
  const error = await startupError({ issuer: `${idp.issuer}/realms/typo`, audience: AUDIENCE, allowInsecureHttp: true })
  t.equal(error.code, 'AUTH_DISCOVERY_FAILED')
  t.match(error.message, /HTTP 404/)
  t.match(error.message, `${idp.issuer}/realms/typo/.well-known/openid-configuration`)
})

t.test('a trailing slash on the configured issuer still verifies against the declared one', async (t) => {
  const idp = await startTestIdp({ audience: AUDIENCE, clients: [{ clientId: 'hotline-a', scopes: ['reports:read'] }] })
  t.teardown(() => idp.close())
  const verifier = await createTokenVerifier({ issuer: `${idp.issuer}/`, audience: AUDIENCE, allowInsecureHttp: true })
  t.equal(verifier.issuer, idp.issuer, 'expected iss is what the IdP declares')
  t.equal((await verifier.verify(await idp.tokenFor('hotline-a'))).clientId, 'hotline-a')
})

t.test('plain http is refused unless allowed, and never for non-loopback hosts', async (t) => {
  const port = await closedPort()
  const loopback = await startupError({ issuer: `http://127.0.0.1:${port}`, audience: AUDIENCE })
  t.equal(loopback.code, 'AUTH_CONFIG')
  t.match(loopback.message, /must use https/)
  const remote = await startupError({ issuer: 'http://idp.example.net', audience: AUDIENCE, allowInsecureHttp: true })
  t.equal(remote.code, 'AUTH_CONFIG', 'refused before any network traffic')
  t.match(remote.message, 'http://idp.example.net')
})

t.test('an issuer that is not a URL is a configuration error', async (t) => {
  const error = await startupError({ issuer: 'idp.example.net', audience: AUDIENCE })
  t.equal(error.code, 'AUTH_CONFIG')
  t.match(error.message, /not an absolute URL/)
})

t.test('an empty audience or a negative clock tolerance is a configuration error', async (t) => {
  const issuer = 'https://idp.example.net'
  t.equal((await startupError({ issuer, audience: '' })).code, 'AUTH_CONFIG')
  t.equal((await startupError({ issuer, audience: AUDIENCE, clockToleranceSeconds: -1 })).code, 'AUTH_CONFIG')
  t.equal((await startupError({ issuer, audience: AUDIENCE, clockToleranceSeconds: Number.NaN })).code, 'AUTH_CONFIG')
})
