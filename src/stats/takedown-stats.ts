import type pg from 'pg'
import type { OperationHandlers } from '../http/operations.ts'
import { GatewayError } from '../errors/gateway-error.ts'
import { REMOVAL_STATUSES } from '../handoffs/takedown-status.ts'

/** The longest period one request may cover: a year (and a leap day), what an annual report needs. */
const MAX_RANGE_MS = 366 * 86_400_000

// One pass over the handoffs of the reports received in [from, to): each with the times from intake
// (the report's received_at) to its receipt, its first assessment and its first removal (statuses'
// occurred_at, as the destination signed them), grouped by destination, by hosting country (the
// routing facts of the first of its items whose country is known) and over all.
const STATS = `
  WITH h AS (
    SELECT h.participant_id AS destination,
           coalesce((SELECT f->>'hosting_country' FROM jsonb_array_elements(d.decision->'facts'->'items') f
                      WHERE f ? 'hosting_country' AND h.items @> to_jsonb((f->>'index')::int)
                      ORDER BY (f->>'index')::int LIMIT 1), 'unknown') AS country,
           extract(epoch FROM h.received_at - r.received_at) AS receipt,
           extract(epoch FROM (SELECT min(s.occurred_at) FROM handoff_statuses s WHERE s.handoff_id = h.id AND s.status = 'assessed')
                              - r.received_at) AS assessment,
           extract(epoch FROM (SELECT min(s.occurred_at) FROM handoff_statuses s WHERE s.handoff_id = h.id AND s.status = ANY($3::text[]))
                              - r.received_at) AS removal
      FROM handoffs h JOIN reports r ON r.id = h.report_id LEFT JOIN routing_decisions d ON d.report_id = h.report_id
     WHERE r.received_at >= $1 AND r.received_at < $2 AND h.state NOT IN ('withdrawn', 'failed'))
  -- grouping(x) is 1 where x was aggregated away: a destination's row has country aggregated away
  SELECT grouping(destination) = 1 AS by_country, grouping(country) = 1 AS by_destination, destination, country, count(*)::int AS handoffs,
         count(receipt)::int AS receipt_n, percentile_cont(0.5) WITHIN GROUP (ORDER BY receipt) AS receipt_p50,
         percentile_cont(0.9) WITHIN GROUP (ORDER BY receipt) AS receipt_p90,
         count(assessment)::int AS assessment_n, percentile_cont(0.5) WITHIN GROUP (ORDER BY assessment) AS assessment_p50,
         percentile_cont(0.9) WITHIN GROUP (ORDER BY assessment) AS assessment_p90,
         count(removal)::int AS removal_n, percentile_cont(0.5) WITHIN GROUP (ORDER BY removal) AS removal_p50,
         percentile_cont(0.9) WITHIN GROUP (ORDER BY removal) AS removal_p90
    FROM h
   GROUP BY GROUPING SETS ((destination), (country), ())
   ORDER BY destination NULLS LAST, country NULLS LAST`

type StatsRow = Record<string, number | string | null>

/** How many handoffs reached a step, and the median and 90th percentile of the time it took, in seconds. */
function durations(row: StatsRow, step: 'receipt' | 'assessment' | 'removal') {
  const seconds = (value: unknown) => (value === null ? null : Math.round(Number(value) * 1000) / 1000)
  return { count: row[`${step}_n`] as number, median_seconds: seconds(row[`${step}_p50`]), p90_seconds: seconds(row[`${step}_p90`]) }
}

function figures(row: StatsRow) {
  return {
    handoffs: row.handoffs as number,
    to_receipt: durations(row, 'receipt'),
    to_assessment: durations(row, 'assessment'),
    to_removal: durations(row, 'removal'),
  }
}

/** Takedown statistics for operators and auditors: aggregates only, never a report or a URL. */
export function createTakedownStats({ pool }: { pool: pg.Pool }) {
  async function compute(from: Date, to: Date) {
    if (to.getTime() <= from.getTime()) throw rangeError('/to', 'must be after from')
    if (to.getTime() - from.getTime() > MAX_RANGE_MS) throw rangeError('/to', 'must be at most 366 days after from')
    const { rows } = await pool.query<StatsRow>(STATS, [from, to, REMOVAL_STATUSES])
    const all = rows.find((r) => r.by_country && r.by_destination)
    return {
      from: from.toISOString(),
      to: to.toISOString(),
      total: all ? figures(all) : figures({ handoffs: 0, receipt_n: 0, assessment_n: 0, removal_n: 0 } as StatsRow),
      by_destination: rows.filter((r) => r.by_destination && !r.by_country).map((r) => ({ destination: r.destination, ...figures(r) })),
      by_hosting_country: rows.filter((r) => r.by_country && !r.by_destination).map((r) => ({ hosting_country: r.country, ...figures(r) })),
    }
  }
  return { compute }
}

/** A period the statistics cannot be asked for; the answer names the query parameter. */
class StatsQueryError extends GatewayError<'STATS_QUERY_INVALID'> {}

function rangeError(pointer: string, message: string) {
  return new StatsQueryError('STATS_QUERY_INVALID', `query ${pointer.slice(1)} ${message}`, { fieldErrors: [{ in: 'query', pointer, message }] })
}

export function statsHandlers(stats: ReturnType<typeof createTakedownStats>): OperationHandlers {
  return {
    getTakedownStats: async (request) => {
      const { from, to } = request.query as { from: string; to: string }
      return stats.compute(new Date(from), new Date(to))
    },
  }
}
