import { readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import { createTestDatabase } from '../helpers/database.ts'
import { runCli, startGateway } from '../helpers/process.ts'

t.test('development mode: an embedded issuer, the example directory, and a curl that yields a working token', async (t) => {
  const dataDir = t.testdir()
  const gateway = await startGateway({ DATABASE_URL: await createTestDatabase(t), NODE_ENV: 'development', DATA_DIR: dataDir })
  t.teardown(() => gateway.stop())
  // stderr is a pipe here, as under a service manager: a log stream, so the secrets go to a file
  const file = join(dataDir, 'dev-credentials.txt')
  t.notMatch(gateway.stderr(), /curl -s -u|Other dev clients/, 'no secret on a stderr that is not a terminal')
  t.match(gateway.stderr(), file, 'stderr names the file that holds them')
  t.equal((await stat(file)).mode & 0o777, 0o600, 'which only its owner can read')
  const howTo = await readFile(file, 'utf8')
  const credentials = /curl -s -u '([^']+)'/.exec(howTo)?.[1]
  const tokenUrl = /'(http:\/\/127\.0\.0\.1:\d+\/token)'/.exec(howTo)?.[1]
  const resource = /'resource=([^']+)'/.exec(howTo)?.[1]
  t.ok(credentials && tokenUrl && resource, 'the how-to names credentials, token URL and resource')
  t.notMatch(JSON.stringify(gateway.logs()) + gateway.stderr(), credentials!.split(':')[1]!, 'the secret is not in the log')
  const tokenResponse = await fetch(tokenUrl!, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(credentials!).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', resource: resource! }),
  })
  t.equal(tokenResponse.status, 200, tokenResponse.status === 200 ? '' : await tokenResponse.clone().text())
  const { access_token: token } = (await tokenResponse.json()) as { access_token: string }
  const directory = await fetch(`${gateway.url}/v1/directory`, { headers: { authorization: `Bearer ${token}` } })
  t.equal(directory.status, 200)
  t.match(await directory.json(), { version: 1, created_by: 'dev-bootstrap' })
})

t.test('production without OIDC_ISSUER refuses to start, saying what to set', async (t) => {
  const run = await runCli(['serve'], { DATABASE_URL: await createTestDatabase(t), NODE_ENV: 'production' })
  t.equal(run.code, 1)
  t.match(run.stderr, /OIDC_ISSUER must be set when NODE_ENV=production/)
})
