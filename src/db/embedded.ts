import { existsSync } from 'node:fs'
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { PGlite } from '@electric-sql/pglite'
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
  const db = await openCluster(PGlite, directory, log)
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

/**
 * A new cluster starts from a template of an empty one: initdb in WASM takes 10-15 s, loading the
 * template 2 s (the demo, and every test that starts a gateway on PGlite, starts a new one). The first
 * new cluster on a machine makes the template, per PGlite version, in the OS temp directory; it holds
 * an empty cluster only, never data.
 */
async function openCluster(pglite: typeof PGlite, directory: string, log: Logger): Promise<PGlite> {
  if (existsSync(join(directory, 'PG_VERSION'))) return pglite.create(directory)
  const template = await templatePath()
  const saved = await readFile(template).catch(() => undefined)
  if (saved) return pglite.create(directory, { loadDataDir: new Blob([saved]) })
  const db = await pglite.create(directory)
  try {
    const tar = Buffer.from(await (await db.dumpDataDir('none')).arrayBuffer())
    // written aside and renamed: a process that reads it meanwhile never sees half a template
    const partial = `${template}.${process.pid}`
    await writeFile(partial, tar)
    await rename(partial, template)
  } catch (error) {
    log.warn({ err: error }, 'embedded PostgreSQL: could not keep a template of the empty cluster; the next start makes one again')
  }
  return db
}

async function templatePath(): Promise<string> {
  const manifest = new URL('../package.json', import.meta.resolve('@electric-sql/pglite'))
  const { version } = JSON.parse(await readFile(manifest, 'utf8')) as { version: string }
  return join(tmpdir(), `hotline-gateway-pglite-${version}-empty.tar`)
}
