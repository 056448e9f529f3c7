import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import { fixtureJson } from '../intake/helpers.ts'
import { startGateway } from '../helpers/process.ts'

/** `npm start` on a fresh machine: no DATABASE_URL, so embedded PGlite on disk, and the development issuer. */
t.test('without DATABASE_URL the gateway runs on embedded PGlite: example directory, tokens, intake and signing', async (t) => {
  const dataDir = t.testdir()
  const gateway = await startGateway({ NODE_ENV: 'development', DATA_DIR: dataDir }, [], 90_000)
  t.teardown(() => gateway.stop())
  t.ok(
    gateway.logs().some((line) => line.msg === 'empty database: published the example directory (examples/directory.yaml)'),
    'the example directory is published on the empty database (after the migrations, on its one connection)',
  )
  const howTo = await readFile(join(dataDir, 'dev-credentials.txt'), 'utf8')
  const secretOf = (client: string) => new RegExp(`${client}:(\\S+)`).exec(howTo)?.[1]
  const tokenUrl = /'(http:\/\/127\.0\.0\.1:\d+\/token)'/.exec(howTo)![1]!
  const resource = /'resource=([^']+)'/.exec(howTo)![1]!
  const token = async (client: string) => {
    const res = await fetch(tokenUrl, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${client}:${secretOf(client)}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ grant_type: 'client_credentials', resource }),
    })
    return ((await res.json()) as { access_token: string }).access_token
  }
  const report = fixtureJson('report-imminent-danger.json')
  const accepted = await fetch(`${gateway.url}/v1/reports`, {
    method: 'POST',
    headers: { authorization: `Bearer ${await token('exampletube')}`, 'content-type': 'application/json' },
    body: JSON.stringify(report),
  })
  t.equal(accepted.status, 202, 'a report is accepted')
  // the background worker signs it; de-police long-polls its inbox for it (woken in process: PGlite cannot LISTEN beside the pool)
  const inbox = await fetch(`${gateway.url}/v1/inbox?wait=30`, { headers: { authorization: `Bearer ${await token('de-police')}` } })
  t.equal(inbox.status, 200)
  t.equal(((await inbox.json()) as { handoffs: unknown[] }).handoffs.length, 1, 'and its handoff reaches de-police')
})
