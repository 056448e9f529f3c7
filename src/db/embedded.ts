import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import type { Logger } from 'pino'

export interface EmbeddedPostgres {
  connection: { host: string; port: number; user: string; database: string }
  stop(): Promise<void>
}

/**
 * Embedded PGlite persisted under DATA_DIR, exposed on a loopback socket so that the ordinary
 * `pg` driver reaches it. Loaded lazily: production never pays for the WASM build.
 */
export async function startEmbeddedPostgres(dataDir: string, log: Logger): Promise<EmbeddedPostgres> {
  const directory = join(dataDir, 'pglite')
  await mkdir(directory, { recursive: true })
  const { PGlite } = await import('@electric-sql/pglite')
  const { PGLiteSocketServer } = await import('@electric-sql/pglite-socket')
  const db = await PGlite.create(directory)
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0 })
  await server.start()
  const [host, port] = server.getServerConn().split(':')
  log.info({ directory }, 'embedded PostgreSQL (PGlite) started; set DATABASE_URL to use an external server')
  return {
    connection: { host: host ?? '127.0.0.1', port: Number(port), user: 'postgres', database: 'postgres' },
    async stop() {
      await server.stop()
      await db.close()
    },
  }
}
