import { createServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import t from 'tap'
import { sha256Hex } from '../../src/crypto/jws.ts'
import { HANDOFF_RECEIPT_TYP, HANDOFF_STATUS_TYP } from '../../src/handoffs/signed-message.ts'
import { gatewayEnv } from '../helpers/gateway-env.ts'
import { startGateway } from '../helpers/process.ts'
import { certificate } from '../helpers/tls.ts'
import { fixtureJson } from '../intake/helpers.ts'
import { DESTINATION, directoryWithKey, sign, signingKey, type SigningKey } from './helpers.ts'

t.test("a destination's keys at its JWKS URL: fetched over HTTPS, refetched for a new kid, an unknown kid refused", async (t) => {
  const tls = await certificate()
  const first = signingKey('de-police-a')
  const second = signingKey('de-police-b')
  let published: SigningKey[] = [first]
  let fetches = 0
  const jwksServer = createServer({ key: tls.key, cert: tls.cert }, (_req, res) => {
    fetches++
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: published.map((k) => k.jwk) }))
  })
  await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise((resolve) => jwksServer.close(resolve)))
  const jwksUri = `https://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/jwks.json`

  const { pool, idp, env } = await gatewayEnv(t, await directoryWithKey(first, { keys: { jwks_uri: jwksUri } }))
  // the JWKS server's throwaway certificate is trusted by this gateway process only
  const gateway = await startGateway({ ...env, NODE_EXTRA_CA_CERTS: tls.file })
  t.teardown(() => gateway.stop())
  const call = async (client: string, method: string, path: string, body?: object) => {
    const res = await fetch(`${gateway.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${await idp.tokenFor(client)}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    })
    return { status: res.status, body: await res.json() }
  }

  const report = fixtureJson('report-imminent-danger.json')
  delete report.source.external_id
  t.equal((await call('exampletube', 'POST', '/v1/reports', report)).status, 202)
  let item: { id: string; manifest: string } | undefined
  for (let i = 0; i < 300 && !item; i++) {
    item = (await call(DESTINATION, 'GET', '/v1/inbox')).body.handoffs[0]
    if (!item) await new Promise((resolve) => setTimeout(resolve, 100))
  }
  t.ok(item, 'the background worker signed the handoff and it is in the inbox')
  const { id, manifest } = item!
  const claims = { handoff_id: id, manifest_sha256: sha256Hex(manifest) }

  const receipt = await sign(first, HANDOFF_RECEIPT_TYP, { ...claims, received_at: new Date().toISOString() })
  const received = await call(DESTINATION, 'POST', `/v1/handoffs/${id}/receipt`, { receipt })
  t.equal(received.status, 200, JSON.stringify(received.body))
  t.ok(fetches >= 1, 'the key came from the JWKS URL')

  // the destination rotates: its JWKS now also holds a new key, which the gateway has not seen
  published = [second, first]
  const status = await sign(second, HANDOFF_STATUS_TYP, { ...claims, status: 'assessing', at: new Date().toISOString() })
  const reviewed = await call(DESTINATION, 'POST', `/v1/handoffs/${id}/status`, { status })
  t.equal(reviewed.status, 200, JSON.stringify(reviewed.body))

  const never = signingKey('de-police-never-published')
  const forged = await sign(never, HANDOFF_STATUS_TYP, { ...claims, status: 'closed', at: new Date().toISOString() })
  const refused = await call(DESTINATION, 'POST', `/v1/handoffs/${id}/status`, { status: forged })
  t.equal(refused.status, 422)
  t.equal(refused.body.code, 'HG_SIGNATURE_INVALID')
  const { rows } = await pool.query('SELECT status, kid FROM handoff_statuses WHERE handoff_id = $1 ORDER BY seq', [id])
  t.match(rows, [{ status: 'assessing', kid: 'de-police-b' }], 'only the status signed with a published key was kept')
  t.equal(rows.length, 1)
})
