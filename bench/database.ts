import pg from 'pg'

const ADMIN = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'

/** A fresh, empty database for one bench run (dropped and made again); its URL. */
export async function freshDatabase(name: string): Promise<string> {
  const admin = new pg.Client(ADMIN)
  await admin.connect()
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
  await admin.query(`CREATE DATABASE ${name}`)
  // BENCH_EXPLAIN_MS=n: PostgreSQL logs the plan of every statement of the bench's database slower than n ms
  // (auto_explain, loaded per session: no restart, nothing else affected), to find the statement a load slows down
  if (process.env.BENCH_EXPLAIN_MS) {
    await admin.query(`ALTER DATABASE ${name} SET session_preload_libraries = 'auto_explain'`)
    await admin.query(`ALTER DATABASE ${name} SET auto_explain.log_min_duration = ${Number(process.env.BENCH_EXPLAIN_MS)}`)
  }
  await admin.end()
  const url = new URL(ADMIN)
  url.pathname = `/${name}`
  return url.href
}
