import { mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { auditClient } from '../../src/audit/audit-client.ts'
import { MAX_ENTRIES_PAGE } from '../../src/audit/audit-service.ts'
import { verifyLog } from '../../src/audit/audit-verify.ts'
import { formatCheckpoint } from '../../src/notes/checkpoint.ts'
import { pgHashReader } from '../../src/audit/hash-store.ts'
import { checkpointSigner } from '../../src/audit/log-key.ts'
import { generateNoteKey, newNoteVerifier, signNote } from '../../src/notes/note.ts'
import { treeHash } from '../../src/tlog/tlog.ts'
import { allKeys } from '../../src/keys/gateway-keys.ts'
import { runCli } from '../helpers/process.ts'
import { attacker, auditTestApp, type AuditTestApp } from '../audit/gateway.ts'

interface Auditor {
  ctx: AuditTestApp
  dir: string
  verify(...extra: string[]): ReturnType<typeof runCli>
}

/** A gateway listening on a loopback port, and the auditor's tool pointed at it with a real token. */
async function auditor(t: Parameters<typeof auditTestApp>[0], entries = 40): Promise<Auditor> {
  const ctx = await auditTestApp(t)
  await ctx.append(entries)
  await ctx.settle()
  const url = await ctx.listen()
  const key = await ctx.verifierKey()
  const token = (await ctx.auth('example-auditor')).authorization.slice('Bearer '.length)
  const dir = await mkdtemp(join(tmpdir(), 'hg-audit-'))
  return { ctx, dir, verify: (...extra) => runCli(['audit', 'verify', '--url', url, '--key', key, ...extra], { HOTLINE_GATEWAY_TOKEN: token }) }
}

t.test('verify: signature, then consistency with the remembered state, then every entry', async (t) => {
  const { ctx, dir, verify } = await auditor(t, 2500)
  const state = join(dir, 'state.json')
  const first = await verify('--state', state, '--full')
  t.equal(first.code, 0, first.stderr)
  t.match(first.stdout, /checkpoint: hotline-gateway\/[0-9a-f-]+, tree size 2502, root [A-Za-z0-9+/]{43}=/)
  t.match(first.stdout, /signature: valid/)
  t.match(first.stdout, /entries: all 2502 downloaded; their hashes give the checkpoint's root/)
  t.match(first.stdout, /state: first run, remembered tree size 2502/)
  t.match(first.stdout, /OK: the audit log .* at tree size 2502 verifies/)
  t.match(first.stderr, /entries: 2502\/2502 verified \(100%\)/, 'progress on stderr')
  t.match(JSON.parse(await readFile(state, 'utf8')), { tree_size: 2502 })

  await ctx.append(7)
  await ctx.settle()
  const second = await verify('--state', state)
  t.equal(second.code, 0, second.stderr)
  t.match(second.stdout, /consistency: the log extends the tree of size 2502 verified/)
  t.match(JSON.parse(await readFile(state, 'utf8')), { tree_size: 2509 })
})

t.test('verify --full right after new entries is no false alarm', async (t) => {
  const { ctx, verify } = await auditor(t, 10)
  const size = await ctx.settle()
  // the server has now seen the tree at this size; the auditor runs once it has grown
  t.equal((await ctx.get(`/v1/audit/entries?start=${size - 1}&end=${size}`)).statusCode, 200)
  await ctx.append(2)
  await ctx.settle()
  const full = await verify('--full')
  t.equal(full.code, 0, full.stderr)
  t.match(full.stdout, new RegExp(`entries: all ${size + 2} downloaded`))
})

t.test('verify asks again for what a short page left out: a server page smaller than the auditor asks for is no tampering', async (t) => {
  const { ctx } = await auditor(t, 2500)
  const url = `http://127.0.0.1:${(ctx.app.server.address() as { port: number }).port}`
  const token = (await ctx.auth('example-auditor')).authorization.slice('Bearer '.length)
  const key = await ctx.verifierKey()
  const pages: number[] = []
  const state = await verifyLog({
    client: auditClient(url, token),
    policy: { log: newNoteVerifier(key), witnesses: [], quorum: 0 },
    full: true,
    // more than the server's page limit (MAX_ENTRIES_PAGE): every answer is short
    pageSize: MAX_ENTRIES_PAGE + 1500,
    say: () => undefined,
    progress: (done) => pages.push(done),
  })
  t.equal(state.tree_size, 2502)
  t.same(pages, [2500, 2502], 'two pages of the auditor, each served in several answers')
})

t.test('a wrong key, a missing token and wrong usage are told apart by the exit status', async (t) => {
  const { verify, ctx } = await auditor(t, 1)
  const impostor = generateNoteKey((await ctx.verifierKey()).split('+')[0]!).verifierKey
  const url = `http://127.0.0.1:${(ctx.app.server.address() as { port: number }).port}`
  const wrongKey = await runCli(['audit', 'verify', '--url', url, '--key', impostor], {
    HOTLINE_GATEWAY_TOKEN: (await ctx.auth('example-auditor')).authorization.slice(7),
  })
  t.equal(wrongKey.code, 1)
  t.match(wrongKey.stderr, /FAILED: the checkpoint does not verify/)
  const noToken = await runCli(['audit', 'verify', '--url', url, '--key', await ctx.verifierKey()])
  t.equal(noToken.code, 3)
  t.match(noToken.stderr, /could not verify: GET \/v1\/audit\/checkpoint: HTTP 401 HG_UNAUTHENTICATED/)
  const usage = await verify('--quorum', '2')
  t.equal(usage.code, 2)
  t.match(usage.stderr, /--quorum must be a whole number between 0 and the number of --witness keys \(0\)/)
})

t.test('tampering with stored entries is caught by --full: changed, deleted, reordered', async (t) => {
  const { ctx, verify } = await auditor(t)
  const db = await attacker(t, ctx.databaseUrl)
  const {
    rows: [original],
  } = await db.query('SELECT id, entry FROM audit_entries WHERE log_index = 5')

  await db.query(`UPDATE audit_entries SET entry = convert_to('{"at":"2026-01-01T00:00:00.000Z","type":"test.event"}', 'UTF8') WHERE log_index = 5`)
  const unchanged = await verify()
  t.equal(unchanged.code, 0, 'the checkpoint alone cannot see changed entry bytes: that is what --full is for')
  const changed = await verify('--full')
  t.equal(changed.code, 1)
  t.match(changed.stderr, /FAILED: the 42 entries the log serves do NOT hash to the checkpoint's root/)
  await db.query('UPDATE audit_entries SET entry = $1 WHERE id = $2', [original.entry, original.id])
  t.equal((await verify('--full')).code, 0, 'restored, it verifies again')

  await db.query('DELETE FROM audit_entries WHERE id = $1', [original.id])
  const deleted = await verify('--full')
  t.equal(deleted.code, 1)
  t.match(deleted.stderr, /FAILED: entry 5 is missing from the log/)
  await db.query('INSERT INTO audit_entries (id, entry, log_index) OVERRIDING SYSTEM VALUE VALUES ($1, $2, 5)', [original.id, original.entry])

  await db.query(
    'UPDATE audit_entries SET log_index = -1 WHERE log_index = 7; UPDATE audit_entries SET log_index = 7 WHERE log_index = 8; UPDATE audit_entries SET log_index = 8 WHERE log_index = -1',
  )
  const reordered = await verify('--full')
  t.equal(reordered.code, 1)
  t.match(reordered.stderr, /do NOT hash to the checkpoint's root: stored entries were changed, removed or reordered/)
})

t.test('a rewritten history re-signed with the real key is caught by --state', async (t) => {
  const { ctx, dir, verify } = await auditor(t)
  const state = join(dir, 'state.json')
  t.equal((await verify('--state', state)).code, 0)
  const remembered = await readFile(state, 'utf8')

  // With database access and the sealed key, an operator rewrites entry 3 and has the log re-sign
  // everything from scratch: a self-consistent tree, properly signed.
  const db = await attacker(t, ctx.databaseUrl)
  await db.query(`BEGIN;
    UPDATE audit_entries SET entry = convert_to('{"at":"2026-01-01T00:00:00.000Z","type":"nothing.happened"}', 'UTF8') WHERE log_index = 3;
    UPDATE audit_entries SET log_index = NULL;
    DELETE FROM audit_log_hashes; DELETE FROM audit_checkpoints;
    UPDATE audit_log_state SET tree_size = 0, root_hash = sha256(''::bytea);
    COMMIT`)
  await ctx.settle()
  const full = await verify('--full')
  t.equal(full.code, 0, 'the rewritten log is self-consistent: --full alone cannot tell')

  const fork = await verify('--state', state)
  t.equal(fork.code, 1)
  t.match(fork.stderr, /FAILED: the log signed two different roots for tree size 42: its history was rewritten \(a fork\)/)
  t.equal(await readFile(state, 'utf8'), remembered, 'a failed run leaves the state as it was')

  await ctx.append(3)
  await ctx.settle()
  const grown = await verify('--state', state)
  t.equal(grown.code, 1)
  t.match(grown.stderr, /FAILED: the tree of size 45 does NOT extend the tree of size 42 verified .*: its history was rewritten/)

  // or serves an older, genuinely signed checkpoint: a rollback
  const [key] = await allKeys(ctx.database.pool, ctx.sealer, 'checkpoint')
  const {
    rows: [{ origin }],
  } = await db.query('SELECT origin FROM audit_log_state')
  const root = await treeHash(40, pgHashReader(db))
  const note = signNote(formatCheckpoint({ origin, size: 40, hash: root }), [checkpointSigner(origin, key!)])
  await db.query(
    'INSERT INTO audit_checkpoints (tree_size, root_hash, note, kid) VALUES (40, $1, $2, $3) ON CONFLICT (tree_size) DO UPDATE SET note = EXCLUDED.note',
    [root, note, key!.kid],
  )
  await db.query('DELETE FROM audit_checkpoints WHERE tree_size > 40')
  const rolledBack = await verify('--state', state)
  t.equal(rolledBack.code, 1)
  t.match(rolledBack.stderr, /FAILED: the log now has 40 entries, fewer than the 42 verified/)
})

t.test('verify-evidence checks a bundle offline', async (t) => {
  const { ctx, dir } = await auditor(t, 10)
  const key = await ctx.verifierKey()
  const bundle = (await ctx.get('/v1/audit/evidence?index=0,4,9')).json()
  const file = join(dir, 'evidence.json')
  await writeFile(file, JSON.stringify(bundle))
  const ok = await runCli(['audit', 'verify-evidence', file, '--key', key])
  t.equal(ok.code, 0, ok.stderr)
  t.match(ok.stdout, /entry 4: included \(test\.event at /)
  t.match(ok.stdout, /OK: all 3 entries are in the log hotline-gateway\/[0-9a-f-]+ at tree size 12/)

  bundle.entries[1].inclusion_proof.reverse()
  await writeFile(file, JSON.stringify(bundle))
  const tampered = await runCli(['audit', 'verify-evidence', file, '--key', key])
  t.equal(tampered.code, 1)
  t.match(tampered.stderr, /FAILED: entry 4 is NOT in the tree of the checkpoint \(size 12\)/)

  await writeFile(file, JSON.stringify({ ...bundle, surprise: true }))
  const malformed = await runCli(['audit', 'verify-evidence', file, '--key', key])
  t.equal(malformed.code, 1)
  t.match(malformed.stderr, /FAILED: .* is not an audit evidence bundle/)
})
