import net from 'node:net'

/**
 * A TCP proxy in front of the test's PostgreSQL, to play its faults: `outage()` resets every
 * connection and each new one (connection reset / refused), `stall()` accepts connections and holds
 * every byte both ways (a silent server or network), `restore()` forwards again, delivering what a
 * stall held, as TCP would once a partition heals.
 */
export interface TcpProxy {
  /** `databaseUrl` with its host and port replaced by the proxy's. */
  urlFor(databaseUrl: string): string
  outage(): void
  stall(): void
  restore(): void
  close(): Promise<void>
}

type Mode = 'forward' | 'outage' | 'stall'

interface Link {
  client: net.Socket
  server?: net.Socket
  held: Array<{ toServer: boolean; chunk: Buffer }>
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  let mode: Mode = 'forward'
  const links = new Set<Link>()

  const flush = (link: Link) => {
    if (mode !== 'forward') return
    link.server ??= connectServer(link)
    for (const { toServer, chunk } of link.held.splice(0)) (toServer ? link.server : link.client).write(chunk)
  }
  const connectServer = (link: Link) => {
    const server = net.connect(target)
    server.on('data', (chunk) => relay(link, false, chunk))
    server.on('error', () => drop(link))
    server.on('close', () => drop(link))
    return server
  }
  const relay = (link: Link, toServer: boolean, chunk: Buffer) => {
    link.held.push({ toServer, chunk })
    flush(link)
  }
  const drop = (link: Link) => {
    links.delete(link)
    link.client.destroy()
    link.server?.destroy()
  }

  const proxy = net.createServer((client) => {
    if (mode === 'outage') return void client.resetAndDestroy()
    const link: Link = { client, held: [] }
    links.add(link)
    client.on('data', (chunk) => relay(link, true, chunk))
    client.on('error', () => drop(link))
    client.on('close', () => drop(link))
    flush(link)
  })
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve))
  const { port } = proxy.address() as net.AddressInfo

  return {
    urlFor(databaseUrl) {
      const url = new URL(databaseUrl)
      url.hostname = '127.0.0.1'
      url.port = String(port)
      return url.href
    },
    outage() {
      mode = 'outage'
      for (const link of links) {
        link.client.resetAndDestroy()
        drop(link)
      }
    },
    stall() {
      mode = 'stall'
    },
    restore() {
      mode = 'forward'
      for (const link of links) flush(link)
    },
    async close() {
      for (const link of links) drop(link)
      await new Promise<void>((resolve) => proxy.close(() => resolve()))
    },
  }
}
