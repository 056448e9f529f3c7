import t from 'tap'
import { parseCheckpoint } from '../../src/notes/checkpoint.ts'
import { createSequencer, SEQUENCER_LOCK, startSequencer } from '../../src/audit/sequencer.ts'
import { waitForSequenced } from '../../src/audit/wait.ts'
import { runCli } from '../helpers/process.ts'
import { auditTestApp } from './gateway.ts'

t.test('AUDIT_LOG_ORIGIN names a log that has no checkpoint yet; afterwards it cannot change', async (t) => {
  const ctx = await auditTestApp(t, { sequencer: { origin: 'gateway.example.org/audit-log' } })
  await ctx.append(3)
  await ctx.settle()
  const {
    rows: [{ note }],
  } = await ctx.database.pool.query('SELECT note FROM audit_checkpoints ORDER BY tree_size DESC LIMIT 1')
  t.equal(parseCheckpoint(note.slice(0, note.indexOf('\n\n') + 1)).origin, 'gateway.example.org/audit-log')
  t.match(note, /\n— gateway\.example\.org\/audit-log /, 'signed under the origin as key name')

  const other = { pool: ctx.database.pool, sealer: ctx.sealer, logger: ctx.app.log as never, origin: 'gateway.example.net/other' }
  await t.rejects(startSequencer(other), {
    code: 'AUDIT_ORIGIN_MISMATCH',
    message: /AUDIT_LOG_ORIGIN is gateway\.example\.net\/other, but the audit log already signed checkpoints as gateway\.example\.org\/audit-log/,
  })

  // and `serve` refuses to start on it, saying why
  const serve = await runCli(['serve'], {
    DATABASE_URL: ctx.databaseUrl,
    ENCRYPTION_KEY: ctx.config.encryptionKey,
    OIDC_ISSUER: ctx.idp.issuer,
    AUDIT_LOG_ORIGIN: 'gateway.example.net/other',
    PORT: '0',
  })
  t.equal(serve.code, 1)
  t.match(serve.stderr, /hotline-gateway serve: AUDIT_LOG_ORIGIN is gateway\.example\.net\/other, but the audit log already signed/)
})

t.test('two sequencers on one database: the lock lets one work per batch, the tree stays whole', async (t) => {
  const ctx = await auditTestApp(t, { sequencer: false })
  const options = { pool: ctx.database.pool, sealer: ctx.sealer, logger: ctx.app.log as never, maxBatch: 50 }
  const [a, b] = [createSequencer(options), createSequencer(options)]
  await ctx.append(400)
  // whoever holds the lock works; the other one leaves the batch alone
  const holder = await ctx.database.pool.connect()
  await holder.query('BEGIN')
  await holder.query('SELECT pg_advisory_xact_lock($1)', [SEQUENCER_LOCK])
  t.same(await a.runBatch(), { kind: 'busy' })
  await holder.query('COMMIT')
  holder.release()
  for (let round = 0; round < 10; round++) await Promise.all([a.runBatch(), b.runBatch()])
  const {
    rows: [stats],
  } = await ctx.database.pool.query(
    'SELECT count(*)::int AS n, count(DISTINCT log_index)::int AS d, max(log_index) AS max, (SELECT tree_size FROM audit_log_state) AS size FROM audit_entries',
  )
  t.same(stats, { n: 402, d: 402, max: 401, size: 402 }, 'every entry once, no gap')
})

t.test('a damaged hash store stops the batch before anything is written', async (t) => {
  const ctx = await auditTestApp(t, { sequencer: false })
  const sequencer = createSequencer({ pool: ctx.database.pool, sealer: ctx.sealer, logger: ctx.app.log as never })
  await ctx.append(40)
  t.match(await sequencer.runBatch(), { kind: 'sequenced', treeSize: 42 })
  await ctx.database.pool.query(
    'UPDATE audit_log_hashes SET hashes = substring(hashes FROM 1 FOR 32) WHERE strip = (SELECT max(strip) FROM audit_log_hashes)',
  )
  await ctx.append(5)
  await t.rejects(sequencer.runBatch(), { code: 'AUDIT_HASH_MISSING' })
  const {
    rows: [state],
  } = await ctx.database.pool.query(
    'SELECT tree_size, (SELECT count(*)::int FROM audit_entries WHERE log_index IS NULL) AS pending FROM audit_log_state',
  )
  t.same(state, { tree_size: 42, pending: 5 }, 'the batch rolled back whole')
})

t.test('waiting for an entry that nobody sequences times out with a typed error', async (t) => {
  const ctx = await auditTestApp(t, { sequencer: false })
  await ctx.append(1)
  await t.rejects(waitForSequenced(ctx.database.pool, undefined, { timeoutMs: 50 }), { code: 'AUDIT_NOT_SEQUENCED' })
})
