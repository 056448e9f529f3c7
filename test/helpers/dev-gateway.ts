import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { readDevSession, type DevSession } from '../../src/receiver/dev-session.ts'
import { devTokenSource } from '../../src/receiver/dev-tokens.ts'
import { createTestDatabase } from './database.ts'
import { startGateway, until } from './process.ts'

/**
 * `npm start` as a partner tries it: a gateway process in development mode (its own issuer, the example
 * directory) on a fresh database, DATA_DIR a new temporary directory; once it has said how partners join.
 */
export async function startDevGateway(t: { teardown(fn: () => unknown): void }) {
  const dataDir = await mkdtemp(join(tmpdir(), 'hg-dev-'))
  const env = { DATABASE_URL: await createTestDatabase(t), DATA_DIR: dataDir, NODE_ENV: 'development' }
  const gateway = await startGateway(env)
  t.teardown(() => gateway.stop())
  await until('the start-up output', async () => /Partners in development/.test(gateway.stderr()))
  return { gateway, dataDir, env, session: (await readDevSession(dataDir))! }
}

/** Calls a development gateway as `client`, with a token from its development issuer (as the partner CLI gets them). */
export function devCaller(session: DevSession, client: string) {
  const token = devTokenSource(session, client)
  return async (method: string, path: string, body?: object): Promise<{ status: number; body: any }> => {
    const res = await fetch(new URL(path, session.gateway), {
      method,
      headers: { authorization: `Bearer ${await token()}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    })
    return { status: res.status, body: await res.json() }
  }
}
