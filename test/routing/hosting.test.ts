import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import type { ReportItem } from '../../src/intake/report-types.ts'
import { BUNDLED_GEOIP_DB, countryLookup, openGeoDatabase, resolveHosting } from '../../src/routing/hosting.ts'
import { DEFAULT_POLICY } from '../../src/routing/rules-file.ts'

const geo = await openGeoDatabase(BUNDLED_GEOIP_DB)

/**
 * Real public addresses of well-known services, with the country the bundled database gives them
 * (registry data: where the network is registered). Documentation ranges are useless here: they
 * resolve to nothing, or worse (see the special-purpose case).
 */
const KNOWN = {
  '8.8.8.8': 'US', // Google Public DNS
  '9.9.9.9': 'US', // Quad9
  '193.0.14.129': 'NL', // k.root-servers.net, RIPE NCC
  '84.200.69.80': 'DE', // DNS.WATCH
  '158.64.1.1': 'LU', // RESTENA, the Luxembourg research network
  '193.190.198.2': 'BE', // Belnet, the Belgian research network
  '2001:4860:4860::8888': 'US', // Google Public DNS
  '2001:7fd::1': 'NL', // k.root-servers.net
  '2001:6a8::1': 'BE', // Belnet
  '2001:a18::1': 'LU', // RESTENA
} as const

const url = (u: string): ReportItem => ({ url: u })

t.test('the bundled database knows the countries of well-known public addresses', async (t) => {
  for (const [ip, country] of Object.entries(KNOWN)) t.equal(geo.countryOf(ip), country, ip)
})

t.test("1. the sender's explicit hosting.country wins, with high confidence", async (t) => {
  t.strictSame(resolveHosting({ url: 'https://example.org/a', hosting: { country: 'DE', ip: '8.8.8.8' } }, geo), {
    country: 'DE',
    source: 'sender',
    confidence: 'high',
  })
  t.strictSame(
    resolveHosting({ url: 'https://example.org/a', hosting: { country: 'FR' } }),
    { country: 'FR', source: 'sender', confidence: 'high' },
    'no database needed',
  )
})

t.test('2. the hosting IP, through the database, v4 and v6', async (t) => {
  for (const [ip, country] of Object.entries(KNOWN)) {
    t.strictSame(resolveHosting({ url: 'https://example.org/a', hosting: { ip } }, geo), { country, source: 'hosting_ip', confidence: 'medium' }, ip)
  }
  t.strictSame(
    resolveHosting({ url: 'https://example.org/a', hosting: { ip: '::ffff:8.8.8.8' } }, geo).country,
    'US',
    'IPv4-mapped IPv6 is looked up as IPv4',
  )
  t.strictSame(resolveHosting({ url: 'https://example.org/a', hosting: { ip: '0:0:0:0:0:ffff:c100:e81' } }, geo).country, 'NL', 'in any spelling')
})

t.test('3. a URL host that is itself an IP literal, v4 (any spelling) and v6', async (t) => {
  const cases: Array<[string, string]> = [
    ['http://193.0.14.129/gallery/1', 'NL'],
    ['http://0xC1000E81/gallery/1', 'NL'],
    ['https://84.200.69.80:8443/x?y=1', 'DE'],
    ['http://[2001:7fd::1]/gallery', 'NL'],
    ['http://[2001:6A8::1]:8080/', 'BE'],
    ['http://user@193.0.14.129/x', 'NL'],
    ['http://user:secret@[2001:7fd::1]/', 'NL'],
  ]
  for (const [u, country] of cases) t.strictSame(resolveHosting(url(u), geo), { country, source: 'url_ip_literal', confidence: 'medium' }, u)
  t.strictSame(
    resolveHosting({ url: 'http://158.64.1.1/x', hosting: { ip: '10.1.2.3', platform: 'Example Board' } }, geo),
    { country: 'LU', source: 'url_ip_literal', confidence: 'medium' },
    'an unresolvable hosting IP falls through to the URL',
  )
})

t.test('4. otherwise unknown: host names are never looked up, locators have no host', async (t) => {
  const unknown = { source: 'unknown', confidence: 'none' }
  t.strictSame(resolveHosting(url('https://example.org/gallery/1'), geo), unknown)
  t.strictSame(resolveHosting(url('https://dns.google/'), geo), unknown, 'a name is not resolved, even one of a known address')
  t.strictSame(resolveHosting(url('https://example.org/a@193.0.14.129'), geo), unknown, 'an @ in the path is not user info')
  t.strictSame(resolveHosting(url('https://1example.org/'), geo), unknown, 'a name may start with a digit')
  t.strictSame(resolveHosting({ locator: { type: 'onion', value: 'abcdefghijklmnop.onion' } }, geo), unknown)
  t.strictSame(resolveHosting({ url: 'https://example.org/a', hosting: { ip: '8.8.8.8' } }), unknown, 'without a database only the sender counts')
  t.strictSame(resolveHosting({ url: 'https://example.org/a', hosting: { provider: 'Example Hosting' } }, geo), unknown)
})

t.test('special-purpose addresses are unknown, although registry data places some of them', async (t) => {
  // the bundled file maps 198.51.100.0/24 to AU and 2001:db8::/32 to JP: a documentation address must not route abroad
  const special = [
    '192.0.2.44',
    '198.51.100.7',
    '203.0.113.9',
    '10.0.0.1',
    '172.16.5.4',
    '192.168.1.1',
    '100.64.0.1',
    '127.0.0.1',
    '169.254.1.1',
    '224.0.0.1',
    '2001:db8::17',
    'fc00::1',
    'fe80::1',
    '::1',
    '::',
    '2002:c100:e81::1',
    '::ffff:192.168.1.1',
    '3fff::1',
    'fe80::1%eth0',
  ]
  for (const ip of special) {
    t.strictSame(resolveHosting({ url: 'https://example.org/a', hosting: { ip } }, geo), { source: 'unknown', confidence: 'none' }, ip)
  }
  t.strictSame(resolveHosting(url('http://[2001:db8::17]/x'), geo), { source: 'unknown', confidence: 'none' }, 'in URLs too')
})

t.test('database records: ip-location-db and MaxMind layouts; codes that name no jurisdiction are unknown', async (t) => {
  const countries = new Set(['DE', 'US'])
  const records: Record<string, unknown> = {
    '192.0.2.1': { country_code: 'DE' },
    '192.0.2.2': { country: { iso_code: 'US', names: { en: 'United States' } } },
    '192.0.2.3': { country_code: 'EU' },
    '192.0.2.4': { country: { iso_code: 'ZZ' } },
    '192.0.2.5': { continent: { code: 'EU' } },
    '192.0.2.6': null,
  }
  // a stand-in for the mmdb reader (third-party): the records as GeoLite2 and ip-location-db files carry them
  const lookup = countryLookup({ get: (ip) => records[ip] ?? null }, countries)
  t.strictSame(
    Object.keys(records).map((ip) => lookup.countryOf(ip)),
    ['DE', 'US', undefined, undefined, undefined, undefined],
  )
})

t.test('a missing or non-mmdb database file is refused with a typed error', async (t) => {
  await t.rejects(openGeoDatabase('/nonexistent/geo.mmdb'), { code: 'GEOIP_DATABASE_INVALID' })
  await t.rejects(openGeoDatabase(DEFAULT_POLICY), { code: 'GEOIP_DATABASE_INVALID' })
  const dir = await mkdtemp(join(tmpdir(), 'hg-geo-'))
  await writeFile(join(dir, 'empty.mmdb'), '')
  await t.rejects(openGeoDatabase(join(dir, 'empty.mmdb')), { code: 'GEOIP_DATABASE_INVALID' })
})
