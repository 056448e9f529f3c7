import type { FastifyRequest } from 'fastify'
import type { OperationHandlers } from '../http/operations.ts'
import { problem } from '../http/problems.ts'
import type { DirectoryService, DirectoryVersion } from './directory-service.ts'
import type { DirectoryDocument, Participant } from './participant.ts'

/** HTTP binding of the directory: parse, call the service, shape the answer. */
export function directoryHandlers(directory: DirectoryService): OperationHandlers {
  const actor = (request: FastifyRequest) => request.principal!.participant.id

  return {
    getDirectory: async (_request, reply) => {
      const current = await directory.current()
      if (!current) throw problem('HG_NOT_FOUND', 'no directory has been published yet')
      reply.header('etag', `"v${current.version}"`)
      return present(current)
    },
    getDirectoryVersion: async (request) => {
      const { version } = request.params as { version: number }
      const found = await directory.atVersion(version)
      if (!found) throw problem('HG_NOT_FOUND', `directory version ${version} does not exist`)
      return present(found)
    },
    listDirectoryVersions: async () => ({ versions: await directory.listVersions() }),
    replaceDirectory: async (request) => {
      const ifMatch = (request.headers as { 'if-match'?: string })['if-match']
      const expectedVersion = ifMatch ? Number(ifMatch.slice(2, -1)) : undefined
      return directory.publish(request.body as DirectoryDocument, { actor: actor(request), ...(expectedVersion !== undefined ? { expectedVersion } : {}) })
    },
    planDirectory: async (request) => {
      const { base, summary } = await directory.plan(request.body as DirectoryDocument)
      return { version: base, dry_run: true, summary }
    },
    putParticipant: async (request) => {
      const { participantId } = request.params as { participantId: string }
      const participant = request.body as Participant
      if (participant.id !== participantId) {
        throw problem('HG_VALIDATION', 'the body id must equal the path id', {
          errors: [{ in: 'body', pointer: '/id', message: `must be ${participantId}, as in the path` }],
        })
      }
      return directory.update((base) => {
        const others = base.participants.filter((p) => p.id !== participantId)
        return { ...base, participants: [...others, participant] }
      }, { actor: actor(request) })
    },
    deleteParticipant: async (request) => {
      const { participantId } = request.params as { participantId: string }
      return directory.update((base) => {
        if (!base.participants.some((p) => p.id === participantId)) {
          throw problem('HG_NOT_FOUND', `participant ${participantId} is not in the directory`)
        }
        return { ...base, participants: base.participants.filter((p) => p.id !== participantId) }
      }, { actor: actor(request) })
    },
  }
}

function present(version: DirectoryVersion) {
  return {
    version: version.version,
    digest: version.digest,
    created_at: version.createdAt,
    created_by: version.createdBy,
    directory: version.document,
  }
}
