/**
 * The gateway's scope vocabulary. Partners' IdPs must issue exactly these strings in the
 * RFC 9068 `scope` claim; openapi.yaml `security` requirements name them too.
 */
export const SCOPES = [
  'reports:write',
  'reports:read',
  'inbox:read',
  'receipts:write',
  'status:write',
  'audit:read',
  'directory:admin',
  'deliveries:admin',
  'metrics:read',
  'stats:read',
] as const

export type Scope = (typeof SCOPES)[number]

const KNOWN: ReadonlySet<string> = new Set(SCOPES)

export function isScope(value: string): value is Scope {
  return KNOWN.has(value)
}
