import { randomUUID } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { SignJWT, generateKeyPair } from 'jose'
import t from 'tap'
import { KIND_CEILING } from '../../src/auth/access.ts'
import { loadContract, type Operation } from '../../src/http/openapi-document.ts'
import { AUDIENCE, buildTestApp } from '../helpers/app.ts'
import { sha256Hex } from '../../src/crypto/jws.ts'
import { RETRACTION_RECEIPT_TYP } from '../../src/handoffs/signed-message.ts'
import { DESTINATION, handoffTestApp, sign, type HandoffTestApp } from '../handoffs/helpers.ts'

/** Operations anyone may call. Adding a public operation means adding it here, on purpose. */
const PUBLIC = [
  'getHealth',
  'getReadiness',
  'getOpenApiJson',
  'getOpenApiYaml',
  'getApiDocs',
  'getAuditKey',
  'getJwks',
  // people's pages: the public report form, its stylesheet, and the console's login and logout
  'getReportForm',
  'submitReportForm',
  'getPagesCss',
  'startConsoleLogin',
  'finishConsoleLogin',
  'logoutConsole',
]

/** Pages behind the console's session cookie (src/console): refused with a page, not a bearer challenge. */
const consoleOnly = (op: Operation) => (op.security ?? []).length > 0 && (op.security ?? []).every((r) => 'consoleSession' in r)

const contract = await loadContract()
const OPERATOR_SCOPES = [...KIND_CEILING.operator]

function urlFor(op: Operation): string {
  return op.path.replace(/\{([^}]+)\}/g, (_m, name: string) => {
    const schema = op.parameters.find((p) => p.name === name)?.schema as { type?: string; format?: string } | undefined
    if (schema?.type === 'integer') return '1'
    if (schema?.format === 'uuid') return randomUUID()
    return 'be-hotline'
  })
}

t.test('every operation declares its security; the public ones are exactly the known list', async (t) => {
  const open = contract.operations
    .filter((op) => op.security?.length === 0)
    .map((op) => op.operationId)
    .sort()
  t.same(open, [...PUBLIC].sort())
  for (const op of contract.operations) t.ok(Array.isArray(op.security), `${op.operationId} declares security`)
})

t.test('every protected operation: 401 without a token, 403 without its scope', async (t) => {
  // an anonymous request counts against the per-IP budget of public requests: one each for every operation here
  const { app, auth } = await buildTestApp(t, { env: { RATE_LIMIT_PUBLIC: '1000' } })
  for (const op of contract.operations.filter((o) => !PUBLIC.includes(o.operationId) && !consoleOnly(o))) {
    const url = urlFor(op)
    const method = op.method as 'GET'
    const anonymous = await app.inject({ method, url })
    t.equal(anonymous.statusCode, 401, `${op.operationId}: 401 without a token`)
    t.equal(anonymous.json().code, 'HG_UNAUTHENTICATED')
    t.match(anonymous.headers['www-authenticate'], /^Bearer realm="hotline-gateway"/)

    // every alternative requirement must be missed for a 403
    const required = [...new Set((op.security ?? []).flatMap((r) => r.bearerAuth ?? []))]
    if (required.length === 0) continue
    const others = OPERATOR_SCOPES.filter((s) => !required.includes(s))
    const narrowed = await app.inject({ method, url, headers: await auth('gateway-admin', others) })
    t.equal(narrowed.statusCode, 403, `${op.operationId}: 403 with a token lacking ${required.join(' and ')}`)
    t.equal(narrowed.json().code, 'HG_FORBIDDEN')
    t.match(narrowed.headers['www-authenticate'], /error="insufficient_scope"/)
  }
})

t.test('every console page: refused without a session, whatever bearer token comes along', async (t) => {
  const { app, auth } = await buildTestApp(t)
  for (const op of contract.operations.filter(consoleOnly)) {
    const method = op.method as 'GET'
    const headers = { ...(await auth('gateway-admin')), accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' }
    const required = op.parameters.filter((p) => p.in === 'query' && p.required).map((p) => `${p.name}=x`)
    const url = `${urlFor(op)}${required.length > 0 ? `?${required.join('&')}` : ''}`
    const res = await app.inject({ method, url, headers, payload: method === 'GET' ? undefined : 'form_token=x' })
    t.equal(res.statusCode, 401, `${op.operationId}: 401 without a console session`)
    t.match(res.headers['content-type'], /^text\/html/)
  }
})

t.test('a valid token for a client that acts for no participant is a 403', async (t) => {
  const { app, auth } = await buildTestApp(t, { extraClients: ['stranger'] })
  const res = await app.inject({ method: 'GET', url: '/v1/directory', headers: await auth('stranger') })
  t.equal(res.statusCode, 403)
  t.match(res.json(), { code: 'HG_FORBIDDEN', detail: /does not act for any participant/ })
})

t.test("a participant kind's ceiling holds whatever scopes the IdP grants", async (t) => {
  const { app, auth } = await buildTestApp(t)
  // the test IdP grants every client every scope; an auditor still cannot administer the directory
  const res = await app.inject({
    method: 'POST',
    url: '/v1/directory/plan',
    headers: await auth('example-auditor'),
    payload: { schema_version: '1', participants: [] },
  })
  t.equal(res.statusCode, 403)
  const platform = await app.inject({ method: 'DELETE', url: '/v1/directory/participants/be-hotline', headers: await auth('exampletube') })
  t.equal(platform.statusCode, 403)
})

t.test('tokens that are not the real thing are refused with 401 and an invalid_token challenge', async (t) => {
  const { app, idp } = await buildTestApp(t)
  const now = Math.floor(Date.now() / 1000)
  const claims = { client_id: 'gateway-admin', sub: 'gateway-admin', scope: 'directory:admin', iat: now, exp: now + 300 }
  const stranger = await generateKeyPair('ES256')
  const forged = await new SignJWT(claims)
    .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: idp.issuerKid })
    .setIssuer(idp.issuer)
    .setAudience(AUDIENCE)
    .sign(stranger.privateKey)
  const expired = await idp.signAsIssuer({ ...claims, iss: idp.issuer, aud: AUDIENCE, iat: now - 7200, exp: now - 3600 })
  const wrongAudience = await idp.signAsIssuer({ ...claims, iss: idp.issuer, aud: 'https://other.example.org' })
  const wrongIssuer = await idp.signAsIssuer({ ...claims, iss: 'https://idp.example.net', aud: AUDIENCE })
  const b64 = (v: object) => Buffer.from(JSON.stringify(v)).toString('base64url')
  const none = `${b64({ alg: 'none', typ: 'at+jwt' })}.${b64({ ...claims, iss: idp.issuer, aud: AUDIENCE })}.`
  const publicBytes = idp.issuerPublicKey.export({ format: 'der', type: 'spki' })
  const hs256 = await new SignJWT({ ...claims })
    .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt' })
    .setIssuer(idp.issuer)
    .setAudience(AUDIENCE)
    .sign(new Uint8Array(publicBytes))
  for (const [name, token] of Object.entries({ forged, expired, wrongAudience, wrongIssuer, none, hs256, garbage: 'not.a.jwt' })) {
    const res = await app.inject({ method: 'GET', url: '/v1/directory', headers: { authorization: `Bearer ${token}` } })
    t.equal(res.statusCode, 401, `${name} token is refused`)
    t.equal(res.json().code, 'HG_UNAUTHENTICATED')
    t.match(res.headers['www-authenticate'], /error="invalid_token"/)
    t.notOk(res.body.includes(token.slice(0, 40)), 'the token is not echoed')
  }
})

t.test('a malformed Authorization header is a 401', async (t) => {
  const { app } = await buildTestApp(t)
  for (const authorization of ['Basic dXNlcjpwYXNz', 'Bearer', 'Bearer a b', 'bearer\ttoken']) {
    const res = await app.inject({ method: 'GET', url: '/v1/directory', headers: { authorization } })
    t.equal(res.statusCode, 401, JSON.stringify(authorization))
  }
})

/** A valid body for each report-scoped operation that takes one; a new one must be added here. */
const SAMPLE_BODIES: Record<string, unknown> = { retractReport: { reason: 'Sent by mistake.' } }

t.test('every report-scoped operation: the sender gets its report, another participant of the same kind a 404', async (t) => {
  const ctx = await buildTestApp(t)
  const report = JSON.parse(await readFile(new URL('../fixtures/intake/report-web-form.json', import.meta.url), 'utf8'))
  report.channel = 'hotline_referral'
  const created = await ctx.app.inject({ method: 'POST', url: '/v1/reports', headers: await ctx.auth('be-hotline'), payload: report })
  const { id } = created.json()
  // the console's and the auditor's pages scope by the session's participant (test/console)
  const scoped = contract.operations.filter((op) => op.path.includes('{reportId}') && !consoleOnly(op))
  t.ok(scoped.length >= 2)
  // the other participant first: its attempt must change nothing the owner then sees
  for (const owner of ['nl-hotline', 'be-hotline']) {
    for (const op of scoped) {
      const needsBody = op.requestBody?.required
      if (needsBody) t.ok(op.operationId in SAMPLE_BODIES, `${op.operationId} has a sample body`)
      const res = await ctx.app.inject({
        method: op.method as 'GET',
        url: op.path.replace('{reportId}', id),
        headers: await ctx.auth(owner),
        ...(needsBody ? { payload: SAMPLE_BODIES[op.operationId] as object } : {}),
      })
      if (owner === 'nl-hotline') t.equal(res.statusCode, 404, `${op.operationId}: another hotline gets 404`)
      else t.ok(res.statusCode < 300, `${op.operationId}: the sender gets ${res.statusCode}`)
    }
  }
})

/** A valid body for each handoff-scoped operation that takes one, signed by the destination; a new one must be added here. */
const HANDOFF_SAMPLE_BODIES: Record<string, (ctx: HandoffTestApp, id: string, manifest: string) => Promise<object>> = {
  postHandoffReceipt: async (ctx, id, manifest) => ({ receipt: await ctx.receipt(id, manifest) }),
  postHandoffStatus: async (ctx, id, manifest) => ({ status: await ctx.status(id, manifest, 'assessing') }),
  // the report is retracted (once) so that the destination has a retraction to receipt
  postRetractionReceipt: async (ctx, id, manifest) => {
    const { rows } = await ctx.database.pool.query('SELECT report_id FROM handoffs WHERE id = $1', [id])
    await ctx.post('exampletube', `/v1/reports/${rows[0].report_id}/retract`, { reason: 'sent in error' })
    const { rows: retracted } = await ctx.database.pool.query('SELECT retraction FROM handoffs WHERE id = $1', [id])
    const claims = {
      handoff_id: id,
      manifest_sha256: sha256Hex(manifest),
      retraction_sha256: sha256Hex(retracted[0].retraction),
      received_at: new Date().toISOString(),
    }
    return { receipt: await sign(ctx.key, RETRACTION_RECEIPT_TYP, claims) }
  },
}

/** Operations only the gateway's operators may call: a destination's token lacks their scope (403 before any lookup). */
const OPERATOR_ONLY = new Set(['redeliverHandoff'])

t.test('every handoff-scoped operation: the destination gets its handoff, another participant of the same kind a 404', async (t) => {
  const ctx = await handoffTestApp(t)
  const { handoffId } = await ctx.submit()
  await ctx.worker.step()
  const { manifest } = (await ctx.inbox()).json().handoffs[0]
  t.same((await ctx.inbox('nl-police')).json().handoffs, [], "another participant's inbox does not show it")
  const scoped = contract.operations.filter((op) => op.path.includes('{handoffId}') && !OPERATOR_ONLY.has(op.operationId) && !consoleOnly(op))
  t.ok(scoped.length >= 4)
  for (const owner of ['nl-police', DESTINATION]) {
    for (const op of scoped) {
      const sample = HANDOFF_SAMPLE_BODIES[op.operationId]
      if (op.requestBody?.required) t.ok(sample, `${op.operationId} has a sample body`)
      await ctx.settle()
      const res = await ctx.app.inject({
        method: op.method as 'GET',
        url: op.path.replace('{handoffId}', handoffId),
        headers: await ctx.auth(owner),
        ...(sample ? { payload: await sample(ctx, handoffId, manifest) } : {}),
      })
      if (owner === 'nl-police') t.equal(res.statusCode, 404, `${op.operationId}: another law-enforcement contact gets 404`)
      else t.ok(res.statusCode < 300, `${op.operationId}: the destination gets ${res.statusCode}`)
    }
  }
})

t.test('an access token in the query is refused with a 400 naming the parameter, and is not logged', async (t) => {
  const { app, auth, logs } = await buildTestApp(t)
  const token = (await auth('be-hotline')).authorization.slice('Bearer '.length)
  for (const url of [`/v1/directory?access_token=${token}`, `/openapi.json?access_token=${token}`]) {
    const res = await app.inject({ method: 'GET', url })
    t.equal(res.statusCode, 400, url.split('?')[0] ?? url)
    t.equal(res.headers['content-type'], 'application/problem+json')
    t.match(res.json(), { code: 'HG_BAD_REQUEST', errors: [{ in: 'query', pointer: '/access_token' }] })
    t.match(res.headers['www-authenticate'], /error="invalid_request"/)
  }
  t.notOk(JSON.stringify(logs).includes(token), 'the token is not in the log')
})
