import type pg from 'pg'
import { isDatabaseUnavailable } from './unavailable.ts'

/**
 * Runs `work` in one transaction on one connection. Every state change in the gateway goes through
 * here, so that the audit entry and outbox row written beside it commit or vanish together.
 */
export async function withTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect()
  let result: T
  try {
    await client.query('BEGIN')
    result = await work(client)
    await client.query('COMMIT')
  } catch (error) {
    // A lost or stalled connection: a ROLLBACK would only wait out another timeout, and discarding
    // the connection ends the transaction on the server all the same. A connection that cannot even
    // roll back is discarded too, never handed out again.
    const rolledBack =
      !isDatabaseUnavailable(error) &&
      (await client.query('ROLLBACK').then(
        () => true,
        () => false,
      ))
    client.release(rolledBack ? undefined : (error as Error))
    throw error
  }
  client.release()
  return result
}
