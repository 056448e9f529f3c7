import { randomBytes } from 'node:crypto'
import pg from 'pg'
import tap from 'tap'

const ADMIN_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'

interface Teardown {
  teardown(fn: () => unknown): void
}

/**
 * A fresh, empty database on the local server for one test file (or one test), dropped afterwards,
 * so test files run in parallel without seeing each other's rows. The drop waits for the end of the
 * whole file: by then every test's own teardown has closed its connections, so WITH (FORCE) never
 * kills a connection a test still holds (which surfaced as an unhandled pool error).
 */
export async function createTestDatabase(_t: Teardown): Promise<string> {
  const name = `hg_test_${randomBytes(6).toString('hex')}`
  await admin(`CREATE DATABASE ${name}`)
  tap.teardown(() => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`))
  const url = new URL(ADMIN_URL)
  url.pathname = `/${name}`
  return url.href
}

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: ADMIN_URL })
  await client.connect()
  try {
    await client.query(sql)
  } finally {
    await client.end()
  }
}
