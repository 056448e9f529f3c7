import { GatewayError } from '../errors/gateway-error.ts'

/**
 * URL normalisation for de-duplication: two reports of the same location should produce the same
 * string. The WHATWG URL parser does the structural part (lower-case scheme and host, IDN to
 * punycode, IPv4 forms, default ports, dot segments); this module adds what the parser leaves alone
 * (fragment, query order, tracking parameters, percent-encoding case). Path case is kept: paths are
 * case-sensitive on most servers. The result is idempotent: normaliseUrl(normaliseUrl(x)) === normaliseUrl(x).
 */

export class UrlNormaliseError extends GatewayError<'URL_INVALID' | 'URL_UNSUPPORTED_SCHEME'> {}

/** Parameters that only say how a link was shared, never what it points to. Compared lower-case. */
const TRACKING_PARAMS = new Set([
  'fbclid',
  'gclid',
  'gclsrc',
  'dclid',
  'gbraid',
  'wbraid',
  'msclkid',
  'yclid',
  'twclid',
  'ttclid',
  'li_fat_id',
  'mc_eid',
  'mc_cid',
  'igshid',
  'igsh',
  'si',
  '_ga',
  '_gl',
  '_hsenc',
  '_hsmi',
  '__hstc',
  '__hssc',
  '__hsfp',
  'mkt_tok',
  'oly_anon_id',
  'oly_enc_id',
  'vero_id',
  'ref_src',
])

const TRACKING_PREFIXES = ['utm_', 'pk_', 'mtm_']

function isTrackingParam(rawKey: string): boolean {
  const key = safeDecode(rawKey).toLowerCase()
  return TRACKING_PARAMS.has(key) || TRACKING_PREFIXES.some((prefix) => key.startsWith(prefix))
}

function safeDecode(component: string): string {
  try {
    return decodeURIComponent(component.replaceAll('+', ' '))
  } catch {
    return component
  }
}

const PERCENT_ESCAPE = /%([0-9A-Fa-f]{2})/g
const UNRESERVED = /[A-Za-z0-9\-._~]/

/** RFC 3986 6.2.2: decode escaped unreserved characters, upper-case every other escape. */
function normalisePercentEncoding(part: string): string {
  if (!part.includes('%')) return part
  return part.replace(PERCENT_ESCAPE, (escape, hex: string) => {
    const char = String.fromCharCode(Number.parseInt(hex, 16))
    return UNRESERVED.test(char) ? char : escape.toUpperCase()
  })
}

interface QueryPair {
  key: string
  raw: string
}

function normaliseQuery(search: string): string {
  if (search.length <= 1) return ''
  const pairs: QueryPair[] = []
  for (const raw of search.slice(1).split('&')) {
    if (raw === '') continue
    const normalised = normalisePercentEncoding(raw)
    const key = normalised.split('=', 1)[0] as string
    if (!isTrackingParam(key)) pairs.push({ key, raw: normalised })
  }
  // Array.prototype.sort is stable: repeated keys keep their order, which may carry meaning
  pairs.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
  return pairs.length === 0 ? '' : `?${pairs.map((p) => p.raw).join('&')}`
}

function userinfoOf(url: URL): string {
  if (url.username === '' && url.password === '') return ''
  const password = url.password === '' ? '' : `:${normalisePercentEncoding(url.password)}`
  return `${normalisePercentEncoding(url.username)}${password}@`
}

export function normaliseUrl(raw: string): string {
  let url: URL
  try {
    url = new URL(raw.trim())
  } catch {
    throw new UrlNormaliseError('URL_INVALID', 'not an absolute URL')
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UrlNormaliseError('URL_UNSUPPORTED_SCHEME', `scheme ${url.protocol} is not http or https`)
  }
  // url.host is already lower-case punycode without a default port; the fragment is never sent to a server
  const path = normalisePercentEncoding(url.pathname)
  return `${url.protocol}//${userinfoOf(url)}${url.host}${path}${normaliseQuery(url.search)}`
}
