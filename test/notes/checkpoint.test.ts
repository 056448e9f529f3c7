import t from 'tap'
import { CheckpointError, formatCheckpoint, openCheckpoint, parseCheckpoint } from '../../src/notes/checkpoint.ts'
import { newNoteSigner, newNoteVerifier, NoteError, signNote } from '../../src/notes/note.ts'
import { appendLeaves, checkRecord, proveRecord, recordHash, treeHash } from '../../src/tlog/tlog.ts'
import { makeRecords, MemoryHashStore } from '../audit/helpers.ts'
import { signerKeyFromSeed } from '../audit/keys.ts'

// A real checkpoint of the Go checksum database, "Retrieved from https://sum.golang.org/latest,
// 2024-09-23", as recorded in sigsum/sigsum-go pkg/checkpoint/checkpoint_test.go
// (TestGoSumDBCheckpoint); the key is Go's built-in sum.golang.org verifier key
// (cmd/go/internal/modfetch/key.go).
const SUMDB_VKEY = 'sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8'
const SUMDB_CHECKPOINT = `go.sum database tree
30055305
mXfgRcJ0bG0j3CPdKwgGWtUzBUbX67saZGRmFuJGGsM=

— sum.golang.org Az3grpgEild5qw7+5dtV13Kf1C2Xurm8q4fhdxvcsDHnqNTaxL2AFjBY+2TyGKevucFcAAlWFJJYle3EJlDCrQ+y3A8=
`

// sigsum/sigsum-go pkg/checkpoint/checkpoint_test.go: validCheckpointASCII, signed with the
// Ed25519 key whose seed is 0x11 followed by 31 zero bytes (crypto.PrivateKey{17}).
const SIGSUM_ORIGIN = 'sigsum.org/v1/tree/e796172b92befd62d9dc67e41c2f5bc9d3100a3023b20b1ca40288dd1c679e69'
const SIGSUM_CHECKPOINT = `${SIGSUM_ORIGIN}
10
HA5HAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=

— ${SIGSUM_ORIGIN} gJ2ho0n8F8olcerUF1FFdv235A/5as/coWrpLrtE7ovMeP5whgwouYExowG/lTznxu6OUGjjt5yJQ6bXtTcf718MqAQ=
`

t.test('format and parse (Go tlog note_test.go vectors)', async (t) => {
  // golang/mod sumdb/tlog/note_test.go TestFormatTree: RecordHash("hello world") at size 123456789012.
  const golden = 'go.sum database tree\n123456789012\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=\n'
  const hash = recordHash(Buffer.from('hello world'))
  t.equal(formatCheckpoint({ origin: 'go.sum database tree', size: 123456789012, hash }), golden)
  const c = parseCheckpoint(golden)
  t.equal(c.origin, 'go.sum database tree')
  t.equal(c.size, 123456789012)
  t.ok(c.hash.equals(hash))
  t.same(c.extensions, [])
  // TestParseTree's bad trees.
  t.throws(() => parseCheckpoint('go.sum database tree\n0xabcdef\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=\n'), { code: 'CHECKPOINT_BAD_SIZE' })
  t.throws(() => parseCheckpoint('go.sum database tree\n123456789012\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBTOOBIG=\n'), {
    code: 'CHECKPOINT_BAD_HASH',
  })
  // Go ignores trailing junk; C2SP makes further lines extension lines, which must be newline-terminated.
  t.same(parseCheckpoint(golden + 'JOE\n').extensions, ['JOE'])
  t.same(parseCheckpoint(golden + 'JOE\n'.repeat(3)).extensions, ['JOE', 'JOE', 'JOE'])
  t.throws(() => parseCheckpoint(golden + 'JOE'), { code: 'CHECKPOINT_MALFORMED' })
})

t.test('round trips and strictness', async (t) => {
  const hash = recordHash(Buffer.from('x'))
  for (const c of [
    { origin: 'example.com/log', size: 0, hash },
    { origin: 'example.com/log', size: Number.MAX_SAFE_INTEGER, hash },
    { origin: 'hotline-gateway.example/audit', size: 42, hash, extensions: ['ext one', 'ext=two'] },
  ]) {
    const text = formatCheckpoint(c)
    t.ok(text.endsWith('\n'))
    const back = parseCheckpoint(text)
    t.same({ ...back, hash: back.hash.toString('hex') }, { extensions: [], ...c, hash: c.hash.toString('hex') })
  }
  const ok = 'o\n1\n' + hash.toString('base64') + '\n'
  t.ok(parseCheckpoint(ok))
  const bad: [string, string][] = [
    ['', 'CHECKPOINT_MALFORMED'],
    ['o\n1\n', 'CHECKPOINT_MALFORMED'],
    [ok.slice(0, -1), 'CHECKPOINT_MALFORMED'],
    ['\n1\n' + hash.toString('base64') + '\n', 'CHECKPOINT_BAD_ORIGIN'],
    ['o\n01\n' + hash.toString('base64') + '\n', 'CHECKPOINT_BAD_SIZE'],
    ['o\n-1\n' + hash.toString('base64') + '\n', 'CHECKPOINT_BAD_SIZE'],
    ['o\n+1\n' + hash.toString('base64') + '\n', 'CHECKPOINT_BAD_SIZE'],
    ['o\n1 \n' + hash.toString('base64') + '\n', 'CHECKPOINT_BAD_SIZE'],
    ['o\n\n' + hash.toString('base64') + '\n', 'CHECKPOINT_BAD_SIZE'],
    ['o\n9007199254740992\n' + hash.toString('base64') + '\n', 'CHECKPOINT_BAD_SIZE'],
    ['o\n99999999999999999999\n' + hash.toString('base64') + '\n', 'CHECKPOINT_BAD_SIZE'],
    ['o\n1\n' + hash.subarray(0, 31).toString('base64') + '\n', 'CHECKPOINT_BAD_HASH'],
    ['o\n1\n' + hash.toString('base64').replace('=', '') + '\n', 'CHECKPOINT_BAD_HASH'],
    ['o\n1\n' + hash.toString('base64url') + '\n', 'CHECKPOINT_BAD_HASH'],
    ['o\n1\n\n', 'CHECKPOINT_BAD_HASH'],
    [ok + '\n', 'CHECKPOINT_BAD_EXTENSION'],
    [ok + 'a\n\nb\n', 'CHECKPOINT_BAD_EXTENSION'],
    ['o\t\n1\n' + hash.toString('base64') + '\n', 'CHECKPOINT_MALFORMED'],
    [ok.replace('\n', '\r\n'), 'CHECKPOINT_MALFORMED'],
  ]
  for (const [text, code] of bad) t.throws(() => parseCheckpoint(text), { code }, JSON.stringify(text))
  t.throws(() => formatCheckpoint({ origin: '', size: 1, hash }), { code: 'CHECKPOINT_BAD_ORIGIN' })
  t.throws(() => formatCheckpoint({ origin: 'a\nb', size: 1, hash }), { code: 'CHECKPOINT_BAD_ORIGIN' })
  t.throws(() => formatCheckpoint({ origin: 'o', size: -1, hash }), { code: 'CHECKPOINT_BAD_SIZE' })
  t.throws(() => formatCheckpoint({ origin: 'o', size: 1.5, hash }), { code: 'CHECKPOINT_BAD_SIZE' })
  t.throws(() => formatCheckpoint({ origin: 'o', size: 1, hash: hash.subarray(1) }), { code: 'CHECKPOINT_BAD_HASH' })
  t.throws(() => formatCheckpoint({ origin: 'o', size: 1, hash, extensions: [''] }), { code: 'CHECKPOINT_BAD_EXTENSION' })
  t.throws(() => formatCheckpoint({ origin: 'o', size: 1, hash, extensions: ['a\nb'] }), { code: 'CHECKPOINT_BAD_EXTENSION' })
  t.ok(new CheckpointError('CHECKPOINT_MALFORMED', 'x') instanceof Error)
})

t.test('real sum.golang.org checkpoint verifies with the published key', async (t) => {
  const v = newNoteVerifier(SUMDB_VKEY)
  const { checkpoint, note } = openCheckpoint(SUMDB_CHECKPOINT, [v], 'go.sum database tree')
  t.equal(checkpoint.size, 30055305)
  t.equal(checkpoint.hash.toString('base64'), 'mXfgRcJ0bG0j3CPdKwgGWtUzBUbX67saZGRmFuJGGsM=')
  t.equal(note.sigs[0]!.name, 'sum.golang.org')
  t.equal(formatCheckpoint(checkpoint), note.text, 'format(parse(text)) is the signed text')
  t.throws(() => openCheckpoint(SUMDB_CHECKPOINT.replace('30055305', '30055306'), [v]), { code: 'NOTE_INVALID_SIGNATURE' })
  t.throws(() => openCheckpoint(SUMDB_CHECKPOINT, [v], 'sum.golang.org'), { code: 'CHECKPOINT_WRONG_ORIGIN' })
  t.throws(() => openCheckpoint(SUMDB_CHECKPOINT, []), NoteError)
})

t.test('sigsum checkpoint: verified, and our signer reproduces the signature', async (t) => {
  const skey = signerKeyFromSeed(SIGSUM_ORIGIN, 0x01, Buffer.concat([Buffer.from([17]), Buffer.alloc(31)]))
  const signer = newNoteSigner(skey.signerKey)
  const { checkpoint } = openCheckpoint(SIGSUM_CHECKPOINT, [newNoteVerifier(skey.verifierKey)], SIGSUM_ORIGIN)
  t.equal(checkpoint.size, 10)
  t.equal(signNote(formatCheckpoint(checkpoint), [signer]), SIGSUM_CHECKPOINT, 'byte-identical signed checkpoint')
})

t.test('end to end: log -> checkpoint -> inclusion proof', async (t) => {
  const store = new MemoryHashStore()
  const records = makeRecords(500)
  for (const s of await appendLeaves(0, records.map(recordHash), store)) store.hashes[s.index] = s.hash
  const signer = newNoteSigner(signerKeyFromSeed('hotline-gateway.example/audit', 0x01, Buffer.alloc(32, 9)).signerKey)
  const vkey = signerKeyFromSeed('hotline-gateway.example/audit', 0x01, Buffer.alloc(32, 9)).verifierKey
  const signed = signNote(formatCheckpoint({ origin: 'hotline-gateway.example/audit', size: 500, hash: await treeHash(500, store) }), [signer])
  const { checkpoint } = openCheckpoint(signed, [newNoteVerifier(vkey)], 'hotline-gateway.example/audit')
  const proof = await proveRecord(checkpoint.size, 123, store)
  t.ok(checkRecord(proof, checkpoint.size, checkpoint.hash, 123, recordHash(records[123]!)))
})
