import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { promisify } from 'node:util'

import { calculateJwkThumbprint, decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair, SignJWT } from 'jose'
import t from 'tap'

import { AuthError } from '../../src/auth/auth-error.ts'
import { devTokenHowTo, startDevIssuer, type DevIssuerOptions } from '../../src/auth/dev-issuer.ts'
import { createTokenVerifier } from '../../src/auth/token-verifier.ts'
import { partnerKeyPair, rejectionOf } from '../helpers/idp.ts'

const AUDIENCE = 'https://gateway.example.org'
const SECRET = "dev-secret with spaces, 'quotes' & %"
const SECRET_CLIENT = { clientId: 'dev-hotline', scopes: ['reports:write', 'reports:read', 'inbox:read'], secret: SECRET }

const partner = await partnerKeyPair()
const KEY_CLIENT = { clientId: 'key-hotline', scopes: ['reports:read'], jwks: { keys: [partner.publicJwk] } }

// Runs first, before anything in this process has loaded oidc-provider (it warns on import).
const printed: string[] = []
const consoleMethods = ['log', 'info', 'warn', 'error', 'debug'] as const
const originals = consoleMethods.map((name) => console[name])
for (const name of consoleMethods) console[name] = (...args: unknown[]) => void printed.push(args.map(String).join(' '))
const dev = await startDevIssuer({ audience: AUDIENCE, clients: [SECRET_CLIENT, KEY_CLIENT], accessTokenTtlSeconds: 120 })
t.teardown(() => dev.close())
const tokenUrl = `${dev.issuer}/token`
const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`

/** A token request as curl or any HTTP client would send it. */
async function tokenRequest(issuer: string, form: Record<string, string>, authorization: string | null) {
  const response = await fetch(`${issuer}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(authorization ? { authorization } : {}) },
    body: new URLSearchParams(form),
  })
  return { status: response.status, body: (await response.json()) as Record<string, unknown> }
}

const requestToken = (form: Record<string, string>, authorization: string | null = basic(SECRET_CLIENT.clientId, SECRET)) =>
  tokenRequest(dev.issuer, form, authorization)

const first = await requestToken({ grant_type: 'client_credentials', resource: AUDIENCE, scope: 'reports:read' })
const refused = await requestToken({ grant_type: 'client_credentials', resource: AUDIENCE, scope: 'audit:read' })
consoleMethods.forEach((name, i) => (console[name] = originals[i]!))

const verifier = await createTokenVerifier({ issuer: dev.issuer, audience: AUDIENCE, allowInsecureHttp: true })

t.test('starting and serving tokens prints nothing', async (t) => {
  t.equal(first.status, 200)
  t.equal(refused.status, 400)
  t.same(printed, [])
})

t.test('listens on loopback http with an ephemeral port', async (t) => {
  t.match(dev.issuer, /^http:\/\/127\.0\.0\.1:\d+$/)
  t.not(dev.issuer, 'http://127.0.0.1:0')
})

t.test('a client_secret client gets an RFC 9068 JWT with curl-like form posts', async (t) => {
  const { status, body } = await requestToken({ grant_type: 'client_credentials', resource: AUDIENCE, scope: 'reports:write inbox:read' })
  t.equal(status, 200)
  t.equal(body.token_type, 'Bearer')
  t.equal(body.expires_in, 120, 'accessTokenTtlSeconds is honoured')
  t.equal(body.refresh_token, undefined, 'never a refresh token')
  const token = String(body.access_token)
  t.match(decodeProtectedHeader(token), { typ: 'at+jwt', alg: 'EdDSA' })
  const claims = decodeJwt(token)
  t.match(claims, { client_id: 'dev-hotline', aud: AUDIENCE, iss: dev.issuer, scope: 'reports:write inbox:read' })
  t.equal(Number(claims.exp) - Number(claims.iat), 120)
  const verified = await verifier.verify(token)
  t.equal(verified.clientId, 'dev-hotline')
  t.same([...verified.scopes].sort(), ['inbox:read', 'reports:write'])
})

t.test('what devTokenHowTo prints works as printed', async (t) => {
  const howTo = devTokenHowTo(dev.issuer, AUDIENCE, SECRET_CLIENT.clientId, SECRET)
  t.match(howTo, /curl /)
  t.match(howTo, tokenUrl)
  const { status, body } = await runCurlWithFetch(howTo)
  t.equal(status, 200)
  const verified = await verifier.verify(String(body.access_token))
  t.equal(verified.clientId, 'dev-hotline')
  t.same([...verified.scopes].sort(), [...SECRET_CLIENT.scopes].sort(), 'no scope parameter: all of the client scopes')
})

t.test('and with the real curl, where there is one', { skip: !existsSync('/usr/bin/curl') && 'no curl here' }, async (t) => {
  const command = curlCommand(devTokenHowTo(dev.issuer, AUDIENCE, SECRET_CLIENT.clientId, SECRET))
  const { stdout } = await promisify(execFile)('/bin/sh', ['-c', command])
  const verified = await verifier.verify(String((JSON.parse(stdout) as Record<string, unknown>).access_token))
  t.equal(verified.clientId, 'dev-hotline')
})

t.test('the token endpoint refuses what it should', async (t) => {
  const wrongSecret = await requestToken({ grant_type: 'client_credentials', resource: AUDIENCE }, basic('dev-hotline', 'nope'))
  t.equal(wrongSecret.status, 401)
  t.equal(wrongSecret.body.error, 'invalid_client')

  t.equal(refused.body.error, 'invalid_scope', 'a scope the client was not given')

  const otherApi = await requestToken({ grant_type: 'client_credentials', resource: 'https://other-api.example.net' })
  t.equal(otherApi.status, 400)
  t.equal(otherApi.body.error, 'invalid_target')

  const otherGrants: Array<[string, Record<string, string>]> = [
    ['refresh_token', { refresh_token: 'x' }],
    ['authorization_code', { code: 'x', redirect_uri: 'https://partner.example.net/cb' }],
    ['password', { username: 'x', password: 'x' }],
  ]
  for (const [grant_type, form] of otherGrants) {
    const other = await requestToken({ grant_type, ...form })
    t.equal(other.status, 400, grant_type)
    t.equal(other.body.error, 'unsupported_grant_type', grant_type)
  }
})

t.test('private_key_jwt clients authenticate, and a replayed assertion is refused', async (t) => {
  const assertion = await new SignJWT({})
    .setProtectedHeader({ alg: 'ES256', kid: partner.publicJwk.kid! })
    .setIssuer(KEY_CLIENT.clientId)
    .setSubject(KEY_CLIENT.clientId)
    .setAudience(dev.issuer)
    .setJti(`jti-${Date.now()}`)
    .setIssuedAt()
    .setExpirationTime('1m')
    .sign(partner.privateKey)
  const form = {
    grant_type: 'client_credentials',
    resource: AUDIENCE,
    client_id: KEY_CLIENT.clientId,
    client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
    client_assertion: assertion,
  }
  const firstUse = await requestToken(form, null)
  t.equal(firstUse.status, 200)
  t.equal((await verifier.verify(String(firstUse.body.access_token))).clientId, 'key-hotline')
  const replay = await requestToken(form, null)
  t.equal(replay.status, 401)
  t.equal(replay.body.error, 'invalid_client')
})

t.test('discovery advertises only what the dev issuer does', async (t) => {
  const metadata = (await (await fetch(`${dev.issuer}/.well-known/openid-configuration`)).json()) as Record<string, unknown>
  t.equal(metadata.issuer, dev.issuer)
  t.same(metadata.grant_types_supported, ['client_credentials'])
  t.same(metadata.response_types_supported, ['none'])
  t.same(metadata.token_endpoint_auth_methods_supported, ['private_key_jwt', 'client_secret_basic'])
  t.equal(metadata.dpop_signing_alg_values_supported, undefined, 'bearer tokens only')
  t.equal(metadata.pushed_authorization_request_endpoint, undefined)
  t.equal(metadata.end_session_endpoint, undefined)
  t.equal(metadata.introspection_endpoint, undefined)
  t.equal(metadata.revocation_endpoint, undefined)
  t.equal(metadata.registration_endpoint, undefined)
  t.equal(metadata.userinfo_endpoint, undefined)
})

t.test('configuration mistakes fail start-up with AUTH_CONFIG', async (t) => {
  const refusedStart = (opts: DevIssuerOptions) => rejectionOf(startDevIssuer(opts).then((issuer) => issuer.close()))
  const cases: Array<[string, DevIssuerOptions]> = [
    ['non-loopback host', { host: '0.0.0.0', audience: AUDIENCE, clients: [] }],
    ['client with neither jwks nor secret', { audience: AUDIENCE, clients: [{ clientId: 'c', scopes: [] }] }],
    ['client with both', { audience: AUDIENCE, clients: [{ ...KEY_CLIENT, secret: 's' }] }],
    ['symmetric signing key', { audience: AUDIENCE, clients: [], signingKey: { kty: 'oct', k: 'c2VjcmV0', alg: 'HS256', kid: 'k' } }],
  ]
  for (const [label, opts] of cases) {
    const error = await refusedStart(opts)
    t.type(error, AuthError, label)
    t.equal((error as AuthError).code, 'AUTH_CONFIG', label)
  }
})

t.test('an ES256 signing key works as well as the default Ed25519 one', async (t) => {
  const { privateKey } = await generateKeyPair('ES256', { extractable: true })
  const jwk = await exportJWK(privateKey)
  const signingKey = { ...jwk, alg: 'ES256', kid: await calculateJwkThumbprint(jwk) }
  const es = await startDevIssuer({ audience: AUDIENCE, clients: [SECRET_CLIENT], signingKey })
  t.teardown(() => es.close())
  const { body } = await tokenRequest(es.issuer, { grant_type: 'client_credentials', resource: AUDIENCE }, basic(SECRET_CLIENT.clientId, SECRET))
  const token = String(body.access_token)
  t.match(decodeProtectedHeader(token), { alg: 'ES256', kid: signingKey.kid, typ: 'at+jwt' })
  const esVerifier = await createTokenVerifier({ issuer: es.issuer, audience: AUDIENCE, allowInsecureHttp: true })
  t.equal((await esVerifier.verify(token)).clientId, 'dev-hotline')
})

t.test('a client registered without scopes gets tokens without scopes and may ask for none', async (t) => {
  const bare = await startDevIssuer({ audience: AUDIENCE, clients: [{ clientId: 'bare', scopes: [], secret: 's' }] })
  t.teardown(() => bare.close())
  const post = (form: Record<string, string>) =>
    tokenRequest(bare.issuer, { grant_type: 'client_credentials', resource: AUDIENCE, ...form }, basic('bare', 's'))
  const plain = await post({})
  t.equal(plain.status, 200)
  const bareVerifier = await createTokenVerifier({ issuer: bare.issuer, audience: AUDIENCE, allowInsecureHttp: true })
  t.same([...(await bareVerifier.verify(String(plain.body.access_token))).scopes], [])
  const greedy = await post({ scope: 'reports:read' })
  t.equal(greedy.body.error, 'invalid_scope')
})

t.test('close() stops the server', async (t) => {
  const other = await startDevIssuer({ audience: AUDIENCE, clients: [] })
  await other.close()
  await t.rejects(fetch(`${other.issuer}/.well-known/openid-configuration`))
})

/** The curl command inside devTokenHowTo's text: its indented lines, continuations joined. */
function curlCommand(howTo: string): string {
  const lines = howTo.split('\n')
  const start = lines.findIndex((line) => line.trim().startsWith('curl '))
  const command: string[] = []
  for (const line of lines.slice(start)) {
    command.push(line.trim().replace(/\\$/, ''))
    if (!line.endsWith('\\')) break
  }
  return command.join(' ')
}

/** POSIX-shell words of a command: single quotes (with '\'' escapes) and bare words only. */
function shellWords(command: string): string[] {
  const words: string[] = []
  for (const match of command.matchAll(/(?:'[^']*'|\\'|[^\s'\\])+/g)) {
    words.push(match[0].replace(/'([^']*)'|\\'/g, (quote, inner: string | undefined) => inner ?? "'"))
  }
  return words
}

/** Does what curl would do with the printed command (-u, -d, --data-urlencode, URL), via fetch. */
async function runCurlWithFetch(howTo: string) {
  const words = shellWords(curlCommand(howTo))
  const form: string[] = []
  let authorization = ''
  let url = ''
  for (let i = 1; i < words.length; i++) {
    const word = words[i]!
    if (word === '-s') continue
    if (word === '-u') authorization = `Basic ${Buffer.from(words[++i]!).toString('base64')}`
    else if (word === '-d') form.push(words[++i]!)
    else if (word === '--data-urlencode') {
      const [name, ...value] = words[++i]!.split('=')
      form.push(`${name}=${encodeURIComponent(value.join('='))}`)
    } else url = word
  }
  const response = await fetch(url, {
    method: 'POST',
    headers: { authorization, 'content-type': 'application/x-www-form-urlencoded' },
    body: form.join('&'),
  })
  return { status: response.status, body: (await response.json()) as Record<string, unknown> }
}
