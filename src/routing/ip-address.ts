import { isIP } from 'node:net'

/**
 * The address an IP-to-country database should be asked about, or undefined for one that names no
 * jurisdiction (RFC 6890 special-purpose registries: private, loopback, link-local, documentation,
 * multicast, 6to4, Teredo ...). These are refused before the lookup because registry-derived
 * databases do carry rows for some of them: the bundled file places 2001:db8::/32 in JP and
 * 198.51.100.0/24 in AU, which would route a documentation address abroad.
 *
 * Hand-rolled rather than net.BlockList: BlockList allocates a SocketAddress per check, which was
 * a tenth of a routing decision's time.
 */
export function routableAddress(raw: string): string | undefined {
  const v4 = dottedQuad(raw)
  if (v4 !== undefined) return special4(v4) ? undefined : raw
  if (isIP(raw) !== 6) return undefined
  const address = raw.split('%')[0] as string // a zone id says which interface, not where the host is
  const groups = ipv6Groups(address)
  // ::ffff:a.b.c.d is an IPv4 host seen through IPv6: the database knows it under its IPv4 form
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    const v4 = (((groups[6] as number) << 16) | (groups[7] as number)) >>> 0
    return special4(v4) ? undefined : [v4 >>> 24, (v4 >>> 16) & 255, (v4 >>> 8) & 255, v4 & 255].join('.')
  }
  return SPECIAL_6.some(([base, prefix]) => inPrefix6(groups, base, prefix)) ? undefined : address
}

const SPECIAL_4: Array<[number, number]> = (
  [
    ['0.0.0.0', 8],
    ['10.0.0.0', 8],
    ['100.64.0.0', 10],
    ['127.0.0.0', 8],
    ['169.254.0.0', 16],
    ['172.16.0.0', 12],
    ['192.0.0.0', 24],
    ['192.0.2.0', 24],
    ['192.88.99.0', 24],
    ['192.168.0.0', 16],
    ['198.18.0.0', 15],
    ['198.51.100.0', 24],
    ['203.0.113.0', 24],
    ['224.0.0.0', 4],
    ['240.0.0.0', 4],
  ] as const
).map(([net, prefix]) => [dottedQuad(net) as number, prefix])

const SPECIAL_6: Array<[number[], number]> = (
  [
    ['::', 127],
    ['64:ff9b::', 96],
    ['64:ff9b:1::', 48],
    ['100::', 64],
    ['2001::', 23],
    ['2001:db8::', 32],
    ['2002::', 16],
    ['3fff::', 20],
    ['5f00::', 16],
    ['fc00::', 7],
    ['fe80::', 10],
    ['ff00::', 8],
  ] as const
).map(([net, prefix]) => [ipv6Groups(net), prefix])

function special4(address: number): boolean {
  return SPECIAL_4.some(([base, prefix]) => (address ^ base) >>> (32 - prefix) === 0)
}

function inPrefix6(groups: number[], base: number[], prefix: number): boolean {
  for (let i = 0, left = prefix; left > 0; i++, left -= 16) {
    const bits = Math.min(16, left)
    if (((groups[i] as number) ^ (base[i] as number)) >>> (16 - bits) !== 0) return false
  }
  return true
}

/**
 * A strict dotted quad (four decimal octets, no leading zeros: what isIP accepts) as an unsigned
 * 32-bit number, else undefined. Written out because isIP's regular expression cost more than the
 * database lookup it guards.
 */
function dottedQuad(address: string): number | undefined {
  let n = 0
  let octet = -1
  let dots = 0
  for (let i = 0; i < address.length; i++) {
    const c = address.charCodeAt(i)
    if (c === 46) {
      if (octet < 0 || ++dots > 3) return undefined
      n = n * 256 + octet
      octet = -1
    } else if (c >= 48 && c <= 57) {
      if (octet === 0) return undefined // a leading zero: isIP refuses it, and 010 may mean octal elsewhere
      octet = octet < 0 ? c - 48 : octet * 10 + (c - 48)
      if (octet > 255) return undefined
    } else return undefined
  }
  return dots === 3 && octet >= 0 ? n * 256 + octet : undefined
}

/** An IPv6 address (already checked by isIP, no zone) as its eight 16-bit groups. */
function ipv6Groups(address: string): number[] {
  const parse = (part: string): number[] =>
    part === ''
      ? []
      : part.split(':').flatMap((g) => {
          if (!g.includes('.')) return [parseInt(g, 16)]
          const v4 = dottedQuad(g) ?? 0
          return [v4 >>> 16, v4 & 0xffff]
        })
  const [head = '', tail] = address.split('::')
  const first = parse(head)
  const last = tail === undefined ? [] : parse(tail)
  return [...first, ...new Array<number>(8 - first.length - last.length).fill(0), ...last]
}
