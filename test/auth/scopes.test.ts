import t from 'tap'

import { isScope, SCOPES } from '../../src/auth/scopes.ts'

t.test('the vocabulary is exactly the nine gateway scopes', async (t) => {
  t.same([...SCOPES].sort(), [
    'audit:read',
    'deliveries:admin',
    'directory:admin',
    'inbox:read',
    'metrics:read',
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
