import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto'
import t from 'tap'
import { checkContentDigest, contentDigest, signaturesOf, signRequest, verifyRequestSignature } from '../../src/crypto/http-signature.ts'

// RFC 9421 Appendix B.1.4: the test key test-key-ed25519 (a published test key, never used for anything else)
const RFC_KEY = createPrivateKey({
  key: { kty: 'OKP', crv: 'Ed25519', d: 'n4Ni-HpISpVObnQMW0wOhCKROaIKqKtW_2ZYb2p9KcU', x: 'JrQLj5P_89iXES9-vFgrIy29clF9CC_oPPsw3c5D0bs' },
  format: 'jwk',
})

// RFC 9421 Appendix B.2: the test request
const RFC_REQUEST = {
  method: 'POST',
  url: 'https://example.com/foo?param=Value&Pet=dog',
  headers: {
    Host: 'example.com',
    Date: 'Tue, 20 Apr 2021 02:07:55 GMT',
    'Content-Type': 'application/json',
    'Content-Digest': 'sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:',
    'Content-Length': '18',
  },
}
const RFC_BODY = '{"hello": "world"}'

// RFC 9421 Appendix B.2.6: signing a request using ed25519
const B26_INPUT = 'sig-b26=("date" "@method" "@path" "@authority" "content-type" "content-length");created=1618884473;keyid="test-key-ed25519"'
const B26_SIGNATURE = 'sig-b26=:wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQCK1u02Gb04v9EDgwUPiu4A0w6vuQv5lIp5WPpBKRCw==:'

t.test('RFC 9421 B.2.6: the signer makes the RFC’s ed25519 signature, byte for byte', async (t) => {
  const signed = signRequest(RFC_REQUEST, {
    key: RFC_KEY,
    label: 'sig-b26',
    components: ['date', '@method', '@path', '@authority', 'content-type', 'content-length'],
    params: { created: 1618884473, keyid: 'test-key-ed25519' },
  })
  t.equal(signed['signature-input'], B26_INPUT)
  t.equal(signed.signature, B26_SIGNATURE)
})

t.test('RFC 9421 B.2.6: the verifier accepts the RFC’s signature and refuses it on another request', async (t) => {
  const request = { ...RFC_REQUEST, headers: { ...RFC_REQUEST.headers, 'Signature-Input': B26_INPUT, Signature: B26_SIGNATURE } }
  const [signature, ...more] = signaturesOf(request)
  t.equal(more.length, 0)
  t.same(signature!.params, { created: 1618884473, keyid: 'test-key-ed25519' })
  t.ok(verifyRequestSignature(request, signature!, createPublicKey(RFC_KEY)), 'verifies under the RFC’s public key')
  t.notOk(verifyRequestSignature({ ...request, method: 'PUT' }, signature!, createPublicKey(RFC_KEY)), 'not once the method changed')
  t.notOk(verifyRequestSignature(request, signature!, generateKeyPairSync('ed25519').publicKey), 'nor under another key')
})

t.test('RFC 9530 Content-Digest: the test body’s sha-512 (RFC 9421 B.2) checks out, a changed body does not', async (t) => {
  t.equal(checkContentDigest(RFC_REQUEST.headers['Content-Digest'], RFC_BODY), 'ok')
  t.equal(checkContentDigest(RFC_REQUEST.headers['Content-Digest'], '{"hello": "world!"}'), 'mismatch')
  t.equal(checkContentDigest(contentDigest(RFC_BODY), RFC_BODY), 'ok')
  t.equal(checkContentDigest(undefined, RFC_BODY), 'missing')
  t.equal(checkContentDigest('md5=:AAAA:', RFC_BODY), 'missing', 'an algorithm it does not know is no digest')
})

t.test('the gateway’s parameters round-trip through Signature-Input', async (t) => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519')
  const request = {
    method: 'POST',
    url: 'https://example.org/inbox',
    headers: { 'content-type': 'application/json', 'content-digest': contentDigest('{}') },
  }
  const params = { created: 1_700_000_000, expires: 1_700_000_300, nonce: 'n-1', alg: 'ed25519', keyid: 'k"1', tag: 'hotline-gateway' }
  const components = ['@method', '@target-uri', 'content-type', 'content-digest']
  const headers = signRequest(request, { key: privateKey, label: 'sig1', components, params })
  const [signature] = signaturesOf({ ...request, headers: { ...request.headers, ...headers } })
  t.same(signature!.params, params, 'a quote in a string survives')
  t.same(signature!.components, components)
  t.ok(verifyRequestSignature(request, signature!, publicKey))
  t.notOk(verifyRequestSignature({ ...request, url: 'https://example.org/other' }, signature!, publicKey), 'the target URI is covered')
})

t.test('a malformed Signature-Input is refused with a code', async (t) => {
  const base = { method: 'POST', url: 'https://example.org/', headers: {} }
  for (const [input, signature] of [
    ['sig1=("@method";created=1', 'sig1=:AAAA:'],
    ['sig1=("@method")', 'sig2=:AAAA:'],
    ['sig1="@method"', 'sig1=:AAAA:'],
  ]) {
    t.throws(() => signaturesOf({ ...base, headers: { 'signature-input': input, signature } }), { code: 'SIGNATURE_MALFORMED' }, input!)
  }
  t.throws(() => signaturesOf({ ...base, headers: { signature: 'sig1=:AAAA:' } }), { code: 'SIGNATURE_MALFORMED' }, 'a Signature without its input')
})
