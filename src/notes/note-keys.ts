// Signed-note keys, types and errors (see note.ts, which re-exports all of this): key names
// and key hashes, parsing of the Go key strings, Ed25519 KeyObject helpers, and the
// standard Ed25519 (type 0x01) signer and verifier.

import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto'
import { chop, decodeBase64Std, encodeBase64Std, isWellFormedString } from '../tlog/encoding.ts'
import { GatewayError } from '../errors/gateway-error.ts'

export const ALG_ED25519 = 0x01
/** Go's Open rejects notes with more than this many signature lines. */
export const MAX_NOTE_SIGNATURES = 100

export type NoteErrorCode =
  | 'NOTE_MALFORMED' // "malformed note"
  | 'NOTE_UNVERIFIED' // "note has no verifiable signatures" (err.note holds the parsed note)
  | 'NOTE_INVALID_SIGNATURE' // "invalid signature for key <name>+<hash>"
  | 'NOTE_AMBIGUOUS_KEY' // "ambiguous key <name>+<hash>": two known verifiers share name and hash
  | 'NOTE_INVALID_SIGNER' // "invalid signer": a signer with an invalid name
  | 'NOTE_MALFORMED_KEY' // "malformed verifier id" (Go uses it for signer keys too)
  | 'NOTE_UNKNOWN_ALGORITHM' // "unknown verifier algorithm"
  | 'NOTE_KEY_HASH_MISMATCH' // "invalid verifier hash"

export class NoteError extends GatewayError<NoteErrorCode> {
  /** For NOTE_UNVERIFIED: the successfully parsed note (all signatures unverified). */
  readonly note?: Note
  /** For NOTE_INVALID_SIGNATURE / NOTE_AMBIGUOUS_KEY: the key concerned. */
  readonly keyName?: string
  readonly keyHash?: number
  constructor(code: NoteErrorCode, message: string, extra: { note?: Note; keyName?: string; keyHash?: number } = {}) {
    super(code, message)
    Object.assign(this, extra)
  }
}

export interface NoteVerifier {
  readonly name: string
  readonly keyHash: number
  /** Reports whether sig (the bytes after the 4-byte key hash) is a valid signature of msg. */
  verify(msg: Buffer, sig: Buffer): boolean
}

export interface NoteSigner {
  readonly name: string
  readonly keyHash: number
  /** Signature of msg (without the 4-byte key hash). */
  sign(msg: Buffer): Buffer
}

export interface NoteSignature {
  name: string
  hash: number
  /** Signature bytes after the 4-byte key hash. */
  sig: Buffer
  /** base64(hash || sig), as it appears on the signature line. */
  base64: string
}

export interface Note {
  text: string
  sigs: NoteSignature[]
  unverifiedSigs: NoteSignature[]
}

const SPKI_ED25519 = Buffer.from('302a300506032b6570032100', 'hex')
const PKCS8_ED25519 = Buffer.from('302e020100300506032b657004220420', 'hex')
const WHITE_SPACE = /\p{White_Space}/u // Go's unicode.IsSpace is the White_Space property

/** Key names: non-empty, well-formed, no Unicode space, no '+'. */
export function isValidKeyName(name: string): boolean {
  return typeof name === 'string' && name !== '' && isWellFormedString(name) && !WHITE_SPACE.test(name) && !name.includes('+')
}

/** First 4 bytes, big-endian, of SHA-256(name || "\n" || key), where key starts with the type byte. */
export function keyHash(name: string, typedKey: Uint8Array): number {
  return createHash('sha256').update(name, 'utf8').update('\n').update(typedKey).digest().readUInt32BE(0)
}

export function formatKeyHash(h: number): string {
  return h.toString(16).padStart(8, '0')
}

export interface ParsedKey {
  name: string
  hash: number
  /** Key material including the leading signature type byte. */
  key: Buffer
}

/** Splits "<name>+<hash>+<base64>" as Go's NewVerifier does (hash not yet checked). */
export function parseVerifierKeyString(vkey: string): ParsedKey {
  const [name, rest] = chop(vkey, '+')
  const [hash16, key64] = chop(rest, '+')
  const key = decodeBase64Std(key64)
  if (!/^[0-9a-fA-F]{8}$/.test(hash16) || !key || !isValidKeyName(name) || key.length === 0) {
    throw new NoteError('NOTE_MALFORMED_KEY', 'malformed verifier id')
  }
  return { name, hash: parseInt(hash16, 16), key }
}

/** Splits "PRIVATE+KEY+<name>+<hash>+<base64>" as Go's NewSigner does. */
export function parseSignerKeyString(skey: string): ParsedKey {
  const [priv1, r1] = chop(skey, '+')
  const [priv2, r2] = chop(r1, '+')
  if (priv1 !== 'PRIVATE' || priv2 !== 'KEY') throw new NoteError('NOTE_MALFORMED_KEY', 'malformed verifier id')
  return parseVerifierKeyString(r2)
}

export function ed25519PublicKey(raw: Uint8Array): KeyObject {
  return createPublicKey({ key: Buffer.concat([SPKI_ED25519, raw]), format: 'der', type: 'spki' })
}

export function ed25519PrivateKey(seed: Uint8Array): KeyObject {
  return createPrivateKey({ key: Buffer.concat([PKCS8_ED25519, seed]), format: 'der', type: 'pkcs8' })
}

export function ed25519RawPublicKey(k: KeyObject): Buffer {
  return k.export({ format: 'der', type: 'spki' }).subarray(SPKI_ED25519.length)
}

export function ed25519Seed(k: KeyObject): Buffer {
  return k.export({ format: 'der', type: 'pkcs8' }).subarray(PKCS8_ED25519.length)
}

export function ed25519Verify(pub: KeyObject, msg: Buffer, sig: Buffer): boolean {
  return sig.length === 64 && verify(null, msg, pub, sig)
}

/** Parses a verifier key once (type 0x01 Ed25519). */
export function newNoteVerifier(vkey: string): NoteVerifier {
  const { name, hash, key } = parseVerifierKeyString(vkey)
  if (hash !== keyHash(name, key)) throw new NoteError('NOTE_KEY_HASH_MISMATCH', 'invalid verifier hash')
  if (key[0] !== ALG_ED25519) throw new NoteError('NOTE_UNKNOWN_ALGORITHM', 'unknown verifier algorithm')
  if (key.length !== 33) throw new NoteError('NOTE_MALFORMED_KEY', 'malformed verifier id')
  const pub = ed25519PublicKey(key.subarray(1))
  return { name, keyHash: hash, verify: (msg, sig) => ed25519Verify(pub, msg, sig) }
}

/** Parses a signer key once (type 0x01 Ed25519); the hash is checked against the derived public key. */
export function newNoteSigner(skey: string): NoteSigner {
  const { name, hash, key } = parseSignerKeyString(skey)
  if (key[0] !== ALG_ED25519) throw new NoteError('NOTE_UNKNOWN_ALGORITHM', 'unknown verifier algorithm')
  if (key.length !== 33) throw new NoteError('NOTE_MALFORMED_KEY', 'malformed verifier id')
  const priv = ed25519PrivateKey(key.subarray(1))
  const pub = Buffer.concat([Buffer.from([ALG_ED25519]), ed25519RawPublicKey(createPublicKey(priv))])
  if (hash !== keyHash(name, pub)) throw new NoteError('NOTE_KEY_HASH_MISMATCH', 'invalid verifier hash')
  return { name, keyHash: hash, sign: (msg) => sign(null, msg, priv) }
}

/** Encodes a verifier key for a raw 32-byte Ed25519 public key. */
export function newEd25519VerifierKey(name: string, publicKey: Uint8Array): string {
  if (!isValidKeyName(name)) throw new NoteError('NOTE_MALFORMED_KEY', 'malformed verifier id')
  if (publicKey.length !== 32) throw new NoteError('NOTE_MALFORMED_KEY', `invalid public key size ${publicKey.length}, expected 32`)
  const typed = Buffer.concat([Buffer.from([ALG_ED25519]), publicKey])
  return `${name}+${formatKeyHash(keyHash(name, typed))}+${encodeBase64Std(typed)}`
}

/** Generates a fresh Ed25519 signer/verifier key pair for `name`. The signer key is secret. */
export function generateNoteKey(name: string): { signerKey: string; verifierKey: string } {
  if (!isValidKeyName(name)) throw new NoteError('NOTE_MALFORMED_KEY', 'malformed verifier id')
  const { publicKey, privateKey } = generateKeyPairSync('ed25519')
  const pub = Buffer.concat([Buffer.from([ALG_ED25519]), ed25519RawPublicKey(publicKey)])
  const priv = Buffer.concat([Buffer.from([ALG_ED25519]), ed25519Seed(privateKey)])
  const h = formatKeyHash(keyHash(name, pub))
  return { signerKey: `PRIVATE+KEY+${name}+${h}+${encodeBase64Std(priv)}`, verifierKey: `${name}+${h}+${encodeBase64Std(pub)}` }
}
