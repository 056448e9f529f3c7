import type { FieldIssue } from '../errors/gateway-error.ts'

import type { DirectoryDocument as DirectorySchema, Participant as ParticipantSchema } from '../contract/directory.v1.ts'

// The directory's types come from schemas/directory.v1.json and participant.v1.json (src/contract/, npm
// run contract:types): a schema change the code does not follow fails to compile. Only `keys` is
// wider in the code (a JWK as a record of strings, as jose takes it); Ajv checks its members.
export type ParticipantKind = ParticipantSchema['kind']
export type ReportFormat = ParticipantSchema['formats'][number]

export interface Participant extends Omit<ParticipantSchema, 'keys'> {
  keys?: { jwks: { keys: Array<Record<string, string>> } } | { jwks_uri: string }
}

export interface DirectoryDocument extends Omit<DirectorySchema, 'participants'> {
  participants: Participant[]
}

/**
 * Rules the schema cannot say: ids and client ids are unique across the whole directory, and
 * platform-only fields sit only on platforms. Pointers name the offending field.
 */
export function checkDirectory(document: DirectoryDocument): FieldIssue[] {
  const problems: FieldIssue[] = []
  const ids = new Map<string, number>()
  const clients = new Map<string, string>()
  document.participants.forEach((participant, index) => {
    const at = `/participants/${index}`
    const earlier = ids.get(participant.id)
    if (earlier !== undefined) problems.push(field(`${at}/id`, `duplicates the id of /participants/${earlier}`))
    ids.set(participant.id, index)
    participant.clients.forEach((client, c) => {
      const owner = clients.get(client)
      if (owner !== undefined) problems.push(field(`${at}/clients/${c}`, `client id already acts for participant ${owner}`))
      clients.set(client, participant.id)
    })
    if (participant.kind !== 'platform') {
      if (participant.services) problems.push(field(`${at}/services`, 'only platforms operate services'))
      if (participant.accepts_notices !== undefined) problems.push(field(`${at}/accepts_notices`, 'only platforms take notices'))
    }
    if (participant.formats.includes('dsa_notice_v1') && participant.kind !== 'platform') {
      problems.push(field(`${at}/formats`, 'dsa_notice_v1 is a format for platforms'))
    }
  })
  return problems
}

function field(pointer: string, message: string): FieldIssue {
  return { in: 'body', pointer, message }
}
