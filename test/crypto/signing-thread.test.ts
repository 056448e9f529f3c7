import { generateKeyPairSync, verify } from 'node:crypto'
import t from 'tap'
import { createSigningThread } from '../../src/crypto/signing-thread.ts'

t.test('batches of signatures from several keys, each made with its own key', async (t) => {
  const thread = createSigningThread()
  t.teardown(() => thread.close())
  const keys = ['a', 'b'].map((kid) => ({ kid, ...generateKeyPairSync('ed25519') }))
  // 300 signatures requested in one turn (one batch per key), then 30 more in later turns
  const requests = Array.from({ length: 330 }, (_, i) => ({ key: keys[i % 2]!, message: `message ${i}` }))
  const early = requests.slice(0, 300).map((r) => thread.sign(r.key.kid, r.key.privateKey, r.message))
  const late: Array<Promise<Buffer>> = []
  for (const r of requests.slice(300)) {
    await new Promise((resolve) => setImmediate(resolve))
    late.push(thread.sign(r.key.kid, r.key.privateKey, r.message))
  }
  const signatures = await Promise.all([...early, ...late])
  const wrong = signatures.filter((signature, i) => {
    const { key, message } = requests[i]!
    return signature.length !== 64 || !verify(null, Buffer.from(message), key.publicKey, signature)
  })
  t.equal(wrong.length, 0, 'every signature verifies with the key it was asked for, over its own message')
  const other = requests[0]!
  t.notOk(verify(null, Buffer.from(other.message), keys[1]!.publicKey, signatures[0]!), 'and not with the other key')
})

t.test('a closed signing thread refuses to sign', async (t) => {
  const thread = createSigningThread()
  const { privateKey } = generateKeyPairSync('ed25519')
  t.equal((await thread.sign('k', privateKey, 'before')).length, 64)
  await thread.close()
  await t.rejects(thread.sign('k', privateKey, 'after'), /closed/)
})
