import pg from 'pg'
import type { Logger } from 'pino'
import type { Database } from '../db/database.ts'

/** The channel every signing batch NOTIFYs, once per destination it made handoffs available to. */
const INBOX_CHANNEL = 'hg_inbox'

// Inbox places are handed out in commit order (migration 0018): whoever hands them out takes this lock
// for the last few milliseconds of its transaction, so a cursor never passes a place committed later.
const PLACES_LOCK = 7_212_410_010

/** In a transaction about to give inbox places: takes the places lock; at commit, wakes `participants`' long polls. */
export async function givePlaces(tx: pg.ClientBase, participants: string[]): Promise<void> {
  await tx.query('SELECT pg_advisory_xact_lock($1)', [PLACES_LOCK])
  await tx.query(`SELECT pg_notify('${INBOX_CHANNEL}', p) FROM unnest($1::text[]) AS p`, [participants])
}

export interface InboxSignals {
  /**
   * Starts listening for `participant` now (before the caller looks at its inbox, so that nothing
   * signed in between is missed); `until` resolves at the first signal or at the deadline.
   */
  subscribe(participant: string): { until(deadline: number): Promise<void>; cancel(): void }
  /** Signals in this process (embedded PGlite, whose single connection cannot LISTEN beside the pool). */
  signal(participants: Iterable<string>): void
  /** Releases every waiter and stops listening. */
  close(): Promise<void>
}

/**
 * Wake-ups for long-polling inbox requests. With PostgreSQL one connection per process LISTENs on
 * hg_inbox, so a handoff signed by any process wakes the waiters of every process; when that connection
 * drops it is made again, and every waiter is woken to look again in case a signal was missed.
 */
export function createInboxSignals(options: { database: Database; logger: Logger }): InboxSignals {
  const waiters = new Map<string, Set<() => void>>()
  let listener: pg.Client | undefined
  let connecting: Promise<void> | undefined
  let closed = false
  let retry: NodeJS.Timeout | undefined

  function wake(participant: string): void {
    for (const resolve of waiters.get(participant) ?? []) resolve()
  }
  function wakeAll(): void {
    for (const participant of waiters.keys()) wake(participant)
  }

  function listen(): void {
    if (closed || options.database.kind !== 'postgres' || listener || connecting) return
    const client = new pg.Client(options.database.pool.options)
    const lost = (error?: Error) => {
      if (listener !== client) return
      listener = undefined
      client.end().catch(() => undefined)
      if (closed) return
      options.logger.warn({ err: error }, 'inbox listener lost its connection; reconnecting')
      retry = setTimeout(listen, 1_000)
      retry.unref()
      wakeAll()
    }
    client.on('notification', (message) => message.payload && wake(message.payload))
    client.on('error', lost)
    client.on('end', () => lost())
    listener = client
    connecting = client
      .connect()
      .then(() => client.query(`LISTEN ${INBOX_CHANNEL}`))
      .then(() => wakeAll()) // anything signed before LISTEN took effect: look again
      .catch((error: Error) => lost(error))
      .finally(() => (connecting = undefined))
  }

  return {
    subscribe(participant) {
      listen()
      let resolveNow: () => void = () => undefined
      const signalled = new Promise<void>((resolve) => (resolveNow = resolve))
      const set = waiters.get(participant) ?? new Set()
      waiters.set(participant, set.add(resolveNow))
      const cancel = () => {
        set.delete(resolveNow)
        if (set.size === 0 && waiters.get(participant) === set) waiters.delete(participant)
      }
      return {
        async until(deadline) {
          if (closed) return
          let timer: NodeJS.Timeout | undefined
          const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, Math.max(0, deadline - Date.now()))))
          await Promise.race([signalled, timeout])
          clearTimeout(timer)
        },
        cancel,
      }
    },
    signal(participants) {
      for (const participant of participants) wake(participant)
    },
    async close() {
      closed = true
      clearTimeout(retry)
      wakeAll()
      const client = listener
      listener = undefined
      await client?.end().catch(() => undefined)
    },
  }
}
