// Audit-log test helpers: a test app with a running sequencer, entries written the way the app
// writes them (commitChange), and reads as the example auditor.
import type { LightMyRequestResponse } from 'fastify'
import type { AddressInfo } from 'node:net'
import pg from 'pg'
import { startSequencer, type RunningSequencer, type SequencerOptions } from '../../src/audit/sequencer.ts'
import { waitForSequenced } from '../../src/audit/wait.ts'
import { createSealer, type Sealer } from '../../src/crypto/sealer.ts'
import { commitChange } from '../../src/state/commit.ts'
import { buildTestApp, type TestApp, type TestAppOptions } from '../helpers/app.ts'

interface TestContext {
  teardown(fn: () => unknown): void
}

export interface AuditTestApp extends TestApp {
  sealer: Sealer
  sequencer: RunningSequencer | undefined
  /** Waits until every entry written so far has its place in the log; the tree size. */
  settle(): Promise<number>
  /** n audit entries through commitChange, as the app writes them, in one transaction. */
  append(n: number, tag?: string): Promise<void>
  /** GET as the example auditor. */
  get(url: string): Promise<LightMyRequestResponse>
  /** The log's verifier key, from GET /v1/audit/key. */
  verifierKey(): Promise<string>
  /** Listens on a loopback port (for the CLI): the base URL. */
  listen(): Promise<string>
}

export async function auditTestApp(
  t: TestContext,
  options: TestAppOptions & { sequencer?: false | Partial<SequencerOptions> } = {},
): Promise<AuditTestApp> {
  const ctx = await buildTestApp(t, options)
  const pool = ctx.database.pool
  const sealer = createSealer(Buffer.from(ctx.config.encryptionKey!, 'base64'))
  let sequencer: RunningSequencer | undefined
  if (options.sequencer !== false) {
    sequencer = await startSequencer({ pool, sealer, logger: ctx.app.log as never, intervalMs: 10, ...options.sequencer })
    // registered after the app's teardown, so it runs first: the pool is still open
    t.teardown(() => sequencer!.stop())
  }
  let counter = 0
  return {
    ...ctx,
    sealer,
    sequencer,
    settle: () => waitForSequenced(pool, undefined, { timeoutMs: 30_000 }),
    async append(n, tag = 'test') {
      await commitChange(pool, async () => ({
        result: undefined,
        audit: Array.from({ length: n }, () => ({ type: 'test.event', at: new Date().toISOString(), tag, n: counter++ })),
      }))
    },
    get: async (url) => ctx.app.inject({ method: 'GET', url, headers: await ctx.auth('example-auditor') }),
    async verifierKey() {
      const res = await ctx.app.inject({ method: 'GET', url: '/v1/audit/key' })
      return res.json().keys[0].verifier_key
    },
    async listen() {
      await ctx.app.listen({ host: '127.0.0.1', port: 0 })
      return `http://127.0.0.1:${(ctx.app.server.address() as AddressInfo).port}`
    },
  }
}

/** A separate connection to the test database, as an attacker with database access would have. */
export async function attacker(t: TestContext, databaseUrl: string): Promise<pg.Client> {
  const client = new pg.Client(databaseUrl)
  await client.connect()
  t.teardown(() => client.end())
  return client
}
