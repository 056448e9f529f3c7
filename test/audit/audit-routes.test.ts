import t from 'tap'
import { openCheckpoint } from '../../src/notes/checkpoint.ts'
import { verifyEvidence } from '../../src/audit/evidence.ts'
import { newNoteVerifier } from '../../src/notes/note.ts'
import { RootBuilder } from '../../src/tlog/root-builder.ts'
import { tileHashReader } from '../helpers/tile-hash-reader.ts'
import { decodeEntryBundle, tilePath, type Tile } from '../../src/tlog/tiles.ts'
import { checkRecord, checkTree, proveRecord, recordHash } from '../../src/tlog/tlog.ts'
import { auditTestApp, type AuditTestApp } from './gateway.ts'

const b64 = (s: string) => Buffer.from(s, 'base64')

async function checkpointOf(ctx: AuditTestApp) {
  const res = await ctx.get('/v1/audit/checkpoint')
  return { res, ...openCheckpoint(res.body, [newNoteVerifier(await ctx.verifierKey())]) }
}

async function allLeaves(ctx: AuditTestApp, size: number): Promise<Buffer[]> {
  const leaves: Buffer[] = []
  for (let start = 0; start < size; start += 1000) {
    const res = await ctx.get(`/v1/audit/entries?start=${start}&end=${size}`)
    for (const e of res.json().entries) leaves.push(b64(e.leaf))
  }
  return leaves
}

function rootOf(leaves: Buffer[], n: number): Buffer {
  const builder = new RootBuilder()
  for (const leaf of leaves.slice(0, n)) builder.add(recordHash(leaf))
  return builder.root()
}

t.test('the checkpoint is a C2SP signed note, verifiable with the published key, over every entry', async (t) => {
  const ctx = await auditTestApp(t)
  await ctx.append(5)
  const size = await ctx.settle()
  // the example directory (version 1) and the checkpoint key's publication are entries too
  t.equal(size, 7)
  const { res, checkpoint, note } = await checkpointOf(ctx)
  t.equal(res.statusCode, 200)
  t.match(res.headers['content-type'], /^text\/plain; charset=utf-8/)
  t.equal(res.headers['cache-control'], 'no-store')
  t.equal(checkpoint.size, 7)
  const {
    rows: [instance],
  } = await ctx.database.pool.query('SELECT instance_id FROM gateway_instance')
  t.equal(checkpoint.origin, `hotline-gateway/${instance.instance_id}`, 'default origin derives from the instance id')
  t.equal(note.sigs[0]!.name, checkpoint.origin, 'the key is named after the origin')
  t.ok(checkpoint.hash.equals(rootOf(await allLeaves(ctx, 7), 7)), 'the root is the RFC 6962 root of the served entries')

  const keys = await ctx.app.inject({ method: 'GET', url: '/v1/audit/key' })
  t.equal(keys.statusCode, 200, 'the key is public')
  t.match(keys.json(), {
    origin: checkpoint.origin,
    keys: [{ active: true, kid: String, verifier_key: new RegExp(`^${checkpoint.origin.replace('.', '\\.')}\\+[0-9a-f]{8}\\+`) }],
  })
})

t.test('entries come in index order with their exact bytes and decoded JSON; pages are bounded', async (t) => {
  const ctx = await auditTestApp(t)
  await ctx.append(1200)
  const size = await ctx.settle()
  const res = await ctx.get(`/v1/audit/entries?start=0&end=${size}`)
  t.equal(res.statusCode, 200)
  const { entries } = res.json()
  t.equal(entries.length, 1000, 'at most 1000 per page')
  t.same(
    entries.map((e: { index: number }) => e.index),
    Array.from({ length: 1000 }, (_, i) => i),
  )
  const mismatched = entries.filter(
    (e: { leaf: string; entry: unknown }) => JSON.stringify(JSON.parse(b64(e.leaf).toString('utf8'))) !== JSON.stringify(e.entry),
  )
  t.same(mismatched, [], 'each decoded entry is its leaf bytes, parsed')
  t.match(entries[2].entry, { type: 'test.event', tag: 'test', n: 0 })
  const tail = await ctx.get(`/v1/audit/entries?start=1190&end=5000`)
  t.same(
    tail.json().entries.map((e: { index: number }) => e.index),
    Array.from({ length: size - 1190 }, (_, i) => 1190 + i),
    'clamped to the tree',
  )
})

t.test('a range past the tree size this process saw last is re-read, never cut short', async (t) => {
  const ctx = await auditTestApp(t)
  const size = await ctx.settle()
  const before = await ctx.get(`/v1/audit/entries?start=${size - 1}&end=${size}`)
  t.equal(before.json().entries.length, 1, 'the process has now seen the tree at this size')
  await ctx.append(2)
  t.equal(await ctx.settle(), size + 2)
  for (let round = 0; round < 2; round++) {
    const res = await ctx.get(`/v1/audit/entries?start=${size - 1}&end=${size + 2}`)
    t.same(
      res.json().entries.map((e: { index: number }) => e.index),
      [size - 1, size, size + 1],
      `every entry asked for (request ${round + 1})`,
    )
  }
})

t.test('every inclusion and consistency proof served verifies against the checkpoint and prefix roots', async (t) => {
  const ctx = await auditTestApp(t)
  await ctx.append(35)
  const size = await ctx.settle()
  const { checkpoint } = await checkpointOf(ctx)
  const leaves = await allLeaves(ctx, size)
  for (let n = 1; n <= size; n++) {
    const root = n === size ? checkpoint.hash : rootOf(leaves, n)
    for (let i = 0; i < n; i += n > 8 ? 3 : 1) {
      const res = await ctx.get(`/v1/audit/proof/inclusion?index=${i}&tree_size=${n}`)
      const proof = res.json().proof.map(b64)
      if (!checkRecord(proof, n, root, i, recordHash(leaves[i]!))) t.fail(`inclusion of ${i} in ${n}`)
    }
    const res = await ctx.get(`/v1/audit/proof/consistency?from=${n}&to=${size}`)
    t.ok(checkTree(res.json().proof.map(b64), size, checkpoint.hash, n, root), `consistency ${n} -> ${size}`)
  }
  const proof = (await ctx.get(`/v1/audit/proof/inclusion?index=3&tree_size=${size}`)).json().proof.map(b64)
  proof[0] = Buffer.alloc(32)
  t.notOk(checkRecord(proof, size, checkpoint.hash, 3, recordHash(leaves[3]!)), 'a tampered proof fails')
})

t.test('bad or out-of-range sizes and indexes are 400 problems naming the parameter', async (t) => {
  const ctx = await auditTestApp(t)
  const size = await ctx.settle()
  const cases: Array<[string, string]> = [
    [`/v1/audit/proof/inclusion?index=${size}&tree_size=${size}`, '/index'],
    [`/v1/audit/proof/inclusion?index=0&tree_size=${size + 1}`, '/tree_size'],
    ['/v1/audit/proof/inclusion?index=0&tree_size=0', '/tree_size'],
    ['/v1/audit/proof/inclusion?index=-1&tree_size=1', '/index'],
    ['/v1/audit/proof/inclusion?index=x&tree_size=1', '/index'],
    ['/v1/audit/proof/inclusion?tree_size=1', '/index'],
    [`/v1/audit/proof/consistency?from=2&to=1`, '/from'],
    [`/v1/audit/proof/consistency?from=1&to=${size + 1}`, '/to'],
    ['/v1/audit/proof/consistency?from=0&to=1', '/from'],
    [`/v1/audit/entries?start=${size}&end=${size + 5}`, '/start'],
    ['/v1/audit/entries?start=1&end=1', '/end'],
    ['/v1/audit/evidence?index=0,99999', '/index'],
    ['/v1/audit/evidence?index=01', '/index'],
    ['/v1/audit/checkpoint?min_cosignatures=17', '/min_cosignatures'],
    ['/v1/audit/tile/64/000', '/path'],
    ['/v1/audit/tile/0/1234', '/path'],
  ]
  for (const [url, pointer] of cases) {
    const res = await ctx.get(url)
    t.equal(res.statusCode, 400, url)
    t.match(res.headers['content-type'], /^application\/problem\+json/)
    t.match(res.json(), { code: 'HG_VALIDATION', errors: [{ pointer }] }, url)
  }
})

t.test('tiles: C2SP paths, authenticated client-side against the checkpoint, immutable when full', async (t) => {
  const ctx = await auditTestApp(t)
  await ctx.append(300)
  const size = await ctx.settle() // 302: one full level-0 tile, one partial of 46, a level-1 partial of 1
  const { checkpoint } = await checkpointOf(ctx)
  const fetched: string[] = []
  const reader = tileHashReader(size, checkpoint.hash, {
    async readTiles(tiles: Tile[]) {
      return Promise.all(
        tiles.map(async (tile) => {
          const path = tilePath(tile)
          fetched.push(path)
          const res = await ctx.get(`/v1/audit/${path}`)
          t.equal(res.statusCode, 200, path)
          t.equal(res.headers['content-type'], 'application/octet-stream')
          t.equal(res.headers['cache-control'], tile.width === 256 ? 'public, max-age=31536000, immutable' : 'public, max-age=60')
          return res.rawPayload
        }),
      )
    },
  })
  const leaves = await allLeaves(ctx, size)
  for (const i of [0, 255, 256, 301]) {
    const proof = await proveRecord(size, i, reader)
    t.ok(checkRecord(proof, size, checkpoint.hash, i, recordHash(leaves[i]!)), `proof of ${i} from tiles`)
  }
  t.ok(fetched.includes('tile/0/000') && fetched.includes('tile/0/001.p/46') && fetched.includes('tile/1/000.p/1'))

  const bundle = await ctx.get('/v1/audit/tile/entries/000')
  t.equal(bundle.headers['cache-control'], 'private, max-age=31536000, immutable', 'entry bundles are for auditors only')
  t.same(decodeEntryBundle(bundle.rawPayload, 256), leaves.slice(0, 256))
  const head = await ctx.app.inject({ method: 'HEAD', url: '/v1/audit/tile/0/000', headers: await ctx.auth('example-auditor') })
  t.equal(head.statusCode, 200, 'HEAD works on the multi-segment route too')
  t.equal(head.body, '')
  const partial = await ctx.get('/v1/audit/tile/entries/001.p/46')
  t.same(decodeEntryBundle(partial.rawPayload, 46), leaves.slice(256))

  for (const path of ['0/001', '0/001.p/47', '1/000', 'entries/001', 'entries/002.p/1', '2/000.p/1']) {
    const res = await ctx.get(`/v1/audit/tile/${path}`)
    t.equal(res.statusCode, 404, `${path} is not in the tree`)
    t.equal(res.json().code, 'HG_NOT_FOUND')
  }
})

t.test('an evidence bundle verifies offline; a tampered one does not', async (t) => {
  const ctx = await auditTestApp(t)
  await ctx.append(20)
  await ctx.settle()
  const res = await ctx.get('/v1/audit/evidence?index=3,0,17,3')
  t.equal(res.statusCode, 200)
  const bundle = res.json()
  t.same(
    bundle.entries.map((e: { index: number }) => e.index),
    [0, 3, 17],
    'sorted, once each',
  )
  const policy = { log: newNoteVerifier(await ctx.verifierKey()), witnesses: [], quorum: 0 }
  t.same(
    verifyEvidence(bundle, policy).entries.map((e) => e.index),
    [0, 3, 17],
  )

  const forged = structuredClone(bundle)
  forged.entries[1].entry.tag = 'forged'
  forged.entries[1].leaf = Buffer.from(JSON.stringify(forged.entries[1].entry)).toString('base64')
  t.throws(() => verifyEvidence(forged, policy), { code: 'AUDIT_VERIFY_FAILED', message: /entry 3 is NOT in the tree/ })
  const mismatched = structuredClone(bundle)
  mismatched.entries[0].entry.type = 'something.else'
  t.throws(() => verifyEvidence(mismatched, policy), { code: 'AUDIT_VERIFY_FAILED', message: /decoded entry does not match/ })
})

t.test('before the first checkpoint the checkpoint is a 503 problem', async (t) => {
  const ctx = await auditTestApp(t, { sequencer: false })
  const res = await ctx.get('/v1/audit/checkpoint')
  t.equal(res.statusCode, 503)
  t.equal(res.headers['retry-after'], '1')
  t.equal(res.json().code, 'HG_UNAVAILABLE')
})

t.test('audit reads need audit:read; a hotline has no such scope', async (t) => {
  const ctx = await auditTestApp(t)
  await ctx.settle()
  for (const url of ['/v1/audit/checkpoint', '/v1/audit/entries?start=0&end=1', '/v1/audit/tile/0/000.p/2']) {
    const hotline = await ctx.app.inject({ method: 'GET', url, headers: await ctx.auth('be-hotline') })
    t.equal(hotline.statusCode, 403, url)
    const operator = await ctx.app.inject({ method: 'GET', url, headers: await ctx.auth('gateway-admin') })
    t.equal(operator.statusCode, 200, `${url}: operators hold audit:read`)
  }
})
