import type pg from 'pg'

/**
 * A store for @fastify/rate-limit whose count of record is in PostgreSQL, so the limit holds across
 * every gateway process. A process leases a chunk of the window's budget at a time (one round trip
 * per chunk, not per request) and spends it locally; a claim never takes the shared count past the
 * limit, so all processes together never admit more than the limit. Chunks are 1% of the limit
 * (at least 1): at most that much per process goes unused when a window ends.
 */
export function pgRateLimitStore(pool: pg.Pool) {
  const leases = new Map<string, { window: number; remaining: number; used: number }>()
  let claims = 0

  async function claim(key: string, window: number, want: number, max: number): Promise<number> {
    const { rows } = await pool.query(
      `INSERT INTO rate_limits AS r (key, window_start, hits, granted) VALUES ($1, $2, LEAST($3::int, $4::int), LEAST($3::int, $4::int))
       ON CONFLICT (key, window_start) DO UPDATE
         SET hits = LEAST(r.hits + $3, $4), granted = LEAST(r.hits + $3, $4) - r.hits
       RETURNING granted`,
      [key, window, want, max],
    )
    if (++claims % 1000 === 0) void pool.query('DELETE FROM rate_limits WHERE window_start < $1', [window - 3_600_000]).catch(() => undefined)
    return rows[0].granted as number
  }

  async function take(key: string, timeWindow: number, max: number): Promise<{ current: number; ttl: number }> {
    const now = Date.now()
    const window = Math.floor(now / timeWindow) * timeWindow
    const ttl = window + timeWindow - now
    let lease = leases.get(key)
    if (!lease || lease.window !== window) {
      if (leases.size > 10_000) leases.clear()
      lease = { window, remaining: 0, used: 0 }
      leases.set(key, lease)
    }
    if (lease.remaining === 0) {
      // Added after the await, not assigned (nor `+= await`, which reads the old value first):
      // requests of this process that claimed at the same time each add their chunk to the one
      // lease, so every unit charged to the shared count can be spent.
      const granted = await claim(key, window, Math.max(1, Math.floor(max / 100)), max)
      lease.remaining += granted
    }
    if (lease.remaining === 0) return { current: max + 1, ttl }
    lease.remaining--
    lease.used++
    return { current: Math.min(max, lease.used), ttl }
  }

  return class PgStore {
    // @fastify/rate-limit passes the route's window and limit as extra arguments (its types omit them)
    incr(key: string, callback: (error: Error | null, result?: { current: number; ttl: number }) => void, timeWindow = 60_000, max = 1) {
      take(key, timeWindow, max).then(
        (result) => callback(null, result),
        (error) => callback(error),
      )
    }
    child() {
      return new PgStore()
    }
  }
}
