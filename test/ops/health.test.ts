import { pino } from 'pino'
import t from 'tap'
import { startAuditLog } from '../../src/audit/audit-runtime.ts'
import { loadConfig } from '../../src/config/config.ts'
import { configuredSealer } from '../../src/crypto/encryption-key.ts'
import { openDatabase } from '../../src/db/database.ts'
import { DELIVERY_MODES } from '../../src/handoffs/delivery-modes.ts'
import { startHandoffDelivery } from '../../src/handoffs/handoff-runtime.ts'
import { createLoopHealth } from '../../src/ops/loop-health.ts'
import { startRetention } from '../../src/retention/retention-runtime.ts'
import { buildTestApp } from '../helpers/app.ts'
import { startTcpProxy } from '../helpers/tcp-proxy.ts'
import { EXAMPLE_DIRECTORY } from '../../src/dev/dev-mode.ts'
import { readDirectoryFile } from '../../src/directory/directory-file.ts'
import { gatewayEnv } from '../helpers/gateway-env.ts'
import { samples } from '../helpers/metrics.ts'
import { startGateway } from '../helpers/process.ts'

/** The loops every process runs besides one per delivery mode (the witness publisher only with AUDIT_WITNESSES). */
const FIXED_LOOPS = ['audit sequencer', 'handoff signing', 'retention purge', 'status notification', 'takedown re-notice', 'urgent escalation']

/** Waits, without a deadline of its own (tap's timeout bounds it), until /readyz answers `status` (and names `loops`). */
async function readinessBecomes(app: Awaited<ReturnType<typeof buildTestApp>>['app'], status: number, loops: string[] = []) {
  for (;;) {
    const res = await app.inject({ method: 'GET', url: '/readyz' })
    if (res.statusCode === status && loops.every((loop) => res.json().detail.includes(loop))) return res
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

t.test('/readyz fails while the background loops cannot complete a step, and recovers with them', async (t) => {
  const loopHealth = createLoopHealth()
  // the app's own database is fine; the loops reach theirs through a proxy the test stalls
  const ctx = await buildTestApp(t, { loopHealth, env: { LOOP_STALL_MS: '500' } })
  const target = new URL(ctx.databaseUrl)
  const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) })
  t.teardown(() => proxy.close())
  const config = loadConfig({
    ...process.env,
    DATABASE_URL: proxy.urlFor(ctx.databaseUrl),
    ENCRYPTION_KEY: ctx.config.encryptionKey,
    NODE_ENV: 'test',
    DB_CONNECT_TIMEOUT_MS: '300',
    DB_STATEMENT_TIMEOUT_MS: '300',
    DB_QUERY_TIMEOUT_MS: '400',
    LOOP_STALL_MS: '500', // the retention purge looks within a quarter of it
  })
  const logger = pino({ level: 'silent' })
  const database = await openDatabase(config, logger)
  const sealer = await configuredSealer(config, logger)
  const audit = await startAuditLog({ config, database, logger, sealer, health: loopHealth })
  const delivery = await startHandoffDelivery({ config, database, logger, sealer, health: loopHealth })
  const retention = startRetention({ config, database, logger, health: loopHealth })
  t.teardown(async () => {
    proxy.restore()
    await Promise.all([audit.stop(), delivery.stop(), retention.stop()])
    await database.close()
  })

  const ready = await readinessBecomes(ctx.app, 200)
  t.match(ready.json(), { status: 'ready', database: 'reachable' }, 'loops stepping: ready')
  t.notOk('stalled_loops' in ready.json(), 'the ready answer keeps its contract')

  proxy.stall()
  // the loops stall one after another (each when its step in progress times out): wait until these are named
  const stalled = ['audit sequencer', 'handoff signing', 'retention purge', 'push delivery']
  const stuck = await readinessBecomes(ctx.app, 503, stalled)
  t.equal(stuck.headers['content-type'], 'application/problem+json')
  t.match(stuck.json(), { code: 'HG_UNAVAILABLE', detail: /background loop\(s\) completed no step/ })
  for (const loop of stalled) t.match(stuck.json().detail, loop, `names ${loop}`)
  const metrics = await ctx.app.inject({ method: 'GET', url: '/metrics', headers: await ctx.auth('gateway-operator') })
  for (const loop of ['audit sequencer', 'retention purge'])
    t.match(metrics.body, `hg_background_loop_step_age_seconds{loop="${loop}"} `, `${loop} is in the metrics`)
  t.equal((await ctx.app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200, 'alive all the same: no restart wanted')

  proxy.restore()
  t.equal((await readinessBecomes(ctx.app, 200)).statusCode, 200, 'the loops step again: ready again')
})

t.test('serve: its background loops report to /readyz and /metrics', async (t) => {
  const { idp, env } = await gatewayEnv(t, await readDirectoryFile(EXAMPLE_DIRECTORY))
  const gateway = await startGateway(env)
  t.teardown(() => gateway.stop())
  t.equal((await fetch(`${gateway.url}/readyz`)).status, 200)
  const res = await fetch(`${gateway.url}/metrics`, { headers: { authorization: `Bearer ${await idp.tokenFor('gateway-operator')}` } })
  t.equal(res.status, 200)
  const loops = [...samples(await res.text()).keys()].flatMap(
    (series) => /^hg_background_loop_step_age_seconds\{loop="(.+)"\}$/.exec(series)?.[1] ?? [],
  )
  t.same(loops.sort(), [...FIXED_LOOPS, ...DELIVERY_MODES.map((mode) => mode.name)].sort(), 'every loop, one per delivery mode')
})
