import type pg from 'pg'
import { createVersionedStore, type StoredVersion } from '../state/versioned-store.ts'
import { diffDirectories, isEmptyDiff, type DirectoryDiff } from './diff.ts'
import { checkDirectory, type DirectoryDocument, type Participant } from './participant.ts'

export interface DirectoryVersion extends StoredVersion<DirectoryDocument> {
  byId: ReadonlyMap<string, Participant>
  byClient: ReadonlyMap<string, Participant>
}

export type DirectoryService = ReturnType<typeof createDirectoryService>

const EMPTY_DIRECTORY: DirectoryDocument = { schema_version: '1', participants: [] }

/**
 * The directory of participants, versioned in PostgreSQL. Every request needs the version in force
 * to know who is calling, hence the cache (DIRECTORY_CACHE_MS).
 */
export function createDirectoryService({ pool, cacheMs = 1000 }: { pool: pg.Pool; cacheMs?: number }) {
  return createVersionedStore<DirectoryDocument, DirectoryDiff, DirectoryVersion>({
    pool,
    table: 'directory_versions',
    lock: 7_212_410_002,
    cacheMs,
    auditType: 'directory.version_published',
    empty: EMPTY_DIRECTORY,
    check: checkDirectory,
    diff: diffDirectories,
    isEmpty: isEmptyDiff,
    hydrate: (stored) => ({
      ...stored,
      byId: new Map(stored.document.participants.map((p) => [p.id, p])),
      byClient: new Map(stored.document.participants.flatMap((p) => p.clients.map((c) => [c, p] as const))),
    }),
  })
}
