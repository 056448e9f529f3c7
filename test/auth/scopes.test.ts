import t from 'tap'

import { isScope, missingScopes, SCOPES } from '../../src/auth/scopes.ts'

t.test('the vocabulary is exactly the nine gateway scopes', async (t) => {
  t.same([...SCOPES].sort(), [
    'audit:read',
    'deliveries:admin',
    'directory:admin',
    'inbox:read',
    'receipts:write',
    'reports:read',
    'reports:write',
    'stats:read',
    'status:write',
  ])
})

t.test('isScope accepts vocabulary words only', async (t) => {
  t.ok(isScope('reports:write'))
  t.notOk(isScope('reports:delete'))
  t.notOk(isScope('REPORTS:WRITE'), 'scopes are case-sensitive (RFC 6749 §3.3)')
  t.notOk(isScope(''))
})

t.test('missingScopes lists what the token lacks, in required order', async (t) => {
  const granted = new Set(['reports:read', 'inbox:read'])
  t.same(missingScopes(granted, ['reports:read']), [])
  t.same(missingScopes(granted, ['audit:read', 'reports:read', 'status:write']), ['audit:read', 'status:write'])
  t.same(missingScopes(new Set(), []), [], 'an operation without scopes is satisfied by any token')
})
