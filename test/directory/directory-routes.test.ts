import t from 'tap'
import { EXAMPLE_DIRECTORY } from '../../src/dev/dev-mode.ts'
import { readDirectoryFile } from '../../src/directory/directory-file.ts'
import type { DirectoryDocument, Participant } from '../../src/directory/participant.ts'
import { buildTestApp, type TestApp } from '../helpers/app.ts'

const example = await readDirectoryFile(EXAMPLE_DIRECTORY)
const clone = (): DirectoryDocument => structuredClone(example)

async function counts(ctx: TestApp) {
  const { rows } = await ctx.database.pool.query(
    `SELECT (SELECT count(*) FROM directory_versions)::int AS versions,
            (SELECT count(*) FROM audit_entries WHERE convert_from(entry, 'UTF8')::jsonb->>'type' = 'directory.version_published')::int AS audit`,
  )
  return rows[0] as { versions: number; audit: number }
}

const newHotline: Participant = {
  id: 'fr-hotline',
  name: 'Example Hotline France',
  kind: 'hotline',
  countries: ['FR'],
  delivery: { mode: 'push', endpoint: 'https://hotline-fr.example.org/inbox' },
  formats: ['canonical_v1'],
  clients: ['fr-hotline'],
}

t.test('any participant reads the directory in force, with an ETag', async (t) => {
  const ctx = await buildTestApp(t)
  const res = await ctx.app.inject({ method: 'GET', url: '/v1/directory', headers: await ctx.auth('be-hotline') })
  t.equal(res.statusCode, 200)
  t.equal(res.headers.etag, '"v1"')
  t.match(res.json(), { version: 1, digest: /^[0-9a-f]{64}$/, created_by: 'test' })
  t.same(res.json().directory, example)
})

t.test('replacing the directory makes a new version; the old one stays readable; an audit entry records it', async (t) => {
  const ctx = await buildTestApp(t)
  const admin = await ctx.auth('gateway-admin')
  const next = clone()
  next.participants = next.participants.filter((p) => p.id !== 'lu-police')
  next.participants.push(newHotline)
  next.participants.find((p) => p.id === 'be-hotline')!.name = 'Renamed Hotline'
  const res = await ctx.app.inject({ method: 'PUT', url: '/v1/directory', headers: { ...admin, 'if-match': '"v1"' }, payload: next })
  t.equal(res.statusCode, 200)
  t.match(res.json(), { version: 2, summary: { added: ['fr-hotline'], removed: ['lu-police'], changed: [{ id: 'be-hotline', fields: ['name'] }] } })
  const old = await ctx.app.inject({ method: 'GET', url: '/v1/directory/versions/1', headers: admin })
  t.same(old.json().directory, example, 'version 1 is unchanged')
  const list = await ctx.app.inject({ method: 'GET', url: '/v1/directory/versions', headers: admin })
  t.same(
    list.json().versions.map((v: { version: number }) => v.version),
    [2, 1],
  )
  t.same(await counts(ctx), { versions: 2, audit: 2 })
  const { rows } = await ctx.database.pool.query(
    `SELECT entry FROM audit_entries WHERE convert_from(entry, 'UTF8')::jsonb->>'type' = 'directory.version_published' ORDER BY id DESC LIMIT 1`,
  )
  t.match(JSON.parse(rows[0].entry.toString()), { type: 'directory.version_published', version: 2, actor: 'gateway-operators', digest: /^sha256:/ })
})

t.test('publishing an identical directory changes nothing', async (t) => {
  const ctx = await buildTestApp(t)
  const res = await ctx.app.inject({ method: 'PUT', url: '/v1/directory', headers: await ctx.auth('gateway-admin'), payload: clone() })
  t.equal(res.statusCode, 200)
  t.match(res.json(), { version: 1, summary: { added: [], removed: [], changed: [] } })
  t.same(await counts(ctx), { versions: 1, audit: 1 })
})

t.test('a stale If-Match is a 409 and changes nothing', async (t) => {
  const ctx = await buildTestApp(t)
  const next = clone()
  next.participants.push(newHotline)
  const res = await ctx.app.inject({
    method: 'PUT',
    url: '/v1/directory',
    headers: { ...(await ctx.auth('gateway-admin')), 'if-match': '"v7"' },
    payload: next,
  })
  t.equal(res.statusCode, 409)
  t.match(res.json(), { code: 'HG_CONFLICT', detail: /version in force is 1, not 7/ })
  t.same(await counts(ctx), { versions: 1, audit: 1 })
})

const invalid: Array<[string, (d: DirectoryDocument) => void, string]> = [
  ['duplicate participant id', (d) => d.participants.push({ ...newHotline, id: 'be-hotline' }), '/participants/12/id'],
  ['client id acting for two participants', (d) => d.participants.push({ ...newHotline, clients: ['be-police'] }), '/participants/12/clients/0'],
  ['a country code that is not ISO 3166-1 ("UK")', (d) => d.participants.push({ ...newHotline, countries: ['UK'] }), '/participants/12/countries/0'],
  [
    'push delivery without an endpoint',
    (d) => d.participants.push({ ...newHotline, delivery: { mode: 'push' } as never }),
    '/participants/12/delivery',
  ],
  [
    'a plain-http endpoint',
    (d) => d.participants.push({ ...newHotline, delivery: { mode: 'push', endpoint: 'http://hotline-fr.example.org/' } }),
    '/participants/12/delivery',
  ],
  [
    'a push concurrency of 0',
    (d) => d.participants.push({ ...newHotline, delivery: { mode: 'push', endpoint: 'https://hotline-fr.example.org/', concurrency: 0 } }),
    '/participants/12/delivery/concurrency',
  ],
  [
    'a push concurrency above 256',
    (d) => d.participants.push({ ...newHotline, delivery: { mode: 'push', endpoint: 'https://hotline-fr.example.org/', concurrency: 257 } }),
    '/participants/12/delivery/concurrency',
  ],
  [
    'a concurrency on a pulling participant',
    (d) => d.participants.push({ ...newHotline, delivery: { mode: 'pull', concurrency: 4 } as never }),
    '/participants/12/delivery/concurrency',
  ],
  ['an unknown property', (d) => d.participants.push({ ...newHotline, favourite_colour: 'blue' } as never), '/participants/12/favourite_colour'],
  [
    'a private key in the JWKS',
    (d) => d.participants.push({ ...newHotline, keys: { jwks: { keys: [{ kty: 'OKP', crv: 'Ed25519', x: 'AAAA', d: 'secret' }] } } }),
    '/participants/12/keys',
  ],
  ['services on a hotline', (d) => d.participants.push({ ...newHotline, services: ['ExampleTube'] }), '/participants/12/services'],
  ['an unknown kind', (d) => d.participants.push({ ...newHotline, kind: 'ngo' as never }), '/participants/12/kind'],
]

t.test('each invalid directory is refused with the path of the bad field, and nothing changes', async (t) => {
  const ctx = await buildTestApp(t)
  const admin = await ctx.auth('gateway-admin')
  for (const [name, mutate, pointer] of invalid) {
    const document = clone()
    mutate(document)
    const res = await ctx.app.inject({ method: 'PUT', url: '/v1/directory', headers: admin, payload: document })
    t.equal(res.statusCode, 400, name)
    t.equal(res.json().code, 'HG_VALIDATION', name)
    t.ok(
      res.json().errors.some((e: { pointer: string }) => e.pointer.startsWith(pointer)),
      `${name}: names ${pointer} (got ${JSON.stringify(res.json().errors.map((e: { pointer: string }) => e.pointer))})`,
    )
  }
  t.same(await counts(ctx), { versions: 1, audit: 1 })
})

t.test('plan is a dry run: the diff, and nothing written', async (t) => {
  const ctx = await buildTestApp(t)
  const next = clone()
  next.participants.push(newHotline)
  const res = await ctx.app.inject({ method: 'POST', url: '/v1/directory/plan', headers: await ctx.auth('gateway-admin'), payload: next })
  t.equal(res.statusCode, 200)
  t.same(res.json(), { version: 1, dry_run: true, summary: { added: ['fr-hotline'], removed: [], changed: [] } })
  t.same(await counts(ctx), { versions: 1, audit: 1 })
})

t.test('participants are added, replaced and removed one at a time', async (t) => {
  const ctx = await buildTestApp(t)
  const admin = await ctx.auth('gateway-admin')
  const added = await ctx.app.inject({ method: 'PUT', url: '/v1/directory/participants/fr-hotline', headers: admin, payload: newHotline })
  t.match(added.json(), { version: 2, summary: { added: ['fr-hotline'] } })
  const mismatch = await ctx.app.inject({ method: 'PUT', url: '/v1/directory/participants/xx-other', headers: admin, payload: newHotline })
  t.equal(mismatch.statusCode, 400)
  t.same(mismatch.json().errors, [{ in: 'body', pointer: '/id', message: 'must be xx-other, as in the path' }])
  const removed = await ctx.app.inject({ method: 'DELETE', url: '/v1/directory/participants/lu-police', headers: admin })
  t.match(removed.json(), { version: 3, summary: { removed: ['lu-police'] } })
  const missing = await ctx.app.inject({ method: 'DELETE', url: '/v1/directory/participants/lu-police', headers: admin })
  t.equal(missing.statusCode, 404)
  t.same(await counts(ctx), { versions: 3, audit: 3 })
})

t.test('concurrent single-participant edits never lose each other', async (t) => {
  const ctx = await buildTestApp(t)
  const admin = await ctx.auth('gateway-admin')
  const ids = ['aa-hotline', 'ab-hotline', 'ac-hotline', 'ad-hotline', 'ae-hotline', 'af-hotline']
  const results = await Promise.all(
    ids.map((id) =>
      ctx.app.inject({ method: 'PUT', url: `/v1/directory/participants/${id}`, headers: admin, payload: { ...newHotline, id, clients: [id] } }),
    ),
  )
  t.same(
    results.map((r) => r.statusCode),
    ids.map(() => 200),
  )
  const current = await ctx.app.inject({ method: 'GET', url: '/v1/directory', headers: admin })
  t.equal(current.json().version, 1 + ids.length)
  for (const id of ids)
    t.ok(
      current.json().directory.participants.some((p: Participant) => p.id === id),
      `${id} is there`,
    )
})

t.test('a newly added client can act at once; a removed one cannot', async (t) => {
  const ctx = await buildTestApp(t, { extraClients: ['fr-hotline'] })
  const admin = await ctx.auth('gateway-admin')
  t.equal((await ctx.app.inject({ method: 'GET', url: '/v1/directory', headers: await ctx.auth('fr-hotline') })).statusCode, 403)
  await ctx.app.inject({ method: 'PUT', url: '/v1/directory/participants/fr-hotline', headers: admin, payload: newHotline })
  t.equal((await ctx.app.inject({ method: 'GET', url: '/v1/directory', headers: await ctx.auth('fr-hotline') })).statusCode, 200)
  await ctx.app.inject({ method: 'DELETE', url: '/v1/directory/participants/fr-hotline', headers: admin })
  t.equal((await ctx.app.inject({ method: 'GET', url: '/v1/directory', headers: await ctx.auth('fr-hotline') })).statusCode, 403)
})
