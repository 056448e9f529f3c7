import t from 'tap'
import {
  cosignatureTimestamp,
  cosignedMessage,
  CosignatureError,
  generateCosignerKey,
  newCosignatureVerifier,
  newCosigner,
  verifyWitnessedCheckpoint,
} from '../../src/notes/cosignature.ts'
import { formatCheckpoint } from '../../src/notes/checkpoint.ts'
import { generateNoteKey, newNoteSigner, newNoteVerifier, openNote, signNote } from '../../src/notes/note.ts'
import { recordHash } from '../../src/tlog/tlog.ts'
import { signerKeyFromSeed } from '../audit/keys.ts'

// sigsum/sigsum-go pkg/checkpoint/checkpoint_test.go: testCheckpoint cosigned at time 1234 by
// "example.org/witness" with the Ed25519 seed 0x11 || 31 zero bytes (TestCheckpointCosignVerify,
// TestCheckpointVerifyCosignatureByKey). The first line has a different key ID and the third a
// different key name than that witness.
const SIGSUM_TEXT = 'example.org/log\n10\nHA5HAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n'
const SIGSUM_COSIG_LINES = [
  '— example.org/witness yX8uUAAAAAAAAATSftMzceM8zssdZ9jin9SjwIxzx9iADMf63VqirX2hafol9RsqNqbofIz0LVRqHXI2kpEBSki5RTXFtxz1vo9+Cg==\n',
  '— example.org/witness ys8uUAAAAAAAAATSftMzceM8zssdZ9jin9SjwIxzx9iADMf63VqirX2hafol9RsqNqbofIz0LVRqHXI2kpEBSki5RTXFtxz1vo9+Cg==\n',
  '— example.org/witness-2 ys8uUAAAAAAAAATSftMzceM8zssdZ9jin9SjwIxzx9iADMf63VqirX2hafol9RsqNqbofIz0LVRqHXI2kpEBSki5RTXFtxz1vo9+Cg==\n',
]
const SEED17 = Buffer.concat([Buffer.from([17]), Buffer.alloc(31)])

t.test('cosignature/v1 interoperates with sigsum-go', async (t) => {
  const keys = signerKeyFromSeed('example.org/witness', 0x04, SEED17)
  const cosigner = newCosigner(keys.signerKey, { now: () => 1234 })
  t.equal(cosigner.verifierKey, keys.verifierKey)
  t.equal(signNote(SIGSUM_TEXT, [cosigner]), `${SIGSUM_TEXT}\n${SIGSUM_COSIG_LINES[1]}`, 'byte-identical cosignature line')

  const v = newCosignatureVerifier(keys.verifierKey)
  const n = openNote(`${SIGSUM_TEXT}\n${SIGSUM_COSIG_LINES.join('')}`, [v])
  t.equal(n.sigs.length, 1, 'the matching cosignature verifies')
  t.equal(n.sigs[0]!.name, 'example.org/witness')
  t.equal(cosignatureTimestamp(n.sigs[0]!.sig), 1234)
  t.equal(n.unverifiedSigs.length, 2, 'other key ID / other name are ignored')
  // The same line over a different checkpoint, or with the timestamp changed, fails.
  t.throws(() => openNote(`${SIGSUM_TEXT.replace('10', '11')}\n${SIGSUM_COSIG_LINES[1]}`, [v]), { code: 'NOTE_INVALID_SIGNATURE' })
  const raw = Buffer.from(SIGSUM_COSIG_LINES[1]!.split(' ')[2]!.trim(), 'base64')
  raw.writeBigUInt64BE(1235n, 4)
  t.throws(() => openNote(`${SIGSUM_TEXT}\n— example.org/witness ${raw.toString('base64')}\n`, [v]), { code: 'NOTE_INVALID_SIGNATURE' })
})

t.test('cosignature key formats (transparency-dev/formats note_cosigv1_test.go)', async (t) => {
  const remora = newCosignatureVerifier('remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2')
  t.equal(remora.name, 'remora.n621.de')
  t.equal(remora.keyHash, 0xda77ade7)
  // A type-0x01 note key is not a cosignature key here (no silent conversion).
  t.throws(() => newCosignatureVerifier('TEST+7997405c+AQcC+FTVKf0jlTdHDY3rbevmnKxxPjigCXlVtGe6RIr6'), { code: 'NOTE_UNKNOWN_ALGORITHM' })
  t.throws(() => newCosignatureVerifier('bananas.sigstore.dev+12344556'), { code: 'NOTE_MALFORMED_KEY' })
  t.throws(() => newCosignatureVerifier('rekor.sigstore.dev+12345678+THIS_IS_NOT_BASE64!'), { code: 'NOTE_MALFORMED_KEY' })
  t.throws(() => newCosignatureVerifier('remora.n621.de+00000000+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2'), { code: 'NOTE_KEY_HASH_MISMATCH' })
  // CoSigV1Timestamp: base64(keyID || timestamp || sig).
  const sig = Buffer.from('ZGhGuQAAAABm/qTPeyKXD+R2rzyQsxPiP8mXum7qq/iF0u4vanlqJyocWODBt97w9uL+8qT7S5gxEHWWOworDcFiEBYJXORmnFBOBA==', 'base64')
  t.equal(cosignatureTimestamp(sig.subarray(4)), 1727964367)
  const plain = Buffer.from('eQjRQm6eSKzFoiYalgwCPXu2y3ijtg68is9M46JKxuZB+dRfTmeQeDBoXnvxZx2ugnkyV+MUMLXpWs1hPb/W/4xkNQY=', 'base64')
  t.throws(() => cosignatureTimestamp(plain.subarray(4)), { code: 'COSIG_BAD_TIMESTAMP' }, 'an Ed25519 note signature is not a cosignature')
  const huge = Buffer.alloc(72, 0xff)
  t.throws(() => cosignatureTimestamp(huge), { code: 'COSIG_BAD_TIMESTAMP' })
})

t.test('signed message layout', async (t) => {
  const text = 'example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n'
  // c2sp.org/tlog-cosignature, "Ed25519 signed message".
  t.equal(cosignedMessage(1679315147, text).toString(), `cosignature/v1\ntime 1679315147\n${text}`)
  t.equal(cosignedMessage(2n ** 63n - 1n, 'a\n').toString(), 'cosignature/v1\ntime 9223372036854775807\na\n')
})

function setup(names: string[], now = 1_700_000_000) {
  const logKeys = generateNoteKey('hotline-gateway.example/audit')
  const log = newNoteSigner(logKeys.signerKey)
  const witnesses = names.map((name) => {
    const k = generateCosignerKey(name)
    return { cosigner: newCosigner(k.signerKey, { now: () => now }), verifier: newCosignatureVerifier(k.verifierKey) }
  })
  const text = formatCheckpoint({ origin: 'hotline-gateway.example/audit', size: 7, hash: recordHash(Buffer.from('root')) })
  return { log, logVerifier: newNoteVerifier(logKeys.verifierKey), witnesses, text }
}

t.test('log signature plus witness cosignatures, k-of-n policy', async (t) => {
  const { log, logVerifier, witnesses, text } = setup(['w1.example', 'w2.example', 'w3.example'])
  const [w1, w2, w3] = witnesses as [(typeof witnesses)[0], (typeof witnesses)[0], (typeof witnesses)[0]]
  const verifiers = witnesses.map((w) => w.verifier)

  // The log signs; witnesses add cosignatures to the opened note one by one.
  let msg = signNote(text, [log])
  for (const w of [w1, w2]) msg = signNote(openNote(msg, [logVerifier]), [w.cosigner])
  t.equal(msg.split('\n— ').length - 1, 3, 'log signature + 2 cosignatures')

  const ok = verifyWitnessedCheckpoint(msg, { log: logVerifier, origin: 'hotline-gateway.example/audit', witnesses: verifiers, quorum: 2 })
  t.equal(ok.checkpoint.size, 7)
  t.same(
    ok.witnesses.map((w) => [w.name, w.timestamp]),
    [
      ['w1.example', 1_700_000_000],
      ['w2.example', 1_700_000_000],
    ],
  )
  t.throws(() => verifyWitnessedCheckpoint(msg, { log: logVerifier, witnesses: verifiers, quorum: 3 }), { code: 'COSIG_POLICY_UNSATISFIED' })
  t.equal(
    verifyWitnessedCheckpoint(msg, { log: logVerifier, witnesses: [w1.verifier, w1.verifier], quorum: 1 }).witnesses.length,
    1,
    'listed twice, counted once',
  )
  t.throws(() => verifyWitnessedCheckpoint(msg, { log: logVerifier, witnesses: [w1.verifier, w1.verifier], quorum: 2 }), {
    code: 'COSIG_POLICY_UNSATISFIED',
  })
  const twin = newCosignatureVerifier(`w1.example+${w1.verifier.keyHash.toString(16).padStart(8, '0')}+${w1.cosigner.verifierKey.slice(-44)}`)
  t.throws(
    () => verifyWitnessedCheckpoint(msg, { log: logVerifier, witnesses: [w1.verifier, twin], quorum: 1 }),
    { code: 'NOTE_AMBIGUOUS_KEY' },
    'two verifiers for one name+hash are ambiguous, as in Go',
  )
  t.throws(() => verifyWitnessedCheckpoint(msg, { log: logVerifier, witnesses: [w3.verifier], quorum: 1 }), { code: 'COSIG_POLICY_UNSATISFIED' })
  t.throws(() => verifyWitnessedCheckpoint(msg, { log: logVerifier, witnesses: verifiers, quorum: 4 }), { code: 'COSIG_BAD_POLICY' })
  t.throws(() => verifyWitnessedCheckpoint(msg, { log: logVerifier, witnesses: verifiers, quorum: 2, origin: 'other' }), {
    code: 'COSIG_WRONG_ORIGIN',
  })
  t.ok(verifyWitnessedCheckpoint(msg, { log: logVerifier, witnesses: [], quorum: 0 }), 'quorum 0: log signature only')

  // Without the log's signature, witnesses alone are not enough.
  const witnessOnly = signNote(text, [w1.cosigner, w2.cosigner])
  t.throws(() => verifyWitnessedCheckpoint(witnessOnly, { log: logVerifier, witnesses: verifiers, quorum: 2 }), {
    code: 'COSIG_MISSING_LOG_SIGNATURE',
  })
  const other = newNoteVerifier(generateNoteKey('hotline-gateway.example/audit').verifierKey)
  t.throws(() => verifyWitnessedCheckpoint(msg, { log: other, witnesses: verifiers, quorum: 1 }), { code: 'COSIG_MISSING_LOG_SIGNATURE' })

  // A forged cosignature by a known witness rejects the note (as Go's note.Open does).
  const lines = msg.split('\n')
  const i = lines.findIndex((l) => l.startsWith('— w2.example '))
  const raw = Buffer.from(lines[i]!.split(' ')[2]!, 'base64')
  raw[20]! ^= 1
  lines[i] = `— w2.example ${raw.toString('base64')}`
  t.throws(() => verifyWitnessedCheckpoint(lines.join('\n'), { log: logVerifier, witnesses: verifiers, quorum: 1 }), {
    code: 'NOTE_INVALID_SIGNATURE',
  })

  // Cosignatures from the future do not count when a clock is given.
  const late = setup(['late.example'], 2_000_000_000)
  const lateMsg = signNote(late.text, [late.log, late.witnesses[0]!.cosigner])
  const policy = { log: late.logVerifier, witnesses: [late.witnesses[0]!.verifier], quorum: 1 }
  t.ok(verifyWitnessedCheckpoint(lateMsg, policy))
  t.ok(verifyWitnessedCheckpoint(lateMsg, { ...policy, now: 1_999_999_990, maxFutureSeconds: 60 }), 'within skew')
  t.throws(() => verifyWitnessedCheckpoint(lateMsg, { ...policy, now: 1_900_000_000, maxFutureSeconds: 60 }), { code: 'COSIG_POLICY_UNSATISFIED' })
})

t.test('cosigner behaviour and key handling', async (t) => {
  const k = generateCosignerKey('witness.example/w1')
  t.match(k.verifierKey, /^witness\.example\/w1\+[0-9a-f]{8}\+B[A-Za-z0-9+/]{43}$/, 'type byte 0x04 encodes as a leading "B"')
  const c = newCosigner(k.signerKey, { now: () => 5 })
  t.equal(c.verifierKey, k.verifierKey)
  t.throws(() => c.sign(Buffer.from('not a checkpoint\n')), { code: 'COSIG_BAD_CHECKPOINT' })
  t.throws(() => newCosigner(k.signerKey, { now: () => -1 }).sign(Buffer.from('o\n1\n' + Buffer.alloc(32).toString('base64') + '\n')), {
    code: 'COSIG_BAD_TIMESTAMP',
  })
  const sig = c.sign(Buffer.from('o\n1\n' + Buffer.alloc(32).toString('base64') + '\n'))
  t.equal(sig.length, 72)
  t.equal(sig.readBigUInt64BE(0), 5n)
  t.ok(c.verifier.verify(Buffer.from('o\n1\n' + Buffer.alloc(32).toString('base64') + '\n'), sig))
  t.notOk(c.verifier.verify(Buffer.from('o\n2\n' + Buffer.alloc(32).toString('base64') + '\n'), sig))
  t.notOk(c.verifier.verify(Buffer.from('o\n1\n' + Buffer.alloc(32).toString('base64') + '\n'), sig.subarray(8)), 'missing timestamp')

  // An Ed25519 note key (0x01) can be reused for cosigning: same Ed25519 key, cosignature key hash.
  const noteKeys = signerKeyFromSeed('w.example', 0x01, Buffer.alloc(32, 3))
  const coKeys = signerKeyFromSeed('w.example', 0x04, Buffer.alloc(32, 3))
  const reused = newCosigner(noteKeys.signerKey, { now: () => 9 })
  t.equal(reused.verifierKey, coKeys.verifierKey)
  const text = formatCheckpoint({ origin: 'o', size: 1, hash: Buffer.alloc(32) })
  const signed = signNote(text, [reused])
  t.ok(openNote(signed, [newCosignatureVerifier(coKeys.verifierKey)]))
  t.throws(() => openNote(signed, [newNoteVerifier(noteKeys.verifierKey)]), { code: 'NOTE_UNVERIFIED' }, 'domain separated from 0x01 signatures')
  t.throws(() => newCosigner(noteKeys.signerKey.replace(/\+[0-9a-f]{8}\+/, '+00000000+')), { code: 'NOTE_KEY_HASH_MISMATCH' })
  t.throws(() => newCosigner('PRIVATE+KEY+w+00000000+AgAA'), { code: 'NOTE_UNKNOWN_ALGORITHM' }, 'type 0x02')
  t.throws(() => newCosigner('PRIVATE+KEY+w+00000000+BAAA'), { code: 'NOTE_MALFORMED_KEY' }, 'short seed')
  t.throws(() => generateCosignerKey('has space'), { code: 'NOTE_MALFORMED_KEY' })
  t.ok(new CosignatureError('COSIG_BAD_POLICY', 'x') instanceof Error)
})
