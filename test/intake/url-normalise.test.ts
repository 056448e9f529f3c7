import t from 'tap'
import { normaliseUrl } from '../../src/intake/url-normalise.ts'

/** [rule, input, normalised] */
const TABLE: Array<[string, string, string]> = [
  ['lower-cases scheme and host, keeps path case', 'HTTP://Example.ORG/Gallery/IMG_01.JPG', 'http://example.org/Gallery/IMG_01.JPG'],
  ['IDN host to punycode', 'https://Bücher.example/katalog', 'https://xn--bcher-kva.example/katalog'],
  ['non-ASCII path to percent-encoding', 'https://example.org/Straße', 'https://example.org/Stra%C3%9Fe'],
  ['drops the default https port', 'https://example.org:443/a', 'https://example.org/a'],
  ['drops the default http port', 'http://example.org:80/a', 'http://example.org/a'],
  ['keeps other ports', 'http://example.org:8080/a', 'http://example.org:8080/a'],
  ['adds the root path', 'https://example.org', 'https://example.org/'],
  ['drops the fragment', 'https://example.org/thread/4711#post-12', 'https://example.org/thread/4711'],
  ['resolves dot segments', 'https://example.org/a/./b/../c/', 'https://example.org/a/c/'],
  ['resolves encoded dot segments', 'https://example.org/a/%2e%2E/b', 'https://example.org/b'],
  ['sorts query parameters by name', 'https://example.org/?b=2&a=1&c=3', 'https://example.org/?a=1&b=2&c=3'],
  ['keeps the order of repeated names (stable)', 'https://example.org/?tag=z&id=1&tag=a', 'https://example.org/?id=1&tag=z&tag=a'],
  ['drops utm_* parameters', 'https://example.org/v?utm_source=x&utm_medium=y&utm_campaign=z&id=9', 'https://example.org/v?id=9'],
  ['drops click ids', 'https://example.org/v?fbclid=IwAR0&gclid=Cj0&msclkid=1&id=9', 'https://example.org/v?id=9'],
  ['drops mc_eid, igshid and si', 'https://example.org/v?mc_eid=1&igshid=2&si=3&id=9', 'https://example.org/v?id=9'],
  ['matches tracking names case-insensitively', 'https://example.org/v?UTM_Source=x&FBCLID=y&id=9', 'https://example.org/v?id=9'],
  ['keeps parameters that only resemble tracking ones', 'https://example.org/v?site=1&utm=2&size=3', 'https://example.org/v?site=1&size=3&utm=2'],
  ['drops a query of only tracking parameters', 'https://example.org/v?utm_source=newsletter', 'https://example.org/v'],
  ['drops an empty query', 'https://example.org/v?', 'https://example.org/v'],
  ['drops empty query segments', 'https://example.org/v?a=1&&b=2&', 'https://example.org/v?a=1&b=2'],
  ['keeps valueless parameters', 'https://example.org/v?preview&id=2', 'https://example.org/v?id=2&preview'],
  ['decodes escaped unreserved characters in the path', 'https://example.org/%7Euser/%41%62c-%5F%2E', 'https://example.org/~user/Abc-_.'],
  ['upper-cases other escapes in the path', 'https://example.org/a%2fb%3a', 'https://example.org/a%2Fb%3A'],
  ['normalises escapes in the query', 'https://example.org/s?q=%7e%2f%41', 'https://example.org/s?q=~%2FA'],
  ['leaves malformed escapes alone', 'https://example.org/100%zz', 'https://example.org/100%zz'],
  ['canonicalises IPv4 forms', 'http://0xC0.0.2.1/x', 'http://192.0.2.1/x'],
  ['compresses IPv6 hosts', 'http://[2001:DB8:0:0:0:0:0:1]:80/', 'http://[2001:db8::1]/'],
  ['trims surrounding whitespace', '  https://example.org/a \n', 'https://example.org/a'],
  ['keeps userinfo', 'https://User:Pa%7eSS@example.org/', 'https://User:Pa~SS@example.org/'],
  ['treats a backslash as a slash (WHATWG)', 'https://example.org\\a\\b', 'https://example.org/a/b'],
]

t.test('normalisation table', async (t) => {
  for (const [rule, input, expected] of TABLE) t.equal(normaliseUrl(input), expected, rule)
})

t.test('normalisation is idempotent', async (t) => {
  for (const [rule, input] of TABLE) {
    const once = normaliseUrl(input)
    t.equal(normaliseUrl(once), once, rule)
  }
})

t.test('variants of one location normalise to one string', async (t) => {
  const variants = [
    'https://Example.org:443/board/thread/4711?page=2&sort=new#post-12',
    'https://example.org/board/./thread/4711?sort=new&page=2&utm_source=forum',
    'HTTPS://EXAMPLE.ORG/board/thread/%34711?page=2&fbclid=abc&sort=new',
  ]
  t.equal(new Set(variants.map(normaliseUrl)).size, 1)
})

t.test('non-URLs and non-web schemes are rejected with typed errors', async (t) => {
  const cases: Array<[string, string]> = [
    ['example.org/no-scheme', 'URL_INVALID'],
    ['https://', 'URL_INVALID'],
    ['', 'URL_INVALID'],
    ['data:image/png;base64,iVBORw0KGgo=', 'URL_UNSUPPORTED_SCHEME'],
    ['ftp://example.org/file', 'URL_UNSUPPORTED_SCHEME'],
    ['javascript:alert(1)', 'URL_UNSUPPORTED_SCHEME'],
  ]
  for (const [input, code] of cases) {
    t.throws(() => normaliseUrl(input), { name: 'UrlNormaliseError', code }, JSON.stringify(input))
  }
})
