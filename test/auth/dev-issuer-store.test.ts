import t from 'tap'

import { createDevStore } from '../../src/auth/dev-issuer-store.ts'

t.test('stores, finds, consumes and destroys per model', async (t) => {
  const Store = createDevStore()
  const tokens = new Store('AccessToken')
  const replay = new Store('ReplayDetection')
  await tokens.upsert('a', { uid: 'u1', userCode: 'C-1', grantId: 'g1' }, 60)
  await replay.upsert('a', { jti: 'other' }, 60)

  t.same(await tokens.find('a'), { uid: 'u1', userCode: 'C-1', grantId: 'g1' })
  t.same(await replay.find('a'), { jti: 'other' }, 'the same id in another model is another entry')
  t.equal((await tokens.findByUid('u1'))?.userCode, 'C-1')
  t.equal((await tokens.findByUserCode('C-1'))?.uid, 'u1')
  t.equal(await replay.findByUid('u1'), undefined)

  await tokens.consume('a')
  t.type((await tokens.find('a'))?.consumed, 'number')

  await tokens.destroy('a')
  t.equal(await tokens.find('a'), undefined)
  t.ok(await replay.find('a'))
})

t.test('revokeByGrantId removes every entry of that grant only', async (t) => {
  const Store = createDevStore()
  const store = new Store('AccessToken')
  await store.upsert('1', { grantId: 'g1' }, 60)
  await store.upsert('2', { grantId: 'g1' }, 60)
  await store.upsert('3', { grantId: 'g2' }, 60)
  await store.revokeByGrantId('g1')
  t.equal(await store.find('1'), undefined)
  t.equal(await store.find('2'), undefined)
  t.ok(await store.find('3'))
})

t.test('entries already past their lifetime are gone', async (t) => {
  const Store = createDevStore()
  const store = new Store('ReplayDetection')
  await store.upsert('old', { jti: 'x' }, -1)
  t.equal(await store.find('old'), undefined)
})

t.test('two issuers never share storage', async (t) => {
  const first = new (createDevStore())('Grant')
  const second = new (createDevStore())('Grant')
  await first.upsert('g', { accountId: 'a' }, 60)
  t.equal(await second.find('g'), undefined)
})
