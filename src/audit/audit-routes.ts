import type { OperationHandlers } from '../http/operations.ts'
import { problem } from '../http/problems.ts'
import type { AuditService } from './audit-service.ts'

const IMMUTABLE = 'max-age=31536000, immutable'

/** HTTP binding of the audit log: parse, call the service, shape the answer. */
export function auditHandlers(audit: AuditService): OperationHandlers {
  const proof = (hashes: Buffer[]) => ({ proof: hashes.map((h) => h.toString('base64')) })

  return {
    getAuditCheckpoint: async (request, reply) => {
      const { min_cosignatures: min = 0 } = request.query as { min_cosignatures?: number }
      const note = await audit.checkpoint(min)
      if (note === undefined && min === 0) {
        throw problem('HG_UNAVAILABLE', 'the audit log has not signed a checkpoint yet', { headers: { 'retry-after': '1' } })
      }
      if (note === undefined) throw problem('HG_NOT_FOUND', `no checkpoint carries ${min} witness cosignature(s) yet`)
      // mutable: C2SP asks that it not be cached beyond a few seconds
      return reply.type('text/plain; charset=utf-8').header('cache-control', 'no-store').send(note)
    },
    getAuditKey: async () => audit.keys(),
    listAuditEntries: async (request) => {
      const { start, end } = request.query as { start: number; end: number }
      return { entries: await audit.entries(start, end) }
    },
    getAuditInclusionProof: async (request) => {
      const { index, tree_size: treeSize } = request.query as { index: number; tree_size: number }
      return proof(await audit.inclusionProof(index, treeSize))
    },
    getAuditConsistencyProof: async (request) => {
      const { from, to } = request.query as { from: number; to: number }
      return proof(await audit.consistencyProof(from, to))
    },
    getAuditEvidence: async (request) => {
      const { index } = request.query as { index: string }
      return audit.evidence(index.split(',').map(Number))
    },
    getAuditTile: async (request, reply) => {
      const { path } = request.params as { path: string }
      const tile = await audit.tile(path)
      // Hash tiles reveal nothing but hashes; entry bundles are for audit:read holders only.
      const scope = tile.kind === 'hashes' ? 'public' : 'private'
      reply.header('cache-control', tile.full ? `${scope}, ${IMMUTABLE}` : `${scope}, max-age=60`)
      return reply.type('application/octet-stream').send(tile.data)
    },
  }
}
