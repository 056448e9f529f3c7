import type pg from 'pg'
import { createGroupCommit } from '../db/group-commit.ts'

export interface IntakeRow {
  row: Record<string, unknown>
  keys: string[]
  entries: Buffer[]
}

// what intake_reports answers per report: checked where it is read (intake-service `outcome`)
type Result = Record<string, any> // eslint-disable-line @typescript-eslint/no-explicit-any

/** One API batch (at most 100 reports) fits in one call. */
const MAX_BATCH = 100
const RETRYABLE = new Set(['40P01', '40001']) // deadlock detected, serialization failure

/**
 * Groups the reports submitted in the same event-loop turn into one call of intake_reports: one
 * round trip and one commit for all of them. A report waits for nothing but its neighbours' work;
 * each caller gets its own result only after the batch has committed. Two batches holding keys of
 * the same material can deadlock; PostgreSQL then aborts one whole batch, which is simply run again
 * (nothing of it was committed, and it carries the same ids).
 */
export function createIntakeBatcher(pool: pg.Pool, onRetry: (error: Error, attempt: number) => void = () => undefined) {
  async function run(items: IntakeRow[], attempt = 1): Promise<Result[]> {
    try {
      const { rows } = await pool.query('SELECT intake_reports($1, $2, $3) AS results', [
        JSON.stringify(items.map((i) => i.row)),
        JSON.stringify(items.map((i) => i.keys)),
        JSON.stringify(items.map((i) => i.entries.map((e) => e.toString('base64')))),
      ])
      return rows[0].results
    } catch (error) {
      if (attempt < 5 && RETRYABLE.has((error as { code?: string }).code ?? '')) {
        onRetry(error as Error, attempt)
        return run(items, attempt + 1)
      }
      throw error
    }
  }
  return createGroupCommit((items: IntakeRow[]) => run(items), MAX_BATCH)
}
