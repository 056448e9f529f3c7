// C2SP signed notes (https://c2sp.org/signed-note): a port of Go's
// golang.org/x/mod/sumdb/note with Ed25519 keys (signature type 0x01). Errors are thrown
// where Go returns them, with Go's messages; `code` tells them apart.
//
//   verifier key  <name>+<hash 8 hex>+base64(0x01 || 32-byte public key)
//   signer key    PRIVATE+KEY+<name>+<hash>+base64(0x01 || 32-byte seed)
//   key hash      first 4 bytes, big-endian, of SHA-256(name || "\n" || 0x01 || public key)
//   signed note   text (ending in "\n"), a blank line, then lines "— <name> base64(hash || sig)\n"
//
// Keys are parsed once into node:crypto KeyObjects; signing and verifying never re-parse.
// Keys, types and errors live in note-keys.ts and are re-exported from here.

import { asBuffer, chop, decodeBase64Std, encodeBase64Std, isNoteBytes, isNoteString, isWellFormedString } from '../tlog/encoding.ts'
import {
  formatKeyHash,
  isValidKeyName,
  MAX_NOTE_SIGNATURES,
  NoteError,
  type Note,
  type NoteSignature,
  type NoteSigner,
  type NoteVerifier,
} from './note-keys.ts'

export * from './note-keys.ts'

const SIG_PREFIX = Buffer.from('— ', 'utf8')

const nameHashKey = (name: string, hash: number): string => `${name}+${formatKeyHash(hash)}`

/**
 * Parses a signed note and verifies the signatures by known keys (Go's note.Open).
 * Signatures by unknown keys are returned as unverifiedSigs; a known key whose signature
 * fails throws NOTE_INVALID_SIGNATURE; a note with no verified signature throws
 * NOTE_UNVERIFIED; duplicate signatures are dropped.
 */
export function openNote(msg: string | Uint8Array, verifiers: readonly NoteVerifier[]): Note {
  const malformed = () => new NoteError('NOTE_MALFORMED', 'malformed note')
  if (typeof msg === 'string' && !isWellFormedString(msg)) throw malformed()
  const b = typeof msg === 'string' ? Buffer.from(msg, 'utf8') : asBuffer(msg)
  // Valid UTF-8, no control characters other than newline.
  if (!isNoteBytes(b)) throw malformed()
  // Must end with a signature block preceded by a blank line.
  const split = b.lastIndexOf('\n\n')
  if (split < 0) throw malformed()
  const text = b.subarray(0, split + 1)
  let sigs = b.subarray(split + 2)
  if (sigs.length === 0 || sigs[sigs.length - 1] !== 0x0a) throw malformed()

  const known = new Map<string, NoteVerifier[]>()
  for (const v of verifiers) {
    const k = nameHashKey(v.name, v.keyHash)
    known.set(k, [...(known.get(k) ?? []), v])
  }

  const note: Note = { text: text.toString('utf8'), sigs: [], unverifiedSigs: [] }
  const seen = new Set<string>()
  const seenUnverified = new Set<string>()
  let numSig = 0
  while (sigs.length > 0) {
    const i = sigs.indexOf(0x0a)
    let line = sigs.subarray(0, i)
    sigs = sigs.subarray(i + 1)
    if (!line.subarray(0, SIG_PREFIX.length).equals(SIG_PREFIX)) throw malformed()
    line = line.subarray(SIG_PREFIX.length)
    const lineStr = line.toString('utf8')
    const [name, b64] = chop(lineStr, ' ')
    const raw = decodeBase64Std(b64)
    if (!raw || !isValidKeyName(name) || b64 === '' || raw.length < 5) throw malformed()
    const hash = raw.readUInt32BE(0)
    const sig: NoteSignature = { name, hash, sig: raw.subarray(4), base64: b64 }
    if (++numSig > MAX_NOTE_SIGNATURES) throw malformed() // avoid parsing forever

    const k = nameHashKey(name, hash)
    const vs = known.get(k)
    if (!vs) {
      if (seenUnverified.has(lineStr)) continue // repeated identical unverified signature
      seenUnverified.add(lineStr)
      note.unverifiedSigs.push(sig)
      continue
    }
    if (vs.length > 1) throw new NoteError('NOTE_AMBIGUOUS_KEY', `ambiguous key ${k}`, { keyName: name, keyHash: hash })
    if (seen.has(k)) continue // repeated signature by one key
    seen.add(k)
    if (!vs[0]!.verify(text, sig.sig)) {
      throw new NoteError('NOTE_INVALID_SIGNATURE', `invalid signature for key ${k}`, { keyName: name, keyHash: hash })
    }
    note.sigs.push(sig)
  }
  if (note.sigs.length === 0) throw new NoteError('NOTE_UNVERIFIED', 'note has no verifiable signatures', { note })
  return note
}

/**
 * Signs a note (Go's note.Sign). `note` is the text, or a Note whose existing signatures
 * are kept (those by one of `signers`' keys are replaced); new signatures come last.
 * The text must end in "\n" and, unlike Go, must itself be valid note text (no control
 * characters but newline, well-formed), so that the result can always be opened.
 */
export function signNote(note: string | (Pick<Note, 'text'> & Partial<Note>), signers: readonly NoteSigner[]): string {
  const n = typeof note === 'string' ? { text: note } : note
  const text = n.text
  if (typeof text !== 'string' || !text.endsWith('\n') || !isNoteString(text)) throw new NoteError('NOTE_MALFORMED', 'malformed note')
  const textBytes = Buffer.from(text, 'utf8')
  const have = new Set<string>()
  let newSigs = ''
  for (const s of signers) {
    have.add(nameHashKey(s.name, s.keyHash))
    if (!isValidKeyName(s.name)) throw new NoteError('NOTE_INVALID_SIGNER', 'invalid signer')
    const sig = s.sign(textBytes)
    const hbuf = Buffer.alloc(4)
    hbuf.writeUInt32BE(s.keyHash >>> 0)
    newSigs += `— ${s.name} ${encodeBase64Std(Buffer.concat([hbuf, sig]))}\n`
  }
  let out = text + '\n'
  // Existing signatures not replaced by new ones.
  for (const sig of [...(n.sigs ?? []), ...(n.unverifiedSigs ?? [])]) {
    if (!isValidKeyName(sig.name)) throw new NoteError('NOTE_MALFORMED', 'malformed note')
    if (have.has(nameHashKey(sig.name, sig.hash))) continue
    const raw = decodeBase64Std(sig.base64)
    if (!raw || raw.length < 4 || raw.readUInt32BE(0) !== sig.hash) throw new NoteError('NOTE_MALFORMED', 'malformed note')
    out += `— ${sig.name} ${sig.base64}\n`
  }
  return out + newSigs
}
