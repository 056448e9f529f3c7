import type { FieldIssue } from '../errors/gateway-error.ts'

export type ParticipantKind = 'hotline' | 'law_enforcement' | 'platform' | 'auditor' | 'operator'
export type ReportFormat = 'canonical_v1' | 'cybertipline_xml' | 'dsa_notice_v1'

export interface Participant {
  id: string
  name: string
  kind: ParticipantKind
  countries: string[]
  incident_types?: string[]
  urgent_contact?: { phone?: string; email?: string; available: '24/7' | 'office_hours' }
  delivery:
    | { mode: 'push'; endpoint: string; concurrency?: number; urgent_endpoint?: string; notify_endpoint?: string }
    | { mode: 'pull'; urgent_endpoint?: string; notify_endpoint?: string }
  formats: ReportFormat[]
  services?: string[]
  accepts_notices?: boolean
  keys?: { jwks: { keys: Array<Record<string, string>> } } | { jwks_uri: string }
  clients: string[]
}

export interface DirectoryDocument {
  schema_version: '1'
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
