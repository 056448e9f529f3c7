import { generateKeyPairSync } from 'node:crypto'
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { calculateJwkThumbprint, type JWK } from 'jose'
import t, { type Test } from 'tap'
import { compactSigner } from '../../src/crypto/jws.ts'
import { MANIFEST_TYP } from '../../src/handoffs/signed-message.ts'
import { appPuller } from '../helpers/kit-partner.ts'
import { runCli } from '../helpers/process.ts'
import { DESTINATION, handoffTestApp, signingKey, type HandoffTestApp } from './helpers.ts'

/** A handoff taken through receipt and two statuses, sequenced: its evidence as the auditor gets it. */
async function evidenceOf(t: Test, ctx: HandoffTestApp) {
  const { handoffId: id } = await ctx.submit()
  await ctx.worker.step()
  // de-police receipts through the receiver kit's pull (against the app on a real port), under the key the directory lists
  const kit = await appPuller(ctx, ctx.key, DESTINATION)
  const pulled = await kit.pull()
  t.same([pulled.received, pulled.refused], [[id], []], 'the kit verified the handoff and its receipt was taken')
  const { manifest } = kit.handed[0]!.item
  await ctx.post(DESTINATION, `/v1/handoffs/${id}/status`, { status: await ctx.status(id, manifest, 'assessing') })
  await ctx.post(DESTINATION, `/v1/handoffs/${id}/status`, { status: await ctx.status(id, manifest, 'content_removed') })
  await ctx.settle()
  const res = await ctx.get(`/v1/handoffs/${id}/evidence`)
  t.equal(res.statusCode, 200, res.body)
  t.equal(res.json().receipt, await kit.receipt(id), 'the evidence carries the kit’s receipt')
  return { id, bundle: res.json(), manifest: manifest as string }
}

/** Edit one part of a JWS: its claims (re-encoded, the old signature kept) or its signature. */
function alterClaims(jws: string, patch: object): string {
  const [header, payload, signature] = jws.split('.')
  const claims = { ...JSON.parse(Buffer.from(payload!, 'base64url').toString()), ...patch }
  return `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${signature}`
}

t.test('handoff evidence verifies offline; each tampering fails, naming what', async (t) => {
  const ctx = await handoffTestApp(t)
  const { id, bundle } = await evidenceOf(t, ctx)
  const key = await ctx.verifierKey()
  const dir = await mkdtemp(join(tmpdir(), 'hg-handoff-evidence-'))
  const check = async (edited: unknown) => {
    const file = join(dir, `${Math.random()}.json`)
    await writeFile(file, JSON.stringify(edited))
    return runCli(['audit', 'verify-evidence', file, '--key', key])
  }
  const ok = await check(bundle)
  t.equal(ok.code, 0, ok.stderr)
  t.match(ok.stdout, /status 2: content_removed/)

  // a forged manifest under a key of the forger's own, given the real kid: the thumbprint tells
  const forger = generateKeyPairSync('ed25519')
  const forgedJwk = { ...(forger.publicKey.export({ format: 'jwk' }) as JWK), kid: bundle.keys.gateway[0].kid, alg: 'EdDSA', use: 'sig' }
  const forgedSigner = compactSigner({ ...forgedJwk, kid: bundle.keys.gateway[0].kid, privateKey: forger.privateKey } as never, MANIFEST_TYP)
  const forgedManifest = forgedSigner(JSON.parse(Buffer.from(bundle.manifest.split('.')[1], 'base64url').toString()))
  t.not(await calculateJwkThumbprint(forgedJwk), bundle.keys.gateway[0].kid)

  const stranger = signingKey()
  const tampered: Array<[string, (b: any) => void, RegExp]> = [
    [
      'altered manifest',
      (b) => (b.manifest = alterClaims(b.manifest, { destination: 'nl-police' })),
      /FAILED: manifest: the signature does not verify/,
    ],
    [
      'forged manifest under a swapped gateway key',
      (b) => ((b.manifest = forgedManifest), (b.keys.gateway = [forgedJwk])),
      /FAILED: manifest: the gateway key's thumbprint is not its kid/,
    ],
    [
      'altered receipt',
      (b) => (b.receipt = alterClaims(b.receipt, { received_at: '2020-01-01T00:00:00Z' })),
      /FAILED: receipt: the signature does not verify/,
    ],
    ['removed receipt', (b) => (b.receipt = null), /FAILED: receipt: the log records one \(entry \d+\) but the bundle has none/],
    ['altered status', (b) => (b.statuses[1] = alterClaims(b.statuses[1], { status: 'closed' })), /FAILED: status 2: the signature does not verify/],
    ['reordered statuses', (b) => b.statuses.reverse(), /FAILED: status 1: its SHA-256 .* differs from entry \d+'s status_sha256/],
    [
      'swapped destination key',
      (b) => (b.keys.destination = [stranger.jwk]),
      /FAILED: receipt: the signature does not verify under key de-police-2026/,
    ],
    ['dropped status', (b) => b.statuses.pop(), /FAILED: statuses: the bundle has 1 status messages, the log records 2/],
    [
      'altered entry',
      (b) => (b.audit.entries[0].entry.at = '2020-01-01T00:00:00.000Z'),
      /FAILED: entry \d+: the decoded entry does not match its leaf bytes/,
    ],
  ]
  for (const [what, edit, failure] of tampered) {
    const copy = structuredClone(bundle)
    edit(copy)
    const res = await check(copy)
    t.equal(res.code, 1, `${what}: exit status 1`)
    t.match(res.stderr, failure, `${what}: ${failure}`)
  }
  t.equal(bundle.handoff.id, id)
})

t.test('evidence is whole or not at all: before the log sequenced its entries it is a 503 with Retry-After', async (t) => {
  const ctx = await handoffTestApp(t)
  await ctx.sequencer!.stop()
  const { handoffId } = await ctx.submit()
  await ctx.worker.step()
  const res = await ctx.get(`/v1/handoffs/${handoffId}/evidence`)
  t.equal(res.statusCode, 503)
  t.equal(res.json().code, 'HG_UNAVAILABLE')
  t.equal(res.headers['retry-after'], '1')
})

t.test('the destination and the sender read the evidence of their handoffs; other partners get a 404', async (t) => {
  const ctx = await handoffTestApp(t)
  const { handoffId } = await ctx.submit()
  await ctx.worker.step()
  await ctx.settle()
  for (const [client, status] of [
    [DESTINATION, 200],
    ['exampletube', 200],
    ['example-auditor', 200],
    ['nl-police', 404],
    ['be-hotline', 404],
  ] as const) {
    const res = await ctx.app.inject({ method: 'GET', url: `/v1/handoffs/${handoffId}/evidence`, headers: await ctx.auth(client) })
    t.equal(res.statusCode, status, `${client}: ${status}`)
  }
})
