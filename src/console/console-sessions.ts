import { createHash, randomBytes } from 'node:crypto'
import type pg from 'pg'

/** Who is logged in to the console: the participant they act for, as their access token said at login. */
export interface ConsoleSession {
  participantId: string
  clientId: string
  subject: string
  scopes: string[]
  expiresAt: Date
  /** Proves a console form was rendered for this session (sent back in a hidden field). */
  formToken: string
}

/** An operator's working day; after it they log in again. */
export const SESSION_HOURS = 8

const hash = (id: string) => createHash('sha256').update(id).digest()
const formTokenOf = (id: string) => createHash('sha256').update(`console-form:${id}`).digest('base64url')

/** Sessions in PostgreSQL: every gateway process sees the same ones; a cookie holds only a random id. */
export function createConsoleSessions(pool: pg.Pool) {
  return {
    async open(facts: Omit<ConsoleSession, 'expiresAt' | 'formToken'>): Promise<{ id: string; session: ConsoleSession }> {
      const id = randomBytes(32).toString('base64url')
      const expiresAt = new Date(Date.now() + SESSION_HOURS * 3600_000)
      await pool.query(
        `INSERT INTO console_sessions (id_hash, participant_id, client_id, subject, scopes, expires_at) VALUES ($1, $2, $3, $4, $5, $6)`,
        [hash(id), facts.participantId, facts.clientId, facts.subject, facts.scopes, expiresAt],
      )
      // expired sessions go now and then, not on every login
      if (Math.random() < 0.05) await pool.query('DELETE FROM console_sessions WHERE expires_at < now()')
      return { id, session: { ...facts, expiresAt, formToken: formTokenOf(id) } }
    },
    async find(id: string | undefined): Promise<ConsoleSession | undefined> {
      if (!id || !/^[A-Za-z0-9_-]{43}$/.test(id)) return undefined
      const { rows } = await pool.query(
        `SELECT participant_id, client_id, subject, scopes, expires_at FROM console_sessions WHERE id_hash = $1 AND expires_at > now()`,
        [hash(id)],
      )
      const row = rows[0]
      if (!row) return undefined
      return {
        participantId: row.participant_id,
        clientId: row.client_id,
        subject: row.subject,
        scopes: row.scopes,
        expiresAt: row.expires_at,
        formToken: formTokenOf(id),
      }
    },
    async close(id: string | undefined): Promise<void> {
      if (id) await pool.query('DELETE FROM console_sessions WHERE id_hash = $1', [hash(id)])
    },
  }
}

export type ConsoleSessions = ReturnType<typeof createConsoleSessions>
