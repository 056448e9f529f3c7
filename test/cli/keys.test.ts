import { createLocalJWKSet, compactVerify, decodeProtectedHeader } from 'jose'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { runCli } from '../helpers/process.ts'
import { buildTestApp, type TestApp } from '../helpers/app.ts'
import { fixtureJson } from '../intake/helpers.ts'
import { auditTestApp } from '../audit/gateway.ts'

let serial = 0
async function submitReport(ctx: TestApp): Promise<string> {
  const report = fixtureJson('report-web-form.json')
  report.channel = 'hotline_referral'
  report.source.external_id = `ROTATE-${serial++}`
  report.items = [{ url: `https://example.org/rotation/${serial}`, content_type: 'image' }] as typeof report.items
  const res = await ctx.app.inject({
    method: 'POST',
    url: '/v1/reports',
    headers: { ...(await ctx.auth('be-hotline')), 'content-type': 'application/json' },
    payload: report,
  })
  t.equal(res.statusCode, 202, res.body)
  return res.json().receipt
}

const keysCli = (ctx: TestApp, ...args: string[]) =>
  runCli(['keys', ...args], { DATABASE_URL: ctx.databaseUrl, ENCRYPTION_KEY: ctx.config.encryptionKey! })

async function auditedKeyEvents(ctx: TestApp) {
  const { rows } = await ctx.database.pool.query(
    `SELECT e->>'type' AS type, e->>'purpose' AS purpose, e->>'kid' AS kid
     FROM (SELECT convert_from(entry, 'UTF8')::jsonb AS e, id FROM audit_entries) x WHERE e->>'type' LIKE 'gateway_key.%' ORDER BY id`,
  )
  return rows
}

t.test('rotating the receipt key: new receipts use the new key, old receipts still verify, both audited', async (t) => {
  const ctx = await buildTestApp(t, { env: { KEY_CHECK_MS: '0' } })
  const before = await submitReport(ctx)
  const oldKid = decodeProtectedHeader(before).kid!

  const rotated = await keysCli(ctx, 'rotate', 'receipt')
  t.equal(rotated.code, 0, rotated.stderr)
  const newKid = /receipt key (\S+) is active; (\S+) is retired/.exec(rotated.stdout)
  t.ok(newKid, rotated.stdout)
  t.equal(newKid![2], oldKid, 'the key in use was retired')
  t.not(newKid![1], oldKid)

  // this process learns of the rotation by itself (KEY_CHECK_MS): within a few reports, never by restart
  let after = await submitReport(ctx)
  for (let i = 0; i < 50 && decodeProtectedHeader(after).kid !== newKid![1]; i++) {
    await new Promise((resolve) => setTimeout(resolve, 20))
    after = await submitReport(ctx)
  }
  t.equal(decodeProtectedHeader(after).kid, newKid![1], 'new receipts are signed with the new key')

  const jwks = (await ctx.app.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json()
  t.same(
    jwks.keys.map((k: { kid: string }) => k.kid),
    [newKid![1], oldKid],
    'both published, the active key first',
  )
  await compactVerify(before, createLocalJWKSet(jwks))
  await compactVerify(after, createLocalJWKSet(jwks))
  t.pass('a receipt signed before the rotation and one after both verify against the JWKS')

  t.same(await auditedKeyEvents(ctx), [
    { type: 'gateway_key.published', purpose: 'receipt', kid: oldKid },
    { type: 'gateway_key.retired', purpose: 'receipt', kid: oldKid },
    { type: 'gateway_key.published', purpose: 'receipt', kid: newKid![1] },
  ])
  const listed = await keysCli(ctx, 'list')
  t.equal(listed.code, 0)
  t.match(listed.stdout, new RegExp(`receipt +${newKid![1]} +created \\S+ +active`))
  t.match(listed.stdout, new RegExp(`receipt +${oldKid} +created \\S+ +retired \\S+`))
})

t.test('wrong usage of keys says how to use it and changes nothing', async (t) => {
  const ctx = await buildTestApp(t)
  const wrong = await keysCli(ctx, 'rotate', 'everything')
  t.equal(wrong.code, 2)
  t.match(wrong.stderr, /keys rotate receipt\|checkpoint/)
  t.same(await auditedKeyEvents(ctx), [])
  const help = await keysCli(ctx, '--help')
  t.equal(help.code, 0)
  t.match(help.stdout, /KEY_CHECK_MS/)
})

t.test('rotating the checkpoint key: later checkpoints verify with the new key; audit verify takes both across the rotation', async (t) => {
  const ctx = await auditTestApp(t)
  await ctx.append(10)
  await ctx.settle()
  const url = await ctx.listen()
  const oldKey = await ctx.verifierKey()
  const token = (await ctx.auth('example-auditor')).authorization.slice('Bearer '.length)
  const state = join(await mkdtemp(join(tmpdir(), 'hg-rotate-')), 'state.json')
  const verify = (...args: string[]) => runCli(['audit', 'verify', '--url', url, ...args], { HOTLINE_GATEWAY_TOKEN: token })
  t.equal((await verify('--key', oldKey, '--state', state)).code, 0, 'verified before the rotation')

  const rotated = await keysCli(ctx, 'rotate', 'checkpoint')
  t.equal(rotated.code, 0, rotated.stderr)
  const newKey = /new verifier key: (\S+)/.exec(rotated.stdout)![1]!
  t.not(newKey, oldKey)
  await ctx.append(5)
  await ctx.settle()

  const keys = (await ctx.app.inject({ method: 'GET', url: '/v1/audit/key' })).json().keys
  t.match(keys, [
    { verifier_key: newKey, active: true },
    { verifier_key: oldKey, active: false },
  ])
  const checkpoint = (await ctx.get('/v1/audit/checkpoint')).body
  t.equal(checkpoint.split('\n').filter((line) => line.startsWith('\u2014 ')).length, 1, 'the new checkpoint carries one log signature')

  const withOld = await verify('--key', oldKey)
  t.equal(withOld.code, 1, 'the retired key alone does not verify a checkpoint it did not sign')
  t.match(withOld.stderr, /no valid log signature/)
  const across = await verify('--key', oldKey, '--key', newKey, '--state', state, '--full')
  t.equal(across.code, 0, across.stderr)
  t.match(across.stdout, /consistency: the log extends the tree of size 12 verified/)
  // 12 + the rotation's two entries (retired, published) + 5
  t.match(across.stdout, /OK: the audit log .* at tree size 19 verifies/)
})
