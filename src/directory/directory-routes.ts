import type { OperationHandlers } from '../http/operations.ts'
import { problem } from '../http/problems.ts'
import { actor, versionedHandlers } from '../state/versioned-routes.ts'
import type { DirectoryService } from './directory-service.ts'
import type { Participant } from './participant.ts'

/** HTTP binding of the directory: the shared versioned-document operations, plus one participant at a time. */
export function directoryHandlers(directory: DirectoryService): OperationHandlers {
  const versioned = versionedHandlers(directory, 'directory', 'directory')
  return {
    getDirectory: versioned.current,
    getDirectoryVersion: versioned.atVersion,
    listDirectoryVersions: versioned.versions,
    replaceDirectory: versioned.replace,
    planDirectory: versioned.plan,
    putParticipant: async (request) => {
      const { participantId } = request.params as { participantId: string }
      const participant = request.body as Participant
      if (participant.id !== participantId) {
        throw problem('HG_VALIDATION', 'the body id must equal the path id', {
          errors: [{ in: 'body', pointer: '/id', message: `must be ${participantId}, as in the path` }],
        })
      }
      return directory.update(
        (base) => {
          const others = base.participants.filter((p) => p.id !== participantId)
          return { ...base, participants: [...others, participant] }
        },
        { actor: actor(request) },
      )
    },
    deleteParticipant: async (request) => {
      const { participantId } = request.params as { participantId: string }
      return directory.update(
        (base) => {
          if (!base.participants.some((p) => p.id === participantId)) {
            throw problem('HG_NOT_FOUND', `participant ${participantId} is not in the directory`)
          }
          return { ...base, participants: base.participants.filter((p) => p.id !== participantId) }
        },
        { actor: actor(request) },
      )
    },
  }
}
