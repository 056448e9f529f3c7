import type pg from 'pg'
import type { Logger } from 'pino'
import { ConfigError } from '../config/config.ts'
import { startLoop, type BackgroundLoop } from '../ops/background-loop.ts'
import type { LoopHealth } from '../ops/loop-health.ts'
import { newCosignatureVerifier, type CosignatureVerifier } from '../notes/cosignature.ts'
import { DECIMAL } from '../tlog/encoding.ts'
import { pgHashReader } from './hash-store.ts'
import { NoteError, openNote } from '../notes/note.ts'
import { proveTree } from '../tlog/tlog.ts'

/** A witness the gateway asks for cosignatures: its cosignature/v1 verifier key and submission prefix. */
export interface WitnessEndpoint {
  verifierKey: string
  url: string
  verifier: CosignatureVerifier
}

/**
 * AUDIT_WITNESSES: witnesses separated by commas or newlines, each `<verifier key> <submission URL>`,
 * e.g. `witness.example.net+1a2b3c4d+BASE64 https://witness.example.net/hotline-gateway`. They are
 * configuration rather than directory entries: a witness vouches for the log to the partners, so the
 * operator who runs the log must not be able to swap witnesses by publishing a directory version.
 */
export function parseWitnesses(value: string | undefined): WitnessEndpoint[] {
  const items = (value ?? '')
    .split(/[,\n]/)
    .map((item) => item.trim())
    .filter(Boolean)
  return items.map((item) => {
    const [verifierKey = '', url = '', ...rest] = item.split(/\s+/)
    if (rest.length > 0 || !/^https?:\/\/[^\s/]+/.test(url)) {
      throw new ConfigError([`AUDIT_WITNESSES: each witness is "<verifier key> <http(s) URL>", not ${JSON.stringify(item.slice(0, 80))}`])
    }
    try {
      return { verifierKey, url: url.replace(/\/+$/, ''), verifier: newCosignatureVerifier(verifierKey) }
    } catch (error) {
      throw new ConfigError([
        `AUDIT_WITNESSES: ${JSON.stringify(verifierKey.slice(0, 80))} is not a cosignature/v1 verifier key (${(error as Error).message})`,
      ])
    }
  })
}

export interface WitnessPublisher {
  /** One round now: the latest checkpoint to every witness that lags; resolves when each answered or failed. */
  publish(): Promise<void>
}

export interface WitnessPublisherOptions {
  pool: pg.Pool
  witnesses: readonly WitnessEndpoint[]
  logger: Logger
  timeoutMs?: number
}

interface Latest {
  tree_size: number
  note: string
}

/**
 * Sends each new checkpoint to every configured witness (C2SP tlog-witness add-checkpoint) with a
 * consistency proof from the size that witness last cosigned, off the request path, and stores the
 * cosignatures that verify. A 409 teaches it the witness's real size; it retries once with that.
 */
export function createWitnessPublisher(options: WitnessPublisherOptions): WitnessPublisher {
  const { pool, witnesses, logger } = options
  const hashes = pgHashReader(pool)

  async function round(): Promise<void> {
    const {
      rows: [latest],
    } = await pool.query<Latest>('SELECT tree_size, note FROM audit_checkpoints ORDER BY tree_size DESC LIMIT 1')
    if (!latest || latest.tree_size === 0) return
    const { rows } = await pool.query<{ witness: string; tree_size: number }>('SELECT witness, tree_size FROM audit_witness_state')
    const known = new Map(rows.map((row) => [row.witness, row.tree_size]))
    await Promise.all(
      witnesses.map((w) =>
        submit(w, latest, known.get(w.verifierKey) ?? 0, true).catch((error) => {
          logger.warn({ err: error, witness: w.verifier.name }, 'audit witness: request failed; will retry')
        }),
      ),
    )
  }

  async function submit(w: WitnessEndpoint, latest: Latest, old: number, retry: boolean): Promise<void> {
    if (old >= latest.tree_size) {
      if (old > latest.tree_size)
        logger.error(
          { witness: w.verifier.name, witness_size: old, tree_size: latest.tree_size },
          'audit witness has cosigned a larger tree than this log has: rollback or fork',
        )
      return
    }
    const proof = old > 0 ? await proveTree(latest.tree_size, old, hashes) : []
    const body = `old ${old}\n${proof.map((h) => `${h.toString('base64')}\n`).join('')}\n${latest.note}`
    const res = await fetch(`${w.url}/add-checkpoint`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain; charset=utf-8' },
      body,
      signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
    })
    const text = await res.text()
    if (res.status === 409 && retry && DECIMAL.test(text.trim())) {
      // the witness knows a different size (another process, or a lost record): use its own
      const size = Number(text.trim())
      await pool.query(UPSERT_STATE, [w.verifierKey, size])
      return submit(w, latest, size, false)
    }
    if (res.status !== 200) {
      logger.warn({ witness: w.verifier.name, status: res.status, answer: text.slice(0, 200) }, 'audit witness refused the checkpoint')
      return
    }
    const lines = cosignatureLines(latest.note, text, w)
    if (lines.length === 0) {
      logger.warn({ witness: w.verifier.name }, 'audit witness answered without a valid cosignature')
      return
    }
    await pool.query(STORE_COSIGNATURE, [latest.tree_size, w.verifierKey, lines.join('')])
  }

  return { publish: round }
}

/**
 * The publisher on a background loop (src/ops/background-loop.ts): a round whenever a checkpoint is
 * signed (`wake`), and every `retryMs` for the witnesses that lag behind (default 5 s). Rounds never
 * overlap; a checkpoint signed during one is sent in the next, at once.
 */
export function startWitnessPublisher(options: WitnessPublisherOptions & { retryMs?: number; health?: LoopHealth | undefined }): BackgroundLoop {
  const publisher = createWitnessPublisher(options)
  return startLoop({
    name: 'audit witness publisher',
    logger: options.logger,
    intervalMs: options.retryMs ?? 5000,
    health: options.health,
    step: async () => {
      await publisher.publish()
      return 0 // a round sends everything there is: pause until the next checkpoint or retry
    },
  })
}

/** The witness's signature lines that verify, on this checkpoint, with its key. */
function cosignatureLines(note: string, answer: string, w: WitnessEndpoint): string[] {
  if (!/^(— [^\n]+\n)+$/.test(answer)) return []
  try {
    // a witness's answer is signature lines for the note: appended, they verify like any signature
    const opened = openNote(note + answer, [w.verifier])
    return opened.sigs.map((sig) => `— ${sig.name} ${sig.base64}\n`)
  } catch (error) {
    if (error instanceof NoteError) return []
    throw error
  }
}

const UPSERT_STATE = `INSERT INTO audit_witness_state (witness, tree_size) VALUES ($1, $2)
ON CONFLICT (witness) DO UPDATE SET tree_size = EXCLUDED.tree_size, updated_at = now()`

// The cosignature and the witness's new size commit together.
const STORE_COSIGNATURE = `WITH cosignature AS (
  INSERT INTO audit_cosignatures (tree_size, witness, signature) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING
)
INSERT INTO audit_witness_state (witness, tree_size) VALUES ($2, $1)
ON CONFLICT (witness) DO UPDATE SET tree_size = GREATEST(audit_witness_state.tree_size, EXCLUDED.tree_size), updated_at = now()`
