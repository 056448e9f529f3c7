import type { FastifyInstance } from 'fastify'

/** `name{labels} value` lines of a Prometheus text exposition, by series (name plus labels as written). */
export function samples(text: string): Map<string, number> {
  const series = new Map<string, number>()
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue
    const at = line.lastIndexOf(' ')
    series.set(line.slice(0, at), Number(line.slice(at + 1)))
  }
  return series
}

/** The series of GET /metrics, scraped as the example directory's operator. */
export async function scrapeMetrics(ctx: {
  app: FastifyInstance
  auth(clientId: string): Promise<{ authorization: string }>
}): Promise<Map<string, number>> {
  const res = await ctx.app.inject({ method: 'GET', url: '/metrics', headers: await ctx.auth('gateway-operator') })
  if (res.statusCode !== 200) throw new Error(`GET /metrics answered ${res.statusCode}`)
  return samples(res.body)
}

/** How much each series grew between two scrapes (absent counts as 0). */
export function growth(before: Map<string, number>, after: Map<string, number>) {
  return (series: string) => (after.get(series) ?? 0) - (before.get(series) ?? 0)
}
