import { readFile } from 'node:fs/promises'
import { isIP } from 'node:net'
import { fileURLToPath } from 'node:url'
import maxmind from 'maxmind'
import type { ReportItem } from '../contract/report.ts'
import { GeoDatabaseError } from './errors.ts'
import { routableAddress } from './ip-address.ts'

/**
 * Where an item's material is hosted, and how the gateway knows. Resolution never goes to the
 * network: the sender's word, then an offline IP-to-country database, then nothing.
 */
export type HostingSource = 'sender' | 'hosting_ip' | 'url_ip_literal' | 'unknown'

/**
 * high: the sender states the country (hotlines trace hosting as part of their assessment);
 * medium: an IP looked up in a registry-based database, which names where the network is
 * registered, not always where the server stands (anycast, cloud regions); none: unknown.
 */
export type HostingConfidence = 'high' | 'medium' | 'none'

export interface HostingFact {
  country?: string
  source: HostingSource
  confidence: HostingConfidence
}

/** Synchronous IP -> ISO 3166-1 alpha-2 lookups against a database held in memory. */
export interface GeoLookup {
  countryOf(ip: string): string | undefined
}

/** The public-domain database bundled as a dependency; operators may point GEOIP_DB at a newer file. */
export const BUNDLED_GEOIP_DB = fileURLToPath(
  new URL('../../node_modules/@ip-location-db/geo-whois-asn-country-mmdb/geo-whois-asn-country.mmdb', import.meta.url),
)

const COUNTRY_SCHEMA = new URL('../../schemas/defs/country.json', import.meta.url)

/**
 * Opens an mmdb file once (it is read into memory); lookups are synchronous afterwards. Accepts
 * the ip-location-db layout (`country_code`) and the MaxMind/DB-IP one (`country.iso_code`).
 * Codes that are not assigned ISO 3166-1 codes (EU, AP, ZZ) count as unknown: no hotline serves them.
 */
export async function openGeoDatabase(path: string = BUNDLED_GEOIP_DB): Promise<GeoLookup> {
  let reader: Awaited<ReturnType<typeof maxmind.open>>
  try {
    reader = await maxmind.open(path)
  } catch (error) {
    throw new GeoDatabaseError(`cannot open the IP-to-country database ${path}: ${(error as Error).message}`)
  }
  // an ASN or anonymous-IP database would open fine and then answer "unknown" for everything
  if (!/country|city/i.test(reader.metadata.databaseType)) {
    throw new GeoDatabaseError(`${path} is a ${reader.metadata.databaseType} database, not a country or city database`)
  }
  return countryLookup(reader, new Set(JSON.parse(await readFile(COUNTRY_SCHEMA, 'utf8')).enum as string[]))
}

/** The lookup over any mmdb-shaped reader; `countries` is the set of codes the report schema accepts. */
export function countryLookup(reader: { get(ip: string): unknown }, countries: ReadonlySet<string>): GeoLookup {
  return {
    countryOf(ip) {
      const record = reader.get(ip) as { country_code?: unknown; country?: { iso_code?: unknown } } | null
      const code = record?.country_code ?? record?.country?.iso_code
      return typeof code === 'string' && countries.has(code) ? code : undefined
    },
  }
}

const UNKNOWN: HostingFact = Object.freeze({ source: 'unknown', confidence: 'none' })

/** Resolves one item, in order: the sender's country, the hosting IP, an IP-literal URL host, unknown. */
export function resolveHosting(item: ReportItem, geo?: GeoLookup): HostingFact {
  const hosting = item.hosting
  if (hosting?.country !== undefined) return { country: hosting.country, source: 'sender', confidence: 'high' }
  if (geo === undefined) return UNKNOWN
  const byIp = hosting?.ip === undefined ? undefined : lookup(geo, hosting.ip)
  if (byIp !== undefined) return { country: byIp, source: 'hosting_ip', confidence: 'medium' }
  const literal = item.url === undefined ? undefined : ipLiteralHost(item.url)
  const byUrl = literal === undefined ? undefined : lookup(geo, literal)
  if (byUrl !== undefined) return { country: byUrl, source: 'url_ip_literal', confidence: 'medium' }
  return UNKNOWN
}

function lookup(geo: GeoLookup, raw: string): string | undefined {
  const address = routableAddress(raw)
  return address === undefined ? undefined : geo.countryOf(address)
}

function hasUserInfo(url: string, start: number): boolean {
  const at = url.indexOf('@', start)
  if (at < 0) return false
  for (let i = start; i < at; i++) {
    const c = url.charCodeAt(i)
    if (c === 47 || c === 63 || c === 35) return false // '/', '?', '#': the @ is past the host
  }
  return true
}

/** The WHATWG parser already canonicalises hosts (0x08080808 -> 8.8.8.8, [2001:DB8::1] -> [2001:db8::1]). */
function ipLiteralHost(url: string): string | undefined {
  // Most hosts are names: a host that starts with a letter is never an IP literal, so skip the parse
  // (unless user info, user@host, hides where the host starts)
  const start = url.indexOf('://') + 3
  const first = url.charCodeAt(start)
  const digitOrBracket = (first >= 48 && first <= 57) || first === 91
  if (!digitOrBracket && !hasUserInfo(url, start)) return undefined
  let host: string
  try {
    host = new URL(url).hostname
  } catch {
    return undefined
  }
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1)
  return isIP(host) === 0 ? undefined : host
}
