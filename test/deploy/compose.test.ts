// deploy/compose.yaml cannot be run here (no container registry), so what it says is checked against
// the gateway itself: every variable it sets is one the gateway documents and accepts, every command
// is one the CLI has, and its processes (migrations once, then two `serve --no-migrate` on one
// database) start as it runs them, each passing the compose health check.
import { spawn } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import t from 'tap'
import { parse } from 'yaml'
import { AUDIENCE } from '../helpers/app.ts'
import { createTestDatabase } from '../helpers/database.ts'
import { startTestIdp } from '../helpers/idp.ts'
import { runCli, startGateway } from '../helpers/process.ts'

interface Service {
  command?: string[]
  environment?: Record<string, string>
  healthcheck?: { test?: string[]; disable?: boolean }
}

const compose = parse(await readFile(new URL('../../deploy/compose.yaml', import.meta.url), 'utf8'), { merge: true }) as {
  services: Record<string, Service>
}
const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8')

/** The services that run this checkout's CLI, with what follows `bin/hotline-gateway.js`. */
const cliServices = Object.entries(compose.services).flatMap(([name, service]) => {
  const at = service.command?.indexOf('bin/hotline-gateway.js') ?? -1
  return at < 0 ? [] : [{ name, service, args: service.command!.slice(at + 1) }]
})

/** `${VAR:?message}`, `${VAR:-default}` and `${VAR}` as compose substitutes them, from `values`. */
function substitute(text: string, values: Record<string, string>): string {
  return text.replace(/\$\{([A-Z_]+)(?::([?-])([^}]*))?\}/g, (_m, name: string, kind?: string, rest?: string) => {
    if (values[name] !== undefined) return values[name]!
    if (kind === '-') return rest ?? ''
    throw new Error(`compose would refuse to start without ${name}: ${rest}`)
  })
}

t.test('the compose file runs the CLI in three services: migrations, two gateways and a partner', async (t) => {
  t.same(
    cliServices.map(({ name, args }) => [name, args[0]]),
    [
      ['migrate', 'migrate'],
      ['gateway-1', 'serve'],
      ['gateway-2', 'serve'],
      ['partner', 'partner'],
    ],
  )
})

t.test('every variable it sets is one the gateway (or Node, or the partner CLI) documents', async (t) => {
  const documented = new Set([...readme.matchAll(/^\| `([A-Z][A-Z0-9_]+)` \|/gm)].map((m) => m[1]!))
  t.ok(documented.size > 20, 'the README’s configuration table was found')
  const partnerHelp = (await runCli(['partner', '--help'])).stdout + (await runCli(['partner', '--help'])).stderr
  for (const { name, service } of cliServices)
    for (const variable of Object.keys(service.environment ?? {})) {
      const known = documented.has(variable) || variable === 'NODE_OPTIONS' || (name === 'partner' && partnerHelp.includes(variable))
      t.ok(known, `${name}: ${variable} is documented`)
    }
})

t.test('every command and flag it uses is one the CLI names in its usage', async (t) => {
  const usage = async (args: string[]) => {
    const run = await runCli(args)
    return run.stdout + run.stderr
  }
  const top = await usage(['--help'])
  for (const { name, args } of cliServices) {
    const text = args[0] === 'partner' ? await usage(['partner', '--help']) : top
    t.match(text, new RegExp(`hotline-gateway ${args.slice(0, args[0] === 'partner' ? 2 : 1).join(' ')}`), `${name}: ${args[0]} exists`)
    for (const flag of args.filter((a) => a.startsWith('--'))) t.ok(text.includes(flag), `${name}: ${flag} is in its usage`)
  }
})

t.test('its processes start as it runs them: migrations once, then two gateways on one database, both healthy', async (t) => {
  const databaseUrl = await createTestDatabase(t)
  const idp = await startTestIdp({ audience: AUDIENCE, clients: [] })
  t.teardown(() => idp.close())
  const values = { POSTGRES_PASSWORD: 'unused', OIDC_ISSUER: idp.issuer, ENCRYPTION_KEY: Buffer.alloc(32, 3).toString('base64') }
  const environment = (service: Service) => ({
    ...Object.fromEntries(Object.entries(service.environment ?? {}).map(([k, v]) => [k, substitute(String(v), values)])),
    // this machine's database and a port of its own instead of the compose network's
    DATABASE_URL: databaseUrl,
    OIDC_AUDIENCE: AUDIENCE,
    HOST: '127.0.0.1',
    PORT: '0',
    DATA_DIR: t.testdir(),
  })
  const [migrate, first, second] = ['migrate', 'gateway-1', 'gateway-2'].map((name) => cliServices.find((s) => s.name === name)!)
  const migrated = await runCli(migrate!.args, environment(migrate!.service))
  t.equal(migrated.code, 0, `migrate: ${migrated.stderr.slice(0, 300)}`)
  const gateways = await Promise.all([first!, second!].map((s) => startGateway(environment(s.service), s.args.slice(1))))
  t.teardown(() => Promise.all(gateways.map((g) => g.stop())))
  for (const [i, gateway] of gateways.entries()) {
    // serve runs the migrator (and says so) unless told not to: only the migrate service does
    t.notOk(
      gateway.logs().some((line) => line.msg === 'database schema is up to date'),
      `gateway-${i + 1} left the migrations to the migrate service`,
    )
    const check = first!.service.healthcheck!.test!.at(-1)!.replace('http://127.0.0.1:3000', gateway.url)
    const code = await new Promise<number | null>((resolve) => spawn(process.execPath, ['-e', check], { stdio: 'ignore' }).on('exit', resolve))
    t.equal(code, 0, `gateway-${i + 1} passes the compose health check`)
  }
})
