import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { formatCheckpoint } from '../../src/notes/checkpoint.ts'
import { generateCosignerKey, newCosignatureVerifier, verifyWitnessedCheckpoint } from '../../src/notes/cosignature.ts'
import { newNoteSigner, newNoteVerifier, generateNoteKey, signNote } from '../../src/notes/note.ts'
import { appendLeaves, proveTree, recordHash, treeHash } from '../../src/tlog/tlog.ts'
import { createWitness, fileWitnessStore, serveWitness, type WitnessedLog } from '../../src/witness/witness.ts'
import { createWitnessPublisher, parseWitnesses } from '../../src/audit/witness-publisher.ts'
import { runCli } from '../helpers/process.ts'
import { auditTestApp } from '../audit/gateway.ts'
import { makeRecords, MemoryHashStore } from '../audit/helpers.ts'

/** A toy log in memory, to drive the witness directly. */
async function toyLog(origin = 'log.example.org/toy') {
  const key = generateNoteKey(origin)
  const signer = newNoteSigner(key.signerKey)
  const store = new MemoryHashStore()
  const leaves = makeRecords(40).map(recordHash)
  let size = 0
  const grow = async (to: number) => {
    for (const h of await appendLeaves(size, leaves.slice(size, to), store)) store.hashes[h.index] = h.hash
    size = to
  }
  const checkpoint = async (n: number, s = signer) => signNote(formatCheckpoint({ origin, size: n, hash: await treeHash(n, store) }), [s])
  const request = async (old: number, n: number, s = signer) => {
    const proof = old > 0 && old < n ? await proveTree(n, old, store) : []
    return `old ${old}\n${proof.map((h) => `${h.toString('base64')}\n`).join('')}\n${await checkpoint(n, s)}`
  }
  await grow(40)
  return { origin, key, store, request, checkpoint, log: { origin, verifierKey: key.verifierKey } satisfies WitnessedLog }
}

t.test('the witness cosigns only a checkpoint consistent with the last one it cosigned', async (t) => {
  const toy = await toyLog()
  const witnessKey = generateCosignerKey('witness.example.net/w1')
  const witness = createWitness({ signerKey: witnessKey.signerKey, logs: [toy.log] })
  t.equal(witness.verifierKey, witnessKey.verifierKey)

  const first = await witness.addCheckpoint(await toy.request(0, 10))
  t.equal(first.status, 200)
  t.match(first.body, /^— witness\.example\.net\/w1 [A-Za-z0-9+/]+=*\n$/)
  const cosigned = (await toy.checkpoint(10)) + first.body
  const policy = { log: newNoteVerifier(toy.key.verifierKey), witnesses: [newCosignatureVerifier(witnessKey.verifierKey)], quorum: 1 }
  t.equal(verifyWitnessedCheckpoint(cosigned, policy).witnesses.length, 1, 'the cosignature verifies on the checkpoint')

  t.equal((await witness.addCheckpoint(await toy.request(10, 25))).status, 200, 'grows 10 -> 25 with a proof')
  const stale = await witness.addCheckpoint(await toy.request(10, 30))
  t.same(stale, { status: 409, contentType: 'text/x.tlog.size', body: '25\n' }, 'a stale old size: 409 and the size it knows')
  const forged = (await toy.request(25, 30)).replace(/^old 25\n[^\n]+\n/, `old 25\n${Buffer.alloc(32).toString('base64')}\n`)
  t.equal((await witness.addCheckpoint(forged)).status, 422, 'a proof that does not verify: 422')
  t.equal((await witness.addCheckpoint(await toy.request(30, 25))).status, 400, 'old size beyond the checkpoint: 400')

  const other = await toyLog('log.example.org/other')
  t.equal((await witness.addCheckpoint(await other.request(0, 5))).status, 404, 'unknown origin: 404')
  const impostor = newNoteSigner(generateNoteKey(toy.origin).signerKey)
  t.equal((await witness.addCheckpoint(await toy.request(25, 30, impostor))).status, 403, 'not signed by the log: 403')
  t.equal((await witness.addCheckpoint('old 0\nnot a checkpoint')).status, 400)

  // the same size with another root: a fork
  const fork = await toyLog(toy.origin)
  const forkWitness = createWitness({ signerKey: witnessKey.signerKey, logs: [fork.log] })
  t.equal((await forkWitness.addCheckpoint(await fork.request(0, 7))).status, 200)
  const otherRoot = signNote(formatCheckpoint({ origin: toy.origin, size: 7, hash: Buffer.alloc(32, 1) }), [newNoteSigner(fork.key.signerKey)])
  t.equal((await forkWitness.addCheckpoint(`old 7\n\n${otherRoot}`)).status, 409, 'same size, different root: 409')
})

t.test('a witness remembers its state in a file and serves add-checkpoint over HTTP', async (t) => {
  const toy = await toyLog()
  const file = join(await mkdtemp(join(tmpdir(), 'hg-witness-')), 'state.json')
  const { signerKey } = generateCosignerKey('witness.example.net/w2')
  const served = await serveWitness(createWitness({ signerKey, logs: [toy.log], store: fileWitnessStore(file) }))
  t.teardown(() => served.close())
  const post = (body: string) => fetch(`${served.url}/add-checkpoint`, { method: 'POST', body })
  t.equal((await post(await toy.request(0, 12))).status, 200)
  // a new witness process on the same file knows where the log was
  const again = await serveWitness(createWitness({ signerKey, logs: [toy.log], store: fileWitnessStore(file) }))
  t.teardown(() => again.close())
  const res = await fetch(`${again.url}/add-checkpoint`, { method: 'POST', body: await toy.request(0, 20) })
  t.equal(res.status, 409)
  t.equal(res.headers.get('content-type'), 'text/x.tlog.size')
  t.equal(await res.text(), '12\n')
  t.equal((await fetch(`${again.url}/other`, { method: 'POST' })).status, 404)
})

t.test('the gateway collects cosignatures from its witnesses and serves them on the checkpoint', async (t) => {
  const ctx = await auditTestApp(t)
  await ctx.settle()
  const { origin } = (await ctx.app.inject({ method: 'GET', url: '/v1/audit/key' })).json()
  const key = await ctx.verifierKey()
  const witnessKey = generateCosignerKey('witness.example.net/gw')
  const served = await serveWitness(createWitness({ signerKey: witnessKey.signerKey, logs: [{ origin, verifierKey: key }] }))
  t.teardown(() => served.close())
  const publisher = createWitnessPublisher({
    pool: ctx.database.pool,
    witnesses: parseWitnesses(`${witnessKey.verifierKey} ${served.url}/`),
    logger: ctx.app.log as never,
  })

  await ctx.append(10)
  await ctx.settle()
  await publisher.publish()
  const res = await ctx.get('/v1/audit/checkpoint?min_cosignatures=1')
  t.equal(res.statusCode, 200)
  const policy = { log: newNoteVerifier(key), origin, witnesses: [newCosignatureVerifier(witnessKey.verifierKey)], quorum: 1 }
  const first = verifyWitnessedCheckpoint(res.body, policy)
  t.equal(first.checkpoint.size, 12)

  // the witness moves along with the log, each time from the size it cosigned last
  await ctx.append(5)
  await ctx.settle()
  await publisher.publish()
  t.equal(verifyWitnessedCheckpoint((await ctx.get('/v1/audit/checkpoint?min_cosignatures=1')).body, policy).checkpoint.size, 17)

  // the gateway forgot what the witness saw (restored database, another process): a 409 teaches it
  await ctx.database.pool.query('DELETE FROM audit_witness_state')
  await ctx.append(3)
  await ctx.settle()
  await publisher.publish()
  t.equal(verifyWitnessedCheckpoint((await ctx.get('/v1/audit/checkpoint?min_cosignatures=1')).body, policy).checkpoint.size, 20)
  t.equal((await ctx.get('/v1/audit/checkpoint?min_cosignatures=2')).statusCode, 404, 'no checkpoint has two')

  const url = await ctx.listen()
  const token = (await ctx.auth('example-auditor')).authorization.slice(7)
  const cli = await runCli(['audit', 'verify', '--url', url, '--key', key, '--witness', witnessKey.verifierKey, '--quorum', '1'], {
    HOTLINE_GATEWAY_TOKEN: token,
  })
  t.equal(cli.code, 0, cli.stderr)
  t.match(cli.stdout, /cosigned by witness\.example\.net\/gw/)
  const stranger = generateCosignerKey('witness.example.org/stranger').verifierKey
  const unmet = await runCli(['audit', 'verify', '--url', url, '--key', key, '--witness', stranger], { HOTLINE_GATEWAY_TOKEN: token })
  t.equal(unmet.code, 1, 'a checkpoint without the required cosignature fails')
  t.match(unmet.stderr, /FAILED: the checkpoint does not verify: cosignature: 0 of the required 1 witness cosignatures/)
})

t.test('AUDIT_WITNESSES is parsed strictly, naming the variable', async (t) => {
  const { verifierKey } = generateCosignerKey('witness.example.net/w3')
  t.same(parseWitnesses(undefined), [])
  t.match(parseWitnesses(`${verifierKey} https://witness.example.net/w3/, ${verifierKey} http://127.0.0.1:9`), [
    { verifierKey, url: 'https://witness.example.net/w3' },
    { verifierKey, url: 'http://127.0.0.1:9' },
  ])
  t.throws(() => parseWitnesses(verifierKey), { message: /AUDIT_WITNESSES: each witness is "<verifier key> <http\(s\) URL>"/ })
  t.throws(() => parseWitnesses(`${generateNoteKey('log.example.org').verifierKey} https://witness.example.net`), {
    message: /AUDIT_WITNESSES: .* is not a cosignature\/v1 verifier key/,
  })
})
