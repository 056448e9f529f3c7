import type { DirectoryVersion } from '../directory/directory-service.ts'
import type { Participant, ParticipantKind } from '../directory/participant.ts'
import type { Scope } from './scopes.ts'

/**
 * The most each kind of participant may ever do, whatever scopes its IdP grants: an auditor never
 * writes or reads report contents, a platform never administers the directory. Effective scopes are
 * the token's scopes within this ceiling (least privilege even against a misconfigured IdP).
 */
export const KIND_CEILING: Readonly<Record<ParticipantKind, readonly Scope[]>> = {
  hotline: ['reports:write', 'reports:read', 'inbox:read', 'receipts:write', 'status:write'],
  law_enforcement: ['reports:write', 'reports:read', 'inbox:read', 'receipts:write', 'status:write'],
  platform: ['reports:write', 'reports:read', 'inbox:read', 'receipts:write', 'status:write'],
  auditor: ['audit:read', 'stats:read'],
  operator: ['reports:write', 'reports:read', 'inbox:read', 'audit:read', 'directory:admin', 'deliveries:admin', 'metrics:read', 'stats:read'],
}

/** Who is calling, as every handler sees it. */
export interface Principal {
  participant: Participant
  clientId: string
  scopes: ReadonlySet<string>
  /** The directory version this request was authorised against; intake routes with it too. */
  directory: DirectoryVersion
}

export function effectiveScopes(kind: ParticipantKind, granted: ReadonlySet<string>): ReadonlySet<string> {
  return new Set(KIND_CEILING[kind].filter((scope) => granted.has(scope)))
}
