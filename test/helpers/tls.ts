import type { RequestListener } from 'node:http'
import { createServer } from 'node:https'
import type { AddressInfo, Socket } from 'node:net'
import { mkdtemp, readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { selfSignedCertificate } from '../../src/dev/dev-tls.ts'

/**
 * A throwaway self-signed certificate for 127.0.0.1 (test only: the gateway is given it as an extra
 * CA, through an option in process or NODE_EXTRA_CA_CERTS for a gateway process). `file` holds the cert.
 */
export async function certificate(): Promise<{ key: string; cert: string; file: string }> {
  const made = await selfSignedCertificate(await mkdtemp(join(tmpdir(), 'hg-tls-')))
  if (!made) throw new Error('these tests need openssl to make a TLS certificate')
  return { key: await readFile(made.key, 'utf8'), cert: await readFile(made.cert, 'utf8'), file: made.cert }
}

/**
 * `handler` on an HTTPS port of 127.0.0.1 until the test ends: the URL of `path` there, and `close`,
 * which resets whatever connection still hangs (a request never answered) instead of waiting for it.
 */
export async function httpsListener(
  t: { teardown(fn: () => unknown): void },
  tls: { key: string; cert: string },
  handler: RequestListener,
  path = '/inbox',
): Promise<{ url: string; close(): Promise<void> }> {
  const open = new Set<Socket>()
  const server = createServer(tls, handler)
  server.on('secureConnection', (socket) => {
    open.add(socket)
    socket.on('close', () => open.delete(socket))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const close = () =>
    new Promise<void>((resolve) => {
      for (const socket of open) socket.destroy()
      server.close(() => resolve())
    })
  t.teardown(close)
  return { url: `https://127.0.0.1:${(server.address() as AddressInfo).port}${path}`, close }
}
