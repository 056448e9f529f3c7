import type pg from 'pg'
import { canonicalDigest } from '../crypto/jcs.ts'
import { problem } from '../http/problems.ts'
import { commitChange } from '../state/commit.ts'
import { diffDirectories, isEmptyDiff, type DirectoryDiff } from './diff.ts'
import { checkDirectory, type DirectoryDocument, type Participant } from './participant.ts'

export interface DirectoryVersion {
  version: number
  digest: string
  createdAt: string
  createdBy: string
  document: DirectoryDocument
  byId: ReadonlyMap<string, Participant>
  byClient: ReadonlyMap<string, Participant>
}

export interface VersionSummary {
  version: number
  digest: string
  created_at: string
  created_by: string
  summary: DirectoryDiff
}

export interface PublishResult {
  version: number
  digest: string
  summary: DirectoryDiff
}

export type DirectoryService = ReturnType<typeof createDirectoryService>

/** Directory changes are rare; one advisory lock serialises them across every gateway process. */
const DIRECTORY_LOCK = 7_212_410_002

export const EMPTY_DIRECTORY: DirectoryDocument = { schema_version: '1', participants: [] }

/**
 * The directory of participants, versioned in PostgreSQL. Reads of the version in force are cached
 * for `cacheMs` (every request needs it to know who is calling); a publish in this process drops
 * the cache at once, other processes see it within `cacheMs`.
 */
export function createDirectoryService({ pool, cacheMs = 1000 }: { pool: pg.Pool; cacheMs?: number }) {
  let cached: { at: number; value: Promise<DirectoryVersion | undefined> } | undefined
  const versions = new Map<number, DirectoryVersion>()

  async function load(where: string, params: unknown[]): Promise<DirectoryVersion | undefined> {
    const { rows } = await pool.query(
      `SELECT version, digest, document, created_by, created_at FROM directory_versions ${where}`,
      params,
    )
    const row = rows[0]
    if (!row) return undefined
    const known = versions.get(row.version)
    if (known) return known
    const loaded = toVersion(row)
    versions.set(loaded.version, loaded)
    return loaded
  }

  function current(): Promise<DirectoryVersion | undefined> {
    const now = Date.now()
    if (!cached || now - cached.at > cacheMs) {
      const value = load('ORDER BY version DESC LIMIT 1', [])
      cached = { at: now, value }
      value.catch(() => (cached = undefined))
    }
    return cached.value
  }

  async function atVersion(version: number): Promise<DirectoryVersion | undefined> {
    return versions.get(version) ?? load('WHERE version = $1', [version])
  }

  async function listVersions(): Promise<VersionSummary[]> {
    const { rows } = await pool.query(
      'SELECT version, digest, summary, created_by, created_at FROM directory_versions ORDER BY version DESC LIMIT 1000',
    )
    return rows.map((r) => ({ version: r.version, digest: r.digest, summary: r.summary, created_by: r.created_by, created_at: r.created_at.toISOString() }))
  }

  /** What publishing `document` would change, without writing anything. */
  async function plan(document: DirectoryDocument): Promise<{ base: number; summary: DirectoryDiff }> {
    assertConsistent(document)
    const base = await load('ORDER BY version DESC LIMIT 1', [])
    return { base: base?.version ?? 0, summary: diffDirectories(base?.document, document) }
  }

  /**
   * Publishes a new version. `expectedVersion`, when given, must be the version in force (optimistic
   * concurrency for administrators editing a copy). Publishing an identical directory is a no-op.
   */
  function publish(document: DirectoryDocument, options: { actor: string; expectedVersion?: number }): Promise<PublishResult> {
    return update(() => document, options)
  }

  /**
   * Derives the next version from the one in force, read under the directory lock inside the
   * publishing transaction, so concurrent edits never overwrite each other.
   */
  async function update(
    change: (base: DirectoryDocument) => DirectoryDocument,
    options: { actor: string; expectedVersion?: number },
  ): Promise<PublishResult> {
    const result = await commitChange(pool, async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [DIRECTORY_LOCK])
      const { rows } = await tx.query('SELECT version, document, digest FROM directory_versions ORDER BY version DESC LIMIT 1')
      const base = rows[0] as { version: number; document: DirectoryDocument; digest: string } | undefined
      const baseVersion = base?.version ?? 0
      if (options.expectedVersion !== undefined && options.expectedVersion !== baseVersion) {
        throw problem('HG_CONFLICT', `the directory is at version ${baseVersion}, not ${options.expectedVersion}: reload and apply your change again`)
      }
      const document = change(base?.document ?? EMPTY_DIRECTORY)
      assertConsistent(document)
      const summary = diffDirectories(base?.document, document)
      if (base && isEmptyDiff(summary)) return { result: { version: base.version, digest: base.digest, summary }, audit: [] }
      const version = baseVersion + 1
      const digest = canonicalDigest(document).toString('hex')
      await tx.query(
        'INSERT INTO directory_versions (version, digest, document, summary, created_by) VALUES ($1, $2, $3, $4, $5)',
        [version, digest, JSON.stringify(document), JSON.stringify(summary), options.actor],
      )
      const at = new Date().toISOString()
      return {
        result: { version, digest, summary },
        audit: [{ type: 'directory.version_published', at, version, digest: `sha256:${digest}`, actor: options.actor }],
      }
    })
    cached = undefined
    return result
  }

  return { current, atVersion, listVersions, plan, publish, update }
}

function assertConsistent(document: DirectoryDocument): void {
  const errors = checkDirectory(document)
  if (errors.length > 0) {
    throw problem('HG_VALIDATION', errors.map((e) => `${e.pointer} ${e.message}`).join('; '), { errors })
  }
}

function toVersion(row: { version: number; digest: string; document: DirectoryDocument; created_by: string; created_at: Date }): DirectoryVersion {
  const participants = row.document.participants
  return {
    version: row.version,
    digest: row.digest,
    createdAt: row.created_at.toISOString(),
    createdBy: row.created_by,
    document: row.document,
    byId: new Map(participants.map((p) => [p.id, p])),
    byClient: new Map(participants.flatMap((p) => p.clients.map((c) => [c, p] as const))),
  }
}
