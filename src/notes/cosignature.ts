// C2SP tlog-cosignature (https://c2sp.org/tlog-cosignature), Ed25519 "cosignature/v1":
// witness cosignatures on checkpoints, as signed-note signers/verifiers of type 0x04.
//
//   key hash        SHA-256(name || "\n" || 0x04 || 32-byte Ed25519 public key)[:4]
//   verifier key    <name>+<hash>+base64(0x04 || public key)
//   signed message  "cosignature/v1\ntime <unix seconds>\n" || checkpoint note text
//   signature       8-byte big-endian timestamp || 64-byte Ed25519 signature
//
// newCosigner / newCosignatureVerifier plug into signNote / openNote, so a checkpoint can carry
// the log's own Ed25519 signature plus witness cosignatures; verifyWitnessedCheckpoint checks
// a "log signature + at least k of these witnesses" policy.

import { createPublicKey, generateKeyPairSync, sign } from 'node:crypto'
import { encodeBase64Std } from '../tlog/encoding.ts'
import {
  ALG_ED25519,
  ed25519PrivateKey,
  ed25519PublicKey,
  ed25519RawPublicKey,
  ed25519Seed,
  ed25519Verify,
  formatKeyHash,
  isValidKeyName,
  keyHash,
  NoteError,
  openNote,
  parseSignerKeyString,
  parseVerifierKeyString,
  type Note,
  type NoteSigner,
  type NoteVerifier,
} from './note.ts'
import { parseCheckpoint, type Checkpoint } from './checkpoint.ts'
import { GatewayError } from '../errors/gateway-error.ts'

const ALG_COSIGNATURE_V1 = 0x04
const MAX_TIMESTAMP = 2n ** 63n - 1n

export type CosignatureErrorCode =
  | 'COSIG_BAD_CHECKPOINT' // asked to cosign text that is not a checkpoint
  | 'COSIG_BAD_TIMESTAMP' // clock value that is not a non-negative safe integer
  | 'COSIG_BAD_POLICY' // a policy that can never be met (quorum above the witness count...)
  | 'COSIG_MISSING_LOG_SIGNATURE' // no valid signature by the log's key
  | 'COSIG_WRONG_ORIGIN' // checkpoint origin differs from the policy's
  | 'COSIG_POLICY_UNSATISFIED' // fewer than `quorum` valid witness cosignatures

export class CosignatureError extends GatewayError<CosignatureErrorCode> {
  constructor(code: CosignatureErrorCode, message: string) {
    super(code, `cosignature: ${message}`)
  }
}

/** A NoteVerifier for cosignature/v1 signatures. */
export interface CosignatureVerifier extends NoteVerifier {
  readonly type: 'cosignature/v1'
}

export interface Cosigner extends NoteSigner {
  readonly verifierKey: string
  readonly verifier: CosignatureVerifier
}

/** The bytes an Ed25519 cosignature/v1 signs. */
export function cosignedMessage(timestamp: number | bigint, text: Uint8Array | string): Buffer {
  return Buffer.concat([Buffer.from(`cosignature/v1\ntime ${BigInt(timestamp)}\n`), Buffer.from(text)])
}

/** The timestamp of a cosignature/v1 signature (the bytes after the key hash), in unix seconds. */
export function cosignatureTimestamp(sig: Uint8Array): number {
  if (sig.length !== 8 + 64) throw new CosignatureError('COSIG_BAD_TIMESTAMP', 'not a cosignature/v1 signature')
  const t = Buffer.from(sig.buffer, sig.byteOffset, 8).readBigUInt64BE(0)
  if (t > BigInt(Number.MAX_SAFE_INTEGER)) throw new CosignatureError('COSIG_BAD_TIMESTAMP', `timestamp ${t} out of range`)
  return Number(t)
}

function makeVerifier(name: string, rawPub: Buffer): CosignatureVerifier {
  const pub = ed25519PublicKey(rawPub)
  const typed = Buffer.concat([Buffer.from([ALG_COSIGNATURE_V1]), rawPub])
  return {
    type: 'cosignature/v1',
    name,
    keyHash: keyHash(name, typed),
    verify(msg: Buffer, sig: Buffer): boolean {
      if (sig.length !== 8 + 64) return false
      const t = sig.readBigUInt64BE(0)
      return t <= MAX_TIMESTAMP && ed25519Verify(pub, cosignedMessage(t, msg), sig.subarray(8))
    },
  }
}

/** Parses a cosignature/v1 verifier key (signature type 0x04), once. */
export function newCosignatureVerifier(vkey: string): CosignatureVerifier {
  const { name, hash, key } = parseVerifierKeyString(vkey)
  if (hash !== keyHash(name, key)) throw new NoteError('NOTE_KEY_HASH_MISMATCH', 'invalid verifier hash')
  if (key[0] !== ALG_COSIGNATURE_V1) throw new NoteError('NOTE_UNKNOWN_ALGORITHM', 'unknown verifier algorithm')
  if (key.length !== 33) throw new NoteError('NOTE_MALFORMED_KEY', 'malformed verifier id')
  return makeVerifier(name, key.subarray(1))
}

/**
 * A cosigner from a signer key of type 0x04 (generateCosignerKey) or an Ed25519 note key of
 * type 0x01 reused for cosigning (its key hash is then the 0x04 one). `now` returns unix
 * seconds (injectable for tests). sign() refuses text that is not a checkpoint.
 */
export function newCosigner(signerKey: string, opts: { now?: () => number } = {}): Cosigner {
  const { name, hash, key } = parseSignerKeyString(signerKey)
  if (key[0] !== ALG_COSIGNATURE_V1 && key[0] !== ALG_ED25519) throw new NoteError('NOTE_UNKNOWN_ALGORITHM', 'unknown verifier algorithm')
  if (key.length !== 33) throw new NoteError('NOTE_MALFORMED_KEY', 'malformed verifier id')
  const priv = ed25519PrivateKey(key.subarray(1))
  const rawPub = ed25519RawPublicKey(createPublicKey(priv))
  if (hash !== keyHash(name, Buffer.concat([key.subarray(0, 1), rawPub]))) throw new NoteError('NOTE_KEY_HASH_MISMATCH', 'invalid verifier hash')
  const verifier = makeVerifier(name, rawPub)
  const now = opts.now ?? (() => Math.floor(Date.now() / 1000))
  return {
    name,
    keyHash: verifier.keyHash,
    verifier,
    verifierKey: `${name}+${formatKeyHash(verifier.keyHash)}+${encodeBase64Std(Buffer.concat([Buffer.from([ALG_COSIGNATURE_V1]), rawPub]))}`,
    sign(msg: Buffer): Buffer {
      try {
        parseCheckpoint(msg.toString('utf8'))
      } catch {
        throw new CosignatureError('COSIG_BAD_CHECKPOINT', 'only checkpoints can be cosigned')
      }
      const t = now()
      if (!Number.isSafeInteger(t) || t < 0) throw new CosignatureError('COSIG_BAD_TIMESTAMP', `invalid clock value ${t}`)
      const ts = Buffer.alloc(8)
      ts.writeBigUInt64BE(BigInt(t))
      return Buffer.concat([ts, sign(null, cosignedMessage(t, msg), priv)])
    },
  }
}

/** Generates a cosignature/v1 key pair (type 0x04) for a witness named `name`. */
export function generateCosignerKey(name: string): { signerKey: string; verifierKey: string } {
  if (!isValidKeyName(name)) throw new NoteError('NOTE_MALFORMED_KEY', 'malformed verifier id')
  const { publicKey, privateKey } = generateKeyPairSync('ed25519')
  const alg = Buffer.from([ALG_COSIGNATURE_V1])
  const pub = Buffer.concat([alg, ed25519RawPublicKey(publicKey)])
  const h = formatKeyHash(keyHash(name, pub))
  return {
    signerKey: `PRIVATE+KEY+${name}+${h}+${encodeBase64Std(Buffer.concat([alg, ed25519Seed(privateKey)]))}`,
    verifierKey: `${name}+${h}+${encodeBase64Std(pub)}`,
  }
}

export interface WitnessPolicy {
  /** The log's own signature key (required), or several (across a key rotation): one valid signature suffices. */
  log: NoteVerifier | readonly NoteVerifier[]
  /** Expected checkpoint origin; usually the log key's name. */
  origin?: string
  /** Trusted witnesses; each counts once. */
  witnesses: readonly NoteVerifier[]
  /** Minimum number of distinct witnesses with a valid cosignature. */
  quorum: number
  /** Cosignatures timestamped more than maxFutureSeconds after `now` (unix seconds) do not count. */
  now?: number
  maxFutureSeconds?: number
}

export interface WitnessedCheckpoint {
  checkpoint: Checkpoint & { extensions: string[] }
  note: Note
  /** The log key whose signature verified. */
  log: { name: string; keyHash: number }
  /** Witnesses whose cosignature counted, in note order. */
  witnesses: { name: string; keyHash: number; timestamp?: number }[]
}

/**
 * Opens a signed checkpoint and checks the policy: a valid log signature, the expected origin,
 * and valid cosignatures from at least `quorum` distinct listed witnesses. Throws NoteError
 * (malformed note, or a known key's signature invalid, as openNote), CheckpointError, or
 * CosignatureError.
 */
export function verifyWitnessedCheckpoint(msg: string | Uint8Array, policy: WitnessPolicy): WitnessedCheckpoint {
  const { witnesses, quorum } = policy
  const logs = ([] as NoteVerifier[]).concat(policy.log)
  if (!Number.isInteger(quorum) || quorum < 0 || quorum > witnesses.length) {
    throw new CosignatureError('COSIG_BAD_POLICY', `quorum ${quorum} of ${witnesses.length} witnesses`)
  }
  let note: Note
  try {
    // The same verifier object listed twice is one key; distinct verifiers sharing a name and
    // key hash stay ambiguous (NOTE_AMBIGUOUS_KEY), as in Go.
    note = openNote(msg, [...new Set([...logs, ...witnesses])])
  } catch (e) {
    if (e instanceof NoteError && e.code === 'NOTE_UNVERIFIED') throw new CosignatureError('COSIG_MISSING_LOG_SIGNATURE', 'no valid log signature')
    throw e
  }
  const id = (name: string, hash: number) => `${name}+${hash}`
  const verified = new Map(note.sigs.map((s) => [id(s.name, s.hash), s]))
  const signer = logs.find((log) => verified.has(id(log.name, log.keyHash)))
  if (!signer) throw new CosignatureError('COSIG_MISSING_LOG_SIGNATURE', 'no valid log signature')
  const checkpoint = parseCheckpoint(note.text)
  if (policy.origin !== undefined && checkpoint.origin !== policy.origin) {
    throw new CosignatureError('COSIG_WRONG_ORIGIN', `origin ${JSON.stringify(checkpoint.origin)}, expected ${JSON.stringify(policy.origin)}`)
  }
  const counted: WitnessedCheckpoint['witnesses'] = []
  for (const w of witnesses) {
    const s = verified.get(id(w.name, w.keyHash))
    if (!s || counted.some((c) => c.name === w.name && c.keyHash === w.keyHash)) continue
    let timestamp: number | undefined
    if ((w as Partial<CosignatureVerifier>).type === 'cosignature/v1') {
      timestamp = cosignatureTimestamp(s.sig)
      if (policy.now !== undefined && timestamp > policy.now + (policy.maxFutureSeconds ?? 0)) continue
    }
    counted.push({ name: w.name, keyHash: w.keyHash, timestamp })
  }
  if (counted.length < quorum) {
    throw new CosignatureError('COSIG_POLICY_UNSATISFIED', `${counted.length} of the required ${quorum} witness cosignatures`)
  }
  return { checkpoint, note, log: { name: signer.name, keyHash: signer.keyHash }, witnesses: counted }
}
