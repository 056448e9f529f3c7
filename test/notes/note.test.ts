// Signed-note tests. Vectors from golang/mod sumdb/note/note_test.go and the package
// documentation in sumdb/note/note.go (the "PeterNeumann" and "EnochRoot" keys).
import t from 'tap'
import {
  generateNoteKey,
  keyHash,
  newEd25519VerifierKey,
  newNoteSigner,
  newNoteVerifier,
  NoteError,
  openNote,
  signNote,
  type NoteSignature,
  type NoteSigner,
} from '../../src/notes/note.ts'

const PETER_SKEY = 'PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz'
const PETER_VKEY = 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW'
const ENOCH_VKEY = 'EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop'
const TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n"
const PETER_B64 = 'x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM='
const ENOCH_B64 = 'rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ='
const PETER_SIG = `— PeterNeumann ${PETER_B64}\n`
const ENOCH_SIG = `— EnochRoot ${ENOCH_B64}\n`

const sigOf = (s: NoteSignature) => ({ name: s.name, hash: s.hash, base64: s.base64 })
const PETER = { name: 'PeterNeumann', hash: 0xc74f20a3, base64: PETER_B64 }
const ENOCH = { name: 'EnochRoot', hash: 0xaf0cfe78, base64: ENOCH_B64 }

/** Inserts `ins` at byte offset `at` (Go slices bytes; the em dash is 3 bytes). */
function spliceBytes(s: string, at: number, ins: string): string {
  const b = Buffer.from(s)
  return Buffer.concat([b.subarray(0, at), Buffer.from(ins), b.subarray(at)]).toString()
}

t.test('verifier and signer keys parse; every mangling is rejected', async (t) => {
  const v = newNoteVerifier(PETER_VKEY)
  t.equal(v.name, 'PeterNeumann')
  t.equal(v.keyHash, 0xc74f20a3)
  const s = newNoteSigner(PETER_SKEY)
  t.equal(s.name, 'PeterNeumann')
  t.equal(s.keyHash, 0xc74f20a3)

  for (const [key, parse] of [
    [PETER_VKEY, newNoteVerifier],
    [PETER_SKEY, newNoteSigner],
  ] as const) {
    let accepted = 0
    let tried = 0
    // Every proper substring (TestNewVerifier / TestNewSigner).
    for (let i = 0; i <= key.length; i++) {
      for (let j = i + 1; j <= key.length; j++) {
        if (i === 0 && j === key.length) continue
        tried++
        try {
          parse(key.slice(i, j))
          accepted++
        } catch (e) {
          if (!(e instanceof NoteError)) throw e
        }
      }
    }
    // Every single character incremented.
    for (let i = 0; i < key.length; i++) {
      tried++
      const k = key.slice(0, i) + String.fromCharCode(key.charCodeAt(i) + 1) + key.slice(i + 1)
      try {
        parse(k)
        accepted++
      } catch (e) {
        if (!(e instanceof NoteError)) throw e
      }
    }
    t.equal(accepted, 0, `${tried} manglings of ${key.slice(0, 20)}... all rejected`)
  }
  // Wrong length key, with adjusted key hash; unknown algorithm, with adjusted key hash.
  t.throws(() => newNoteVerifier('PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY=='), { code: 'NOTE_MALFORMED_KEY' })
  t.throws(() => newNoteVerifier('PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW'), { code: 'NOTE_UNKNOWN_ALGORITHM' })
  t.throws(() => newNoteVerifier('PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW'), {
    code: 'NOTE_KEY_HASH_MISMATCH',
    message: 'invalid verifier hash',
  })
  t.throws(() => newNoteVerifier('Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW'), { message: 'malformed verifier id' })
  t.throws(() => newNoteSigner(PETER_SKEY.replace('PRIVATE', 'PUBLIC')), { code: 'NOTE_MALFORMED_KEY' })
  t.throws(() => newNoteSigner(PETER_SKEY.replace('c74f20a3', 'c74f20a4')), { code: 'NOTE_KEY_HASH_MISMATCH' })
  t.throws(() => newNoteSigner(PETER_VKEY), { code: 'NOTE_MALFORMED_KEY' }, 'a verifier key is not a signer key')
})

t.test("signNote reproduces Go's signature bytes", async (t) => {
  const signer = newNoteSigner(PETER_SKEY)
  const want = `${TEXT}\n${PETER_SIG}`
  t.equal(signNote(TEXT, [signer]), want, 'same bytes as note.Sign (Ed25519 is deterministic)')
  // An existing signature by the same key is replaced.
  t.equal(signNote({ text: TEXT, sigs: [{ name: 'PeterNeumann', hash: 0xc74f20a3, sig: Buffer.alloc(0), base64: 'BADSIGN=' }] }, [signer]), want)
  // Existing signatures by other keys are kept, before the new ones.
  const both = signNote({ text: TEXT, sigs: [{ ...ENOCH, sig: Buffer.alloc(0) }] }, [signer])
  t.equal(both, `${TEXT}\n${ENOCH_SIG}${PETER_SIG}`)

  t.throws(() => signNote('abc', [signer]), { code: 'NOTE_MALFORMED', message: 'malformed note' }, 'text must end in newline')
  t.throws(() => signNote({ text: TEXT, sigs: [{ name: 'a+b', hash: 0, sig: Buffer.alloc(0), base64: 'ABCD' }] }, []), { code: 'NOTE_MALFORMED' })
  t.throws(() => signNote({ text: TEXT, sigs: [{ name: 'PeterNeumann', hash: 0xc74f20a3, sig: Buffer.alloc(0), base64: 'BADHASH=' }] }, []), {
    code: 'NOTE_MALFORMED',
  })
  const badName: NoteSigner = { name: 'bad name', keyHash: signer.keyHash, sign: (m) => signer.sign(m) }
  t.throws(() => signNote(TEXT, [badName]), { code: 'NOTE_INVALID_SIGNER', message: 'invalid signer' })
  const surprise = new Error('surprise!')
  const failing: NoteSigner = {
    name: 'x',
    keyHash: 1,
    sign: () => {
      throw surprise
    },
  }
  t.throws(() => signNote(TEXT, [failing]), surprise, "a signer's error propagates")
  t.throws(() => signNote('a\u0001b\n', [signer]), { code: 'NOTE_MALFORMED' }, 'control characters are refused (stricter than Go)')
  t.throws(() => signNote('a\ud800\n', [signer]), { code: 'NOTE_MALFORMED' }, 'lone surrogate refused')
})

t.test("openNote accepts Go's notes and rejects what Go rejects", async (t) => {
  const peter = newNoteVerifier(PETER_VKEY)
  const enoch = newNoteVerifier(ENOCH_VKEY)
  const msg = `${TEXT}\n${PETER_SIG}${ENOCH_SIG}`

  let n = openNote(msg, [peter])
  t.equal(n.text, TEXT)
  t.same(n.sigs.map(sigOf), [PETER], 'one verified')
  t.same(n.unverifiedSigs.map(sigOf), [ENOCH], 'one unverified')
  t.equal(n.sigs[0]!.sig.length, 64, 'raw signature bytes exposed')

  n = openNote(Buffer.from(msg), [peter, enoch])
  t.same(n.sigs.map(sigOf), [PETER, ENOCH], 'both verified (Buffer input)')
  t.same(n.unverifiedSigs, [])

  const err = t.throws(() => openNote(msg, []), { code: 'NOTE_UNVERIFIED', message: 'note has no verifiable signatures' }) as unknown as NoteError
  t.same(err.note?.sigs, [])
  t.same(err.note?.unverifiedSigs.map(sigOf), [PETER, ENOCH], 'the unverified note is inside the error')

  t.throws(() => openNote(`${TEXT}\n${ENOCH_SIG}`, [enoch, peter, enoch]), {
    code: 'NOTE_AMBIGUOUS_KEY',
    message: 'ambiguous key EnochRoot+af0cfe78',
  })
  t.ok(openNote(`${TEXT}\n${PETER_SIG}`, [enoch, peter, enoch]), 'unused duplicated verifier is fine')

  t.throws(() => openNote(`${TEXT}\n${PETER_SIG.repeat(101)}`, [peter]), { code: 'NOTE_MALFORMED' }, 'too many signatures')
  t.throws(() => openNote(`${TEXT}\n${PETER_SIG.repeat(101)}`, []), { code: 'NOTE_MALFORMED' })
  t.ok(openNote(`${TEXT}\n${PETER_SIG.repeat(100)}`, [peter]), '100 signature lines are accepted')

  t.throws(() => openNote(`${TEXT}\n${spliceBytes(PETER_SIG, 60, 'ABCD')}`, [peter]), {
    code: 'NOTE_INVALID_SIGNATURE',
    message: 'invalid signature for key PeterNeumann+c74f20a3',
    keyName: 'PeterNeumann',
    keyHash: 0xc74f20a3,
  })

  // Duplicated verified and unverified signatures are dropped.
  const enochABCD = {
    name: 'EnochRoot',
    hash: 0xaf0cfe78,
    base64: 'rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5nABCD2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=',
  }
  n = openNote(`${TEXT}\n${PETER_SIG}${PETER_SIG}${ENOCH_SIG}${ENOCH_SIG}${spliceBytes(ENOCH_SIG, 60, 'ABCD')}`, [peter])
  t.same(n.sigs.map(sigOf), [PETER])
  t.same(n.unverifiedSigs.map(sigOf), [ENOCH, enochABCD])

  const badMsgs = [
    TEXT,
    `${TEXT}\n`,
    `${TEXT}\n${PETER_SIG.slice(0, -1)}`,
    `\u0001${TEXT}\n${PETER_SIG}`,
    Buffer.concat([Buffer.from([0xff]), Buffer.from(`${TEXT}\n${PETER_SIG}`)]),
    `${TEXT}\n— Bad Name ${PETER_B64}`,
    `${TEXT}\n${PETER_SIG}Unexpected line.\n`,
    // and a few more
    `${TEXT}\n— PeterNeumann\n`,
    `${TEXT}\n— PeterNeumann \n`,
    `${TEXT}\n— PeterNeumann AAAA\n`, // fewer than 5 bytes
    `${TEXT}\n— PeterNeumann ${PETER_B64.replace('=', '')}\n`, // unpadded base64
    `${TEXT}\n— PeterNeumann ${PETER_B64.replace(/\//g, '_')}\n`, // URL alphabet
    `${TEXT}\n- PeterNeumann ${PETER_B64}\n`, // hyphen, not em dash
    `${TEXT}\n—PeterNeumann ${PETER_B64}\n`,
    `${TEXT}\n— Peter+Neumann ${PETER_B64}\n`,
    `${TEXT}\r\n${PETER_SIG}`,
    `${TEXT}\n${PETER_SIG}\n`,
    `a\ud800\n\n${PETER_SIG}`,
  ]
  for (const m of badMsgs) t.throws(() => openNote(m, [peter]), { code: 'NOTE_MALFORMED', message: 'malformed note' }, JSON.stringify(m.toString()))

  // Signatures whose name or hash differ from a known key are merely unverified.
  t.throws(() => openNote(`${TEXT}\n${PETER_SIG.replace('PeterNeumann', 'CarmenSandiego')}`, [peter]), { code: 'NOTE_UNVERIFIED' })
  t.throws(() => openNote(`${TEXT}\n${PETER_SIG.replace('x08g', 'xxxx')}`, [peter]), { code: 'NOTE_UNVERIFIED' })
  // Text with blank lines: split at the last blank line.
  const text2 = 'para one\n\npara two\n'
  const signed = signNote(text2, [newNoteSigner(PETER_SKEY)])
  t.equal(openNote(signed, [peter]).text, text2)
  // A note signed over different text does not verify.
  t.throws(() => openNote(signed.replace('two', 'TWO'), [peter]), { code: 'NOTE_INVALID_SIGNATURE' })
})

t.test('generated keys round-trip', async (t) => {
  const { signerKey, verifierKey } = generateNoteKey('hotline-gateway.example/audit')
  t.match(signerKey, /^PRIVATE\+KEY\+hotline-gateway\.example\/audit\+[0-9a-f]{8}\+A[A-Za-z0-9+/]{43}$/)
  t.match(verifierKey, /^hotline-gateway\.example\/audit\+[0-9a-f]{8}\+A[A-Za-z0-9+/]{43}$/)
  const s = newNoteSigner(signerKey)
  const v = newNoteVerifier(verifierKey)
  t.equal(s.keyHash, v.keyHash)
  const msg = Buffer.from('hi')
  const sig = s.sign(msg)
  t.ok(v.verify(msg, sig))
  sig[0]! ^= 1
  t.notOk(v.verify(msg, sig), 'corrupt signature')
  sig[0]! ^= 1
  t.notOk(v.verify(Buffer.from('hj'), sig), 'corrupt message')
  t.notOk(v.verify(msg, sig.subarray(0, 63)), 'short signature')
  t.ok(openNote(signNote('hello\n', [s]), [v]))

  const raw = Buffer.from(verifierKey.slice(-44), 'base64').subarray(1) // base64(0x01 || key) is the last 44 chars
  t.equal(newEd25519VerifierKey('hotline-gateway.example/audit', raw), verifierKey)
  t.throws(() => newEd25519VerifierKey('x', raw.subarray(1)), { code: 'NOTE_MALFORMED_KEY' })
  t.throws(() => generateNoteKey('bad name'), { code: 'NOTE_MALFORMED_KEY' })
  t.throws(() => generateNoteKey('a+b'), { code: 'NOTE_MALFORMED_KEY' })
  t.throws(() => generateNoteKey(''), { code: 'NOTE_MALFORMED_KEY' })
  t.throws(() => generateNoteKey('nbsp\u00a0name'), { code: 'NOTE_MALFORMED_KEY' }, 'Unicode space')
  t.throws(() => generateNoteKey('ideographic\u3000space'), { code: 'NOTE_MALFORMED_KEY' })
  t.equal(keyHash('PeterNeumann', Buffer.from('ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW', 'base64')), 0xc74f20a3)
})
