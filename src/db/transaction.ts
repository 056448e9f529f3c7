import type pg from 'pg'

/**
 * Runs `work` in one transaction on one connection. Every state change in the gateway goes through
 * here, so that the audit entry and outbox row written beside it commit or vanish together.
 */
export async function withTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect()
  try {
    await client.query('BEGIN')
    const result = await work(client)
    await client.query('COMMIT')
    return result
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined)
    throw error
  } finally {
    client.release()
  }
}
