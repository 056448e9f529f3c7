/**
 * Loopback hosts are the only place plain http is tolerated (dev issuer, tests): traffic
 * there never leaves the machine, so there is nothing for TLS to protect.
 */
const IPV4_LOOPBACK = /^127(?:\.\d{1,3}){3}$/

export function isLoopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || hostname === '::1' || IPV4_LOOPBACK.test(hostname)
}

export function isLoopbackHttp(url: URL): boolean {
  return url.protocol === 'http:' && isLoopbackHost(url.hostname)
}
