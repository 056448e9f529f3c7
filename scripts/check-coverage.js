#!/usr/bin/env node
// The coverage floor: tap writes the whole run's coverage summary (its `json-summary` report); each
// total must stay at or above scripts/coverage-floor.json. Raise the floor when coverage rises; never lower it.
import { readFileSync } from 'node:fs'

const summaryFile = new URL('../.tap/report/coverage-summary.json', import.meta.url)
const floor = JSON.parse(readFileSync(new URL('./coverage-floor.json', import.meta.url), 'utf8'))
let total
try {
  total = JSON.parse(readFileSync(summaryFile, 'utf8')).total
} catch (error) {
  console.error(`coverage: no summary at .tap/report/coverage-summary.json (${error.message}); run the tests with tap first (npm test)`)
  process.exit(1)
}
const below = []
for (const [measure, minimum] of Object.entries(floor).filter(([key]) => !key.startsWith('$'))) {
  const pct = total[measure]?.pct ?? 0
  console.log(`coverage: ${measure} ${pct}% (floor ${minimum}%)`)
  if (pct < minimum) below.push(`${measure} ${pct}% < ${minimum}%`)
}
if (below.length > 0) {
  console.error(
    `coverage fell below its floor: ${below.join(', ')}. Add tests for what the change left uncovered (tap report text shows which lines).`,
  )
  process.exit(1)
}
