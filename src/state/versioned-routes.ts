import type { FastifyRequest } from 'fastify'
import type { OperationHandler } from '../http/operations.ts'
import { principalOf } from '../http/principal.ts'
import { problem } from '../http/problems.ts'
import type { StoredVersion } from './versioned-store.ts'

interface Store<D> {
  current(): Promise<StoredVersion<D> | undefined>
  atVersion(version: number): Promise<StoredVersion<D> | undefined>
  listVersions(): Promise<unknown[]>
  plan(document: D): Promise<{ base: number; summary: unknown }>
  publish(document: D, options: { actor: string; expectedVersion?: number }): Promise<unknown>
}

/**
 * The HTTP binding shared by versioned documents (the directory, routing rule sets): read the version
 * in force (with its ETag), list and read old versions, replace with optimistic concurrency (If-Match),
 * and plan a replacement without writing. `field` names the document in answers.
 */
export function versionedHandlers<D>(store: Store<D>, field: string, what: string) {
  const present = (v: StoredVersion<D>) => ({
    version: v.version,
    digest: v.digest,
    created_at: v.createdAt,
    created_by: v.createdBy,
    [field]: v.document,
  })
  const current: OperationHandler = async (_request, reply) => {
    const found = await store.current()
    if (!found) throw problem('HG_NOT_FOUND', `no ${what} has been published yet`)
    reply.header('etag', `"v${found.version}"`)
    return present(found)
  }
  const atVersion: OperationHandler = async (request) => {
    const { version } = request.params as { version: number }
    const found = await store.atVersion(version)
    if (!found) throw problem('HG_NOT_FOUND', `${what} version ${version} does not exist`)
    return present(found)
  }
  const versions: OperationHandler = async () => ({ versions: await store.listVersions() })
  const replace: OperationHandler = async (request) => {
    const ifMatch = (request.headers as { 'if-match'?: string })['if-match']
    const expectedVersion = ifMatch ? Number(ifMatch.slice(2, -1)) : undefined
    return store.publish(request.body as D, { actor: actor(request), ...(expectedVersion !== undefined ? { expectedVersion } : {}) })
  }
  const plan: OperationHandler = async (request) => {
    const { base, summary } = await store.plan(request.body as D)
    return { version: base, dry_run: true, summary }
  }
  return { current, atVersion, versions, replace, plan }
}

export function actor(request: FastifyRequest): string {
  return principalOf(request).participant.id
}
