import pg from 'pg'
import t, { type Test } from 'tap'
import { RootBuilder } from '../../src/tlog/root-builder.ts'
import { recordHash, storedHashCount } from '../../src/tlog/tlog.ts'
import { waitForSequenced } from '../../src/audit/wait.ts'
import { EXAMPLE_DIRECTORY } from '../../src/dev/dev-mode.ts'
import { readDirectoryFile } from '../../src/directory/directory-file.ts'
import { commitChange } from '../../src/state/commit.ts'
import { gatewayEnv } from '../helpers/gateway-env.ts'
import { runCli, startGateway, type RunningGateway } from '../helpers/process.ts'

type TestContext = Test

/** The example directory on a fresh database, a real IdP, and gateway processes on them. */
async function setup(t: TestContext) {
  const { pool, idp, env } = await gatewayEnv(t, await readDirectoryFile(EXAMPLE_DIRECTORY))
  const gateway = async () => {
    const g = await startGateway(env)
    t.teardown(() => (g.child.exitCode === null && g.child.signalCode === null ? g.stop() : undefined))
    return g
  }
  const verifyFull = async (g: RunningGateway) => {
    const key = (await (await fetch(`${g.url}/v1/audit/key`)).json()).keys[0].verifier_key
    return runCli(['audit', 'verify', '--url', g.url, '--key', key, '--full'], { HOTLINE_GATEWAY_TOKEN: await idp.tokenFor('example-auditor') })
  }
  return { pool, idp, gateway, verifyFull }
}

/** Entries written as the app writes them, straight into the shared database. */
async function appendEntries(pool: pg.Pool, transactions: number, perTransaction: number): Promise<void> {
  for (let i = 0; i < transactions; i++) {
    await commitChange(pool, async () => ({
      result: undefined,
      audit: Array.from({ length: perTransaction }, (_, n) => ({ type: 'test.event', at: new Date().toISOString(), batch: i, n })),
    }))
  }
}

/** The log in the database is one tree: contiguous indexes, every checkpoint a prefix root of it. */
async function assertOneTree(t: TestContext, pool: pg.Pool): Promise<number> {
  const {
    rows: [stats],
  } = await pool.query(`SELECT count(*)::int AS n, count(DISTINCT log_index)::int AS distinct_indexes,
    min(log_index) AS min, max(log_index) AS max, count(*) FILTER (WHERE log_index IS NULL)::int AS unsequenced,
    (SELECT tree_size FROM audit_log_state) AS tree_size, (SELECT sum(length(hashes))::int / 32 FROM audit_log_hashes) AS hashes FROM audit_entries`)
  t.match(
    stats,
    { n: stats.tree_size, distinct_indexes: stats.tree_size, min: 0, max: stats.tree_size - 1, unsequenced: 0 },
    'indexes 0..n-1, each once, none left',
  )
  t.equal(stats.hashes, storedHashCount(stats.tree_size), 'exactly the stored hashes of a tree of that size')
  const { rows: checkpoints } = await pool.query<{ tree_size: number; root_hash: Buffer }>(
    'SELECT tree_size, root_hash FROM audit_checkpoints ORDER BY tree_size',
  )
  const { rows: entries } = await pool.query<{ entry: Buffer }>('SELECT entry FROM audit_entries ORDER BY log_index')
  const builder = new RootBuilder()
  let next = 0
  const wrong: number[] = []
  for (const { tree_size, root_hash } of checkpoints) {
    while (builder.size < tree_size) builder.add(recordHash(entries[next++]!.entry))
    if (!builder.root().equals(root_hash)) wrong.push(tree_size)
  }
  t.same(wrong, [], `all ${checkpoints.length} checkpoints are roots of prefixes of the same entries`)
  return stats.tree_size
}

t.test('two gateway processes on one database, appending concurrently, build one tree', async (t) => {
  const { pool, idp, gateway, verifyFull } = await setup(t)
  const [a, b] = await Promise.all([gateway(), gateway()])
  const admin = { authorization: `Bearer ${await idp.tokenFor('gateway-admin')}`, 'content-type': 'application/json' }
  const participant = (i: number) => ({
    id: 'be-hotline',
    name: `Example Hotline Belgium ${i}`,
    kind: 'hotline',
    countries: ['BE'],
    delivery: { mode: 'push', endpoint: 'https://hotline-be.example.org/gateway/inbox' },
    formats: ['canonical_v1'],
    clients: ['be-hotline'],
  })
  // Directory edits through both processes' HTTP APIs, while bulk entries land in the same table.
  const edits = Array.from({ length: 40 }, (_, i) => i)
  const results = await Promise.all([
    ...[0, 1, 2, 3].map(async (lane) => {
      const statuses: number[] = []
      for (const i of edits.filter((e) => e % 4 === lane)) {
        const g = i % 2 === 0 ? a : b
        const res = await fetch(`${g.url}/v1/directory/participants/be-hotline`, {
          method: 'PUT',
          headers: admin,
          body: JSON.stringify(participant(i)),
        })
        statuses.push(res.status)
      }
      return statuses
    }),
    appendEntries(pool, 30, 200).then(() => []),
  ])
  t.same(
    results.flat().filter((s) => s !== 200),
    [],
    'every edit was published',
  )
  const size = await waitForSequenced(pool, undefined, { timeoutMs: 60_000 })
  // the example directory, two key publications (receipt and checkpoint keys, at first start), 40 edits, 6000 bulk entries
  t.equal(size, 1 + 2 + 40 + 6000)
  await assertOneTree(t, pool)
  const verified = await verifyFull(b)
  t.equal(verified.code, 0, verified.stderr)
  t.match(verified.stdout, /OK: .* at tree size 6043 verifies/)
})

t.test('SIGKILL while sequencing loses nothing and leaves no gap', async (t) => {
  const { pool, gateway, verifyFull } = await setup(t)
  const first = await gateway()
  const {
    rows: [{ tree_size: before }],
  } = await pool.query('SELECT tree_size FROM audit_log_state')
  const total = before + 20_000
  await appendEntries(pool, 4, 5000)
  let size = before
  while (size === before) size = (await pool.query('SELECT tree_size FROM audit_log_state')).rows[0].tree_size
  const killed = await first.stop('SIGKILL')
  t.equal(killed.signal, 'SIGKILL')
  const {
    rows: [mid],
  } = await pool.query('SELECT tree_size FROM audit_log_state')
  t.ok(mid.tree_size > before && mid.tree_size < total, `killed mid-way: ${mid.tree_size} of ${total} sequenced`)

  const second = await gateway()
  t.equal(await waitForSequenced(pool, undefined, { timeoutMs: 60_000 }), total, 'the restarted gateway sequenced the rest')
  t.equal(await assertOneTree(t, pool), total)
  const verified = await verifyFull(second)
  t.equal(verified.code, 0, verified.stderr)
})
