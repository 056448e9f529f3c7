/**
 * A small RFC 9110 Accept check: does any media range the client accepts (with q > 0) cover one of
 * the types we can produce? No header means anything goes.
 */
export function acceptsAny(header: string | undefined, produces: string[]): boolean {
  if (!header || produces.length === 0) return true
  const ranges = header
    .split(',')
    .map(parseRange)
    .filter((r) => r !== null)
  if (ranges.length === 0) return true
  return produces.some((type) => {
    const [main, sub] = type.toLowerCase().split(';')[0]!.trim().split('/')
    return ranges.some((r) => r.q > 0 && (r.main === '*' || (r.main === main && (r.sub === '*' || r.sub === sub))))
  })
}

function parseRange(part: string): { main: string; sub: string; q: number } | null {
  const [range, ...params] = part.trim().toLowerCase().split(';')
  const [main, sub] = (range ?? '').trim().split('/')
  if (!main || !sub) return null
  const qParam = params.map((p) => p.trim()).find((p) => p.startsWith('q='))
  const q = qParam ? Number(qParam.slice(2)) : 1
  return { main, sub, q: Number.isFinite(q) ? q : 0 }
}
