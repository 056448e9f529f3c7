import { markup, type Html } from '../pages/html.ts'

/**
 * Charts drawn on the server as inline SVG: no script, no third-party library, readable without
 * colour (a text summary and a table go with each). Presentation attributes only, no style attributes,
 * so the pages' strict CSP holds.
 */
export interface Point {
  x: number
  y: number
}

const WIDTH = 640
const HEIGHT = 220
const PAD = { left: 56, right: 16, top: 12, bottom: 36 }

/** A line chart of a growing quantity over time (the log's size at each checkpoint). */
export function lineChart(title: string, points: Point[], labelX: (x: number) => string, labelY: (y: number) => string): Html {
  if (points.length < 2) return markup`<p>Not enough data for a chart yet.</p>`
  const xs = points.map((p) => p.x)
  const ys = points.map((p) => p.y)
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)]
  const y1 = Math.max(...ys, 1)
  const sx = (x: number) => PAD.left + ((x - x0) / (x1 - x0 || 1)) * (WIDTH - PAD.left - PAD.right)
  const sy = (y: number) => HEIGHT - PAD.bottom - (y / y1) * (HEIGHT - PAD.top - PAD.bottom)
  const path = points.map((p, i) => `${i === 0 ? 'M' : 'L'}${sx(p.x).toFixed(1)},${sy(p.y).toFixed(1)}`).join(' ')
  return markup`<svg class="chart" role="img" aria-label="${title}" viewBox="0 0 ${WIDTH} ${HEIGHT}" xmlns="http://www.w3.org/2000/svg">
    <title>${title}</title>
    ${axes()}
    <text x="${PAD.left - 6}" y="${sy(y1) + 4}" text-anchor="end">${labelY(y1)}</text>
    <text x="${PAD.left - 6}" y="${sy(0) + 4}" text-anchor="end">0</text>
    <text x="${PAD.left}" y="${HEIGHT - 12}">${labelX(x0)}</text>
    <text x="${WIDTH - PAD.right}" y="${HEIGHT - 12}" text-anchor="end">${labelX(x1)}</text>
    <path d="${path}" fill="none" stroke="currentColor" stroke-width="2"/>
  </svg>`
}

/** A bar chart of counts per bucket (takedown times). */
export function barChart(title: string, bars: Array<{ label: string; count: number }>): Html {
  const max = Math.max(...bars.map((b) => b.count), 1)
  const slot = (WIDTH - PAD.left - PAD.right) / Math.max(bars.length, 1)
  const sy = (y: number) => HEIGHT - PAD.bottom - (y / max) * (HEIGHT - PAD.top - PAD.bottom)
  return markup`<svg class="chart" role="img" aria-label="${title}" viewBox="0 0 ${WIDTH} ${HEIGHT}" xmlns="http://www.w3.org/2000/svg">
    <title>${title}</title>
    ${axes()}
    <text x="${PAD.left - 6}" y="${sy(max) + 4}" text-anchor="end">${max}</text>
    ${bars.map((bar, i) => {
      const x = PAD.left + i * slot + slot * 0.15
      return markup`<rect x="${x.toFixed(1)}" y="${sy(bar.count).toFixed(1)}" width="${(slot * 0.7).toFixed(1)}" height="${(HEIGHT - PAD.bottom - sy(bar.count)).toFixed(1)}" fill="currentColor"/>
        <text x="${(x + slot * 0.35).toFixed(1)}" y="${HEIGHT - 12}" text-anchor="middle">${bar.label}</text>`
    })}
  </svg>`
}

function axes(): Html {
  return markup`<line x1="${PAD.left}" y1="${HEIGHT - PAD.bottom}" x2="${WIDTH - PAD.right}" y2="${HEIGHT - PAD.bottom}" stroke="currentColor"/>
    <line x1="${PAD.left}" y1="${PAD.top}" x2="${PAD.left}" y2="${HEIGHT - PAD.bottom}" stroke="currentColor"/>`
}
