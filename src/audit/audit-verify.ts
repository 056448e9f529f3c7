import { readFile, rename, writeFile } from 'node:fs/promises'
import type { AuditClient } from './audit-client.ts'
import { AuditError } from './audit-error.ts'
import type { WitnessedCheckpoint, WitnessPolicy } from '../notes/cosignature.ts'
import { decodeBase64Std } from '../tlog/encoding.ts'
import { leafBytes, type PresentedEntry } from './entry-format.ts'
import { verifiedCheckpoint } from './evidence.ts'
import { RootBuilder } from '../tlog/root-builder.ts'
import { checkTree, recordHash } from '../tlog/tlog.ts'

/** What `audit verify --state` remembers between runs: the last checkpoint that verified. */
export interface VerifiedState {
  origin: string
  tree_size: number
  root_hash: string
  checkpoint: string
  verified_at: string
}

export interface VerifyOptions {
  client: AuditClient
  policy: WitnessPolicy
  /** The checkpoint remembered from the last run, if any. */
  previous?: VerifiedState | undefined
  /** Download every entry and recompute the root. */
  full?: boolean
  pageSize?: number
  /** Pages fetched ahead while earlier ones are hashed. */
  parallel?: number
  say(line: string): void
  progress(done: number, total: number): void
}

const fail = (message: string) => new AuditError('AUDIT_VERIFY_FAILED', message)

/**
 * The auditor's check: the checkpoint's signatures (log key and witness policy), its consistency with
 * the checkpoint verified last time, and with `full` the root recomputed from every entry's bytes.
 * Throws AUDIT_VERIFY_FAILED naming the first thing that does not hold; returns the new state.
 */
export async function verifyLog(options: VerifyOptions): Promise<VerifiedState> {
  const { client, policy, previous, say } = options
  const note = await client.checkpoint(policy.quorum)
  const witnessed = verifiedCheckpoint(note, policy)
  const { origin, size, hash: root } = witnessed.checkpoint
  say(`checkpoint: ${origin}, tree size ${size}, root ${root.toString('base64')}`)
  say(
    `signature: valid, by ${witnessed.log.name} (key hash ${witnessed.log.keyHash.toString(16).padStart(8, '0')})${witnessed.witnesses.length > 0 ? `; cosigned by ${witnessed.witnesses.map((w) => w.name).join(', ')}` : ''}`,
  )

  if (previous) {
    await checkConsistency(client, previous, witnessed)
    say(`consistency: the log extends the tree of size ${previous.tree_size} verified ${previous.verified_at}`)
  }
  if (options.full) {
    await recomputeRoot(options, size, root)
    say(`entries: all ${size} downloaded; their hashes give the checkpoint's root`)
  }
  return { origin, tree_size: size, root_hash: root.toString('base64'), checkpoint: note, verified_at: new Date().toISOString() }
}

async function checkConsistency(client: AuditClient, previous: VerifiedState, current: WitnessedCheckpoint): Promise<void> {
  const { origin, size, hash } = current.checkpoint
  const oldRoot = decodeBase64Std(previous.root_hash)
  if (previous.origin !== origin || !oldRoot)
    throw new AuditError('AUDIT_BAD_STATE_FILE', `the state file is for the log ${previous.origin}, not ${origin}`)
  if (size < previous.tree_size) {
    throw fail(
      `the log now has ${size} entries, fewer than the ${previous.tree_size} verified ${previous.verified_at}: it was rolled back or rewritten`,
    )
  }
  if (size === previous.tree_size) {
    if (!hash.equals(oldRoot)) throw fail(`the log signed two different roots for tree size ${size}: its history was rewritten (a fork)`)
    return
  }
  if (previous.tree_size === 0) return
  const proof = await client.consistencyProof(previous.tree_size, size)
  if (!checkTree(proof, size, hash, previous.tree_size, oldRoot)) {
    throw fail(
      `the tree of size ${size} does NOT extend the tree of size ${previous.tree_size} verified ${previous.verified_at}: its history was rewritten`,
    )
  }
}

async function recomputeRoot(options: VerifyOptions, size: number, root: Buffer): Promise<void> {
  const pageSize = options.pageSize ?? 1000
  const builder = new RootBuilder()
  const pages: Array<Promise<PresentedEntry[]>> = []
  let next = 0
  const fetchAhead = () => {
    while (pages.length < (options.parallel ?? 4) && next < size) {
      const page = fetchRange(options.client, next, Math.min(next + pageSize, size))
      page.catch(() => undefined) // a failure surfaces when its turn comes, not as an unhandled rejection
      pages.push(page)
      next += pageSize
    }
  }
  fetchAhead()
  while (builder.size < size) {
    const page = await pages.shift()!
    fetchAhead()
    const wanted = Math.min(pageSize, size - builder.size)
    for (let i = 0; i < wanted; i++) {
      const expected = builder.size
      const item = page[i]
      if (!item || item.index !== expected)
        throw fail(
          item
            ? `entry ${expected} is missing from the log (the server answered entry ${item.index} in its place)`
            : `entry ${expected} is missing from the log: the checkpoint commits to ${size} entries, but asked again, the server serves none from entry ${expected} on`,
        )
      const bytes = leafBytes(item)
      if (typeof bytes === 'string') throw fail(bytes)
      builder.add(recordHash(bytes))
    }
    options.progress(builder.size, size)
  }
  if (!builder.root().equals(root)) {
    throw fail(`the ${size} entries the log serves do NOT hash to the checkpoint's root: stored entries were changed, removed or reordered`)
  }
}

/**
 * Entries [start, end), asked for again from where a short answer stopped: a server may answer fewer
 * than asked (its own page limit, or a tree size it has not caught up with), which is no sign of
 * tampering. Only when it serves nothing more do the entries the checkpoint commits to go missing.
 */
async function fetchRange(client: AuditClient, start: number, end: number): Promise<PresentedEntry[]> {
  const entries: PresentedEntry[] = []
  for (let next = start; next < end;) {
    const page = await client.entries(next, end)
    if (page.length === 0) break
    entries.push(...page)
    next += page.length
  }
  return entries
}

export async function readState(file: string): Promise<VerifiedState | undefined> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw new AuditError('AUDIT_BAD_STATE_FILE', `cannot read the state file ${file}: ${(error as Error).message}`)
  }
  try {
    const state = JSON.parse(text) as VerifiedState
    if (typeof state.origin === 'string' && Number.isSafeInteger(state.tree_size) && typeof state.root_hash === 'string') return state
  } catch {
    // reported below
  }
  throw new AuditError('AUDIT_BAD_STATE_FILE', `the state file ${file} is not one written by audit verify`)
}

/** Written only after everything verified, atomically: an interrupted run keeps the old state. */
export async function writeState(file: string, state: VerifiedState): Promise<void> {
  await writeFile(`${file}.tmp`, `${JSON.stringify(state, null, 2)}\n`)
  await rename(`${file}.tmp`, file)
}
