import pg from 'pg'

const ADMIN = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'

/** A fresh, empty database for one bench run (dropped and made again); its URL. */
export async function freshDatabase(name: string): Promise<string> {
  const admin = new pg.Client(ADMIN)
  await admin.connect()
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
  await admin.query(`CREATE DATABASE ${name}`)
  await admin.end()
  const url = new URL(ADMIN)
  url.pathname = `/${name}`
  return url.href
}
