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
  'stats:read',
] as const

export type Scope = (typeof SCOPES)[number]

const KNOWN: ReadonlySet<string> = new Set(SCOPES)

export function isScope(value: string): value is Scope {
  return KNOWN.has(value)
}

/** The required scopes a token lacks, in the order they were required (empty when satisfied). */
export function missingScopes(granted: ReadonlySet<string>, required: readonly string[]): string[] {
  return required.filter((scope) => !granted.has(scope))
}
