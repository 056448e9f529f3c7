// C2SP tlog-checkpoint (https://c2sp.org/tlog-checkpoint): the note text of a signed tree head.
//
//   <origin>\n<tree size, decimal, no leading zeros>\n<base64 root hash>\n[<extension line>\n]*
//
// formatCheckpoint produces it, parseCheckpoint accepts exactly that (strict), and
// openCheckpoint opens a signed note and parses its text in one step.

import { DECIMAL, decodeBase64Std, encodeBase64Std, isNoteString } from '../tlog/encoding.ts'
import { openNote, type Note, type NoteVerifier } from './note.ts'
import { HASH_SIZE, type Hash } from '../tlog/tlog.ts'
import { GatewayError } from '../errors/gateway-error.ts'

export type CheckpointErrorCode =
  | 'CHECKPOINT_MALFORMED' // not three+ newline-terminated lines of valid note text
  | 'CHECKPOINT_BAD_ORIGIN' // empty origin (or one containing control characters)
  | 'CHECKPOINT_BAD_SIZE' // not canonical decimal, or beyond 2^53
  | 'CHECKPOINT_BAD_HASH' // not standard base64 of 32 bytes
  | 'CHECKPOINT_BAD_EXTENSION' // an empty extension line
  | 'CHECKPOINT_WRONG_ORIGIN' // openCheckpoint: origin other than the expected one

export class CheckpointError extends GatewayError<CheckpointErrorCode> {
  constructor(code: CheckpointErrorCode, message: string) {
    super(code, `checkpoint: ${message}`)
  }
}

export interface Checkpoint {
  origin: string
  size: number
  hash: Hash
  extensions?: string[]
}

function checkLine(line: string, code: CheckpointErrorCode, what: string): void {
  if (line === '' || line.includes('\n') || !isNoteString(line)) throw new CheckpointError(code, `invalid ${what}`)
}

/** The checkpoint note text, ending in a newline. */
export function formatCheckpoint(c: Checkpoint): string {
  checkLine(c.origin, 'CHECKPOINT_BAD_ORIGIN', 'origin')
  if (!Number.isSafeInteger(c.size) || c.size < 0) throw new CheckpointError('CHECKPOINT_BAD_SIZE', `invalid tree size ${String(c.size)}`)
  if (!(c.hash instanceof Uint8Array) || c.hash.length !== HASH_SIZE) throw new CheckpointError('CHECKPOINT_BAD_HASH', 'root hash is not 32 bytes')
  const ext = c.extensions ?? []
  for (const e of ext) checkLine(e, 'CHECKPOINT_BAD_EXTENSION', 'extension line')
  return [c.origin, String(c.size), encodeBase64Std(c.hash), ...ext].join('\n') + '\n'
}

/** Parses checkpoint note text (without signatures). Strict; throws CheckpointError. */
export function parseCheckpoint(text: string): Checkpoint & { extensions: string[] } {
  if (typeof text !== 'string' || !text.endsWith('\n') || !isNoteString(text)) {
    throw new CheckpointError('CHECKPOINT_MALFORMED', 'checkpoint text must be newline-terminated note text')
  }
  const lines = text.slice(0, -1).split('\n')
  if (lines.length < 3) throw new CheckpointError('CHECKPOINT_MALFORMED', 'fewer than three lines')
  const [origin, sizeLine, hashLine, ...extensions] = lines as [string, string, string, ...string[]]
  if (origin === '') throw new CheckpointError('CHECKPOINT_BAD_ORIGIN', 'empty origin')
  if (!DECIMAL.test(sizeLine) || !Number.isSafeInteger(Number(sizeLine))) {
    throw new CheckpointError('CHECKPOINT_BAD_SIZE', `invalid tree size ${JSON.stringify(sizeLine)}`)
  }
  const hash = decodeBase64Std(hashLine)
  if (!hash || hash.length !== HASH_SIZE) throw new CheckpointError('CHECKPOINT_BAD_HASH', `invalid root hash ${JSON.stringify(hashLine)}`)
  if (extensions.some((e) => e === '')) throw new CheckpointError('CHECKPOINT_BAD_EXTENSION', 'empty extension line')
  return { origin, size: Number(sizeLine), hash, extensions }
}

export interface OpenedCheckpoint {
  checkpoint: Checkpoint & { extensions: string[] }
  note: Note
}

/**
 * Opens a signed checkpoint with openNote (NoteError on a bad note or signature) and parses
 * its text (CheckpointError). With `origin`, the origin line must equal it.
 */
export function openCheckpoint(msg: string | Uint8Array, verifiers: readonly NoteVerifier[], origin?: string): OpenedCheckpoint {
  const note = openNote(msg, verifiers)
  const checkpoint = parseCheckpoint(note.text)
  if (origin !== undefined && checkpoint.origin !== origin) {
    throw new CheckpointError('CHECKPOINT_WRONG_ORIGIN', `origin ${JSON.stringify(checkpoint.origin)}, expected ${JSON.stringify(origin)}`)
  }
  return { checkpoint, note }
}
