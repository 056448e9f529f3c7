import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client'

/**
 * What this process did and how it runs: counters and histograms of its own work, and Node's
 * default metrics (event-loop lag, CPU, memory, GC). Prometheus scrapes every process and sums these
 * over instances; nothing here is shared between processes. What the database holds (handoffs by
 * state, the audit log) is read at scrape time instead (metrics-snapshot.ts), so it is the same truth
 * from whichever process answers.
 */
export const processMetrics = new Registry()
collectDefaultMetrics({ register: processMetrics })

/** Seconds, from a fast push to an hour-long outage ridden out by retries. */
const DELIVERY_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 21600, 86400]

export const reportsTotal = new Counter({
  name: 'hg_reports_total',
  help: 'Reports submitted to this process, by channel and outcome (accepted, duplicate, replayed, conflict)',
  labelNames: ['channel', 'outcome'] as const,
  registers: [processMetrics],
})

export const routingDecisionsTotal = new Counter({
  name: 'hg_routing_decisions_total',
  help: 'Destinations chosen by routing in this process, by the rule that chose them',
  labelNames: ['rule'] as const,
  registers: [processMetrics],
})

export const pushAttemptsTotal = new Counter({
  name: 'hg_push_attempts_total',
  help: 'Push deliveries tried by this process, by kind (handoff, retraction) and result (sent, failed: retried later)',
  labelNames: ['kind', 'result'] as const,
  registers: [processMetrics],
})

export const deadLettersTotal = new Counter({
  name: 'hg_dead_letters_total',
  help: 'Handoffs this process gave up pushing (DELIVERY_MAX_AGE_MS passed): dead letters',
  registers: [processMetrics],
})

export const escalationsTotal = new Counter({
  name: 'hg_escalations_total',
  help: 'Urgent handoffs this process escalated for want of a receipt within URGENT_ACK_MS',
  registers: [processMetrics],
})

export const deliveryLatency = new Histogram({
  name: 'hg_delivery_latency_seconds',
  help: 'From a handoff being signed to its push being answered 2xx (pushes made by this process)',
  buckets: DELIVERY_BUCKETS,
  registers: [processMetrics],
})

export const intakeToReceipt = new Histogram({
  name: 'hg_intake_to_receipt_seconds',
  help: "From a report's intake to its destination's signed receipt, per handoff (receipts taken by this process)",
  buckets: DELIVERY_BUCKETS,
  registers: [processMetrics],
})
