import type pg from 'pg'
import { canonicalDigest } from '../crypto/jcs.ts'
import { GatewayError, type FieldIssue } from '../errors/gateway-error.ts'
import { commitChange } from './commit.ts'

/** A publish against a version no longer in force, or a document that breaks a rule its schema cannot say. */
class VersionedStoreError extends GatewayError<'STATE_VERSION_CONFLICT' | 'STATE_DOCUMENT_INVALID'> {}

/** One immutable version of a versioned document (the directory, a routing rule set). */
export interface StoredVersion<D> {
  version: number
  digest: string
  document: D
  createdAt: string
  createdBy: string
}

export interface VersionSummary<S> {
  version: number
  digest: string
  created_at: string
  created_by: string
  summary: S
}

export interface VersionedStoreOptions<D, S, V extends StoredVersion<D>> {
  pool: pg.Pool
  /** A table with columns version, digest, document, summary, created_by, created_at. */
  table: string
  /** Serialises publishes across every gateway process. */
  lock: number
  cacheMs: number
  /** The audit event type written with each new version, e.g. `directory.version_published`. */
  auditType: string
  empty: D
  /** Rules the JSON Schema cannot say; pointers name the offending field. */
  check(document: D): FieldIssue[]
  diff(before: D | undefined, after: D): S
  isEmpty(summary: S): boolean
  /** Builds the in-memory form (indexes) of a loaded version, once per version and process. */
  hydrate(stored: StoredVersion<D>): V
}

/**
 * Documents whose every change is a new immutable version (digest = SHA-256 of RFC 8785 JSON),
 * published under an advisory lock with its audit entry in the same transaction. The version in
 * force is cached for `cacheMs`: a publish in this process drops the cache at once, other processes
 * see it within `cacheMs`. Old versions stay readable: decisions name the version they used.
 */
export function createVersionedStore<D, S, V extends StoredVersion<D>>(options: VersionedStoreOptions<D, S, V>) {
  const { pool, table } = options
  let cached: { at: number; value: Promise<V | undefined> } | undefined
  const versions = new Map<number, V>()

  async function load(where: string, params: unknown[]): Promise<V | undefined> {
    const { rows } = await pool.query(`SELECT version, digest, document, created_by, created_at FROM ${table} ${where}`, params)
    const row = rows[0]
    if (!row) return undefined
    const known = versions.get(row.version)
    if (known) return known
    const loaded = options.hydrate({
      version: row.version,
      digest: row.digest,
      document: row.document,
      createdAt: row.created_at.toISOString(),
      createdBy: row.created_by,
    })
    versions.set(loaded.version, loaded)
    return loaded
  }

  function current(): Promise<V | undefined> {
    const now = Date.now()
    if (!cached || now - cached.at > options.cacheMs) {
      const value = load('ORDER BY version DESC LIMIT 1', [])
      cached = { at: now, value }
      value.catch(() => (cached = undefined))
    }
    return cached.value
  }

  async function atVersion(version: number): Promise<V | undefined> {
    return versions.get(version) ?? load('WHERE version = $1', [version])
  }

  async function listVersions(): Promise<Array<VersionSummary<S>>> {
    const { rows } = await pool.query(`SELECT version, digest, summary, created_by, created_at FROM ${table} ORDER BY version DESC LIMIT 1000`)
    return rows.map((r) => ({
      version: r.version,
      digest: r.digest,
      summary: r.summary,
      created_by: r.created_by,
      created_at: r.created_at.toISOString(),
    }))
  }

  /** What publishing `document` would change, without writing anything. */
  async function plan(document: D): Promise<{ base: number; summary: S }> {
    assertConsistent(document)
    const base = await load('ORDER BY version DESC LIMIT 1', [])
    return { base: base?.version ?? 0, summary: options.diff(base?.document, document) }
  }

  /** Publishes `document` as the next version; `expectedVersion` must then be the version in force. */
  function publish(document: D, publishOptions: { actor: string; expectedVersion?: number }) {
    return update(() => document, publishOptions)
  }

  /**
   * Derives the next version from the one in force, read under the lock inside the publishing
   * transaction, so concurrent edits never overwrite each other. An unchanged document is a no-op.
   */
  async function update(change: (base: D) => D, { actor, expectedVersion }: { actor: string; expectedVersion?: number }) {
    const result = await commitChange(pool, async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [options.lock])
      const { rows } = await tx.query(`SELECT version, document, digest FROM ${table} ORDER BY version DESC LIMIT 1`)
      const base = rows[0] as { version: number; document: D; digest: string } | undefined
      const baseVersion = base?.version ?? 0
      if (expectedVersion !== undefined && expectedVersion !== baseVersion) {
        throw new VersionedStoreError(
          'STATE_VERSION_CONFLICT',
          `the version in force is ${baseVersion}, not ${expectedVersion}: reload and apply your change again`,
        )
      }
      const document = change(base?.document ?? options.empty)
      assertConsistent(document)
      const summary = options.diff(base?.document, document)
      if (base && options.isEmpty(summary)) return { result: { version: base.version, digest: base.digest, summary }, audit: [] }
      const version = baseVersion + 1
      const digest = canonicalDigest(document).toString('hex')
      await tx.query(`INSERT INTO ${table} (version, digest, document, summary, created_by) VALUES ($1, $2, $3, $4, $5)`, [
        version,
        digest,
        JSON.stringify(document),
        JSON.stringify(summary),
        actor,
      ])
      const at = new Date().toISOString()
      return { result: { version, digest, summary }, audit: [{ type: options.auditType, at, version, digest: `sha256:${digest}`, actor }] }
    })
    cached = undefined
    return result
  }

  function assertConsistent(document: D): void {
    const errors = options.check(document)
    if (errors.length === 0) return
    throw new VersionedStoreError('STATE_DOCUMENT_INVALID', errors.map((e) => `${e.pointer} ${e.message}`).join('; '), { fieldErrors: errors })
  }

  return { current, atVersion, listVersions, plan, publish, update }
}
