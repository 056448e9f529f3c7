import { generateKeyPairSync, randomUUID } from 'node:crypto'
import { calculateJwkThumbprint, type JWK } from 'jose'
import t from 'tap'
import type { GatewayKey } from '../../src/crypto/gateway-key.ts'
import { compactSigner, sha256Hex } from '../../src/crypto/jws.ts'
import { createRequestSigner } from '../../src/crypto/request-signer.ts'
import { HANDOFF_RECEIPT_TYP, MANIFEST_TYP, verifySigned } from '../../src/handoffs/signed-message.ts'
import {
  createPushVerifier,
  createReceiver,
  generatePartnerKey,
  partnerKey,
  staticJwks,
  type PushRequest,
  type VerifiedHandoff,
} from '../../src/receiver/index.ts'

const ENDPOINT = 'https://partner.example.org/gateway/inbox'

async function gatewayKey(kid?: string): Promise<GatewayKey> {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519')
  const x = (publicKey.export({ format: 'jwk' }) as JWK).x!
  const thumbprint = await calculateJwkThumbprint({ kty: 'OKP', crv: 'Ed25519', x }, 'sha256')
  const publicJwk: JWK = { kty: 'OKP', crv: 'Ed25519', x, kid: kid ?? thumbprint, alg: 'EdDSA', use: 'sig' }
  return { kid: kid ?? thumbprint, purpose: 'receipt', privateKey, publicKey, publicJwk, retired: false }
}

/** A handoff as the gateway's worker signs it, for `destination`. */
function handoffFor(key: GatewayKey, destination = 'de-police', payload = '{"report":"made up, example.org only"}') {
  const id = randomUUID()
  const manifest = compactSigner(
    key,
    MANIFEST_TYP,
  )({
    iss: 'https://gateway.example.org',
    handoff_id: id,
    case_id: randomUUID(),
    report_id: randomUUID(),
    sender: 'exampletube',
    destination,
    format: 'canonical_v1',
    payload_media_type: 'application/json',
    payload_sha256: sha256Hex(payload),
    urgent: false,
    rules: [],
    iat: Math.floor(Date.now() / 1000),
  })
  return {
    id,
    case_id: randomUUID(),
    report_id: randomUUID(),
    sender: 'exampletube',
    format: 'canonical_v1',
    urgent: false,
    manifest,
    manifest_sha256: sha256Hex(manifest),
    payload,
    payload_media_type: 'application/json',
    payload_sha256: sha256Hex(payload),
    signed_at: new Date().toISOString(),
  }
}

/** The push request the gateway sends for `item` (signed as push delivery signs it). */
async function pushOf(key: GatewayKey, item: object): Promise<PushRequest> {
  const body = JSON.stringify(item)
  const headers = await createRequestSigner(async () => key)({ method: 'POST', url: ENDPOINT, contentType: 'application/json', body })
  return { method: 'POST', url: ENDPOINT, headers, body }
}

async function setup() {
  const gateway = await gatewayKey()
  const { privateJwk, publicJwk } = await generatePartnerKey('de-police')
  const handled: VerifiedHandoff[] = []
  const receiver = createReceiver({
    gateway: 'https://gateway.example.org',
    key: await partnerKey(privateJwk),
    keys: staticJwks([gateway.publicJwk]),
    onHandoff: (h) => void handled.push(h),
  })
  return { gateway, publicJwk, handled, receiver }
}

t.test('a signed push is verified, handled once, and answered with the partner’s receipt, the same for a re-send', async (t) => {
  const { gateway, publicJwk, handled, receiver } = await setup()
  const item = handoffFor(gateway)
  const { receipt } = await receiver.push(await pushOf(gateway, item))
  const verified = await verifySigned(receipt!, [publicJwk], HANDOFF_RECEIPT_TYP)
  t.match(verified.claims, { handoff_id: item.id, manifest_sha256: sha256Hex(item.manifest) }, 'the receipt binds the handoff and its manifest')
  t.equal(handled.length, 1)
  t.equal(handled[0]!.manifest.destination, 'de-police')
  const again = await receiver.push(await pushOf(gateway, item)) // the gateway retried: a new signature, the same handoff
  t.equal(again.receipt, receipt, 'the same receipt')
  t.equal(handled.length, 1, 'handled once')
})

t.test('the kit refuses, with a reason code, what did not come from the gateway as it was sent', async (t) => {
  const { gateway, receiver, handled } = await setup()
  const push = await pushOf(gateway, handoffFor(gateway))
  const refuses = (request: PushRequest, code: string, what: string) => t.rejects(receiver.push(request), { code }, what)

  const tampered = { ...push, body: String(push.body).replace('made up', 'made UP') }
  await refuses(tampered, 'DIGEST_MISMATCH', 'a tampered body')
  await refuses(
    { ...tampered, headers: { ...push.headers, 'content-digest': `sha-256=:${Buffer.from(sha256Hex(tampered.body), 'hex').toString('base64')}:` } },
    'SIGNATURE_INVALID',
    'a tampered body with its digest made to match',
  )
  const { 'content-digest': _digest, ...digestless } = push.headers as Record<string, string>
  await refuses({ ...push, headers: digestless }, 'DIGEST_MISSING', 'a request without Content-Digest')
  const { signature: _s, 'signature-input': _i, ...unsigned } = push.headers as Record<string, string>
  await refuses({ ...push, headers: unsigned }, 'SIGNATURE_MISSING', 'an unsigned request')
  await refuses({ ...push, url: 'https://partner.example.org/elsewhere' }, 'SIGNATURE_INVALID', 'a request sent to another URI')

  const impostor = await gatewayKey(gateway.kid) // another key claiming the gateway's kid
  await refuses(await pushOf(impostor, handoffFor(impostor)), 'SIGNATURE_INVALID', 'a request signed with the wrong key')
  const stranger = await gatewayKey()
  await refuses(await pushOf(stranger, handoffFor(stranger)), 'SIGNATURE_UNKNOWN_KEY', 'a key the gateway does not publish')
  t.equal(handled.length, 0, 'nothing was handled')

  await receiver.push(push)
  await refuses(push, 'SIGNATURE_REPLAYED', 'the same signed request again')
})

t.test('an expired signature, and a handoff whose manifest does not hold, are refused', async (t) => {
  const { gateway, receiver } = await setup()
  const item = handoffFor(gateway)
  const push = await pushOf(gateway, item)
  const input = String((push.headers as Record<string, string>)['signature-input'])
  const created = Number(/created=(\d+)/.exec(input)![1])
  const verifyLater = createPushVerifier({ keys: staticJwks([gateway.publicJwk]), now: () => created + 3600 })
  await t.rejects(verifyLater(push), { code: 'SIGNATURE_EXPIRED' }, 'an hour after it was signed')
  const verifyEarlier = createPushVerifier({ keys: staticJwks([gateway.publicJwk]), now: () => created - 3600 })
  await t.rejects(verifyEarlier(push), { code: 'SIGNATURE_NOT_YET_VALID' }, 'an hour before it was signed')

  await t.rejects(receiver.push(await pushOf(gateway, { ...item, payload: '{"report":"other"}' })), { code: 'PAYLOAD_DIGEST_MISMATCH' })
  const forOthers = createPushVerifier({ keys: staticJwks([gateway.publicJwk]), participant: 'nl-hotline' })
  await t.rejects(forOthers(await pushOf(gateway, handoffFor(gateway))), { code: 'MANIFEST_MISMATCH' }, 'a handoff addressed to another participant')
  await t.rejects(receiver.push(await pushOf(gateway, { ...item, manifest: `${item.manifest}x` })), { code: 'MANIFEST_INVALID' })
  await t.rejects(receiver.push(await pushOf(gateway, { hello: 'world' })), { code: 'HANDOFF_MALFORMED' })
})
