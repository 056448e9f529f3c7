import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises'
import { request } from 'node:https'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import type { JWK } from 'jose'
import t, { type Test } from 'tap'
import { createDirectoryService } from '../../src/directory/directory-service.ts'
import type { DirectoryDocument } from '../../src/directory/participant.ts'
import { directoryWithKey, signingKey } from '../handoffs/helpers.ts'
import { gatewayEnv } from '../helpers/gateway-env.ts'
import { runCli, startCommand, startGateway, until } from '../helpers/process.ts'
import { certificate } from '../helpers/tls.ts'
import { fixtureJson } from '../intake/helpers.ts'

const tls = await certificate()

/** `partner keygen` for a participant: the key file and the public JWK it printed in the directory snippet. */
async function keygen(t: Test, dir: string, participant: string): Promise<{ file: string; jwk: JWK }> {
  const file = join(dir, `${participant}.jwk`)
  const made = await runCli(['partner', 'keygen', '--participant', participant, '--out', file])
  t.equal(made.code, 0, `keygen for ${participant}: ${made.stderr}`)
  t.equal((await stat(file)).mode & 0o777, 0o600, 'the private key file is mode 0600')
  const snippet = JSON.parse(made.stdout.slice(made.stdout.indexOf(`{\n  "id": "${participant}"`)))
  const jwk = snippet.keys.jwks.keys[0]
  t.notOk('d' in jwk, 'the snippet carries the public key only')
  t.equal(JSON.parse(await readFile(file, 'utf8')).x, jwk.x, 'of the key in the file')
  return { file, jwk }
}

/** Starts `partner serve` (HTTPS with the test certificate) and waits for the address it listens on. */
async function startPartner(t: Test, args: string[]): Promise<string> {
  const tlsArgs = ['--port', '0', '--tls-cert', tls.file, '--tls-key', join(dirname(tls.file), 'key.pem')]
  const { match } = await startCommand(t, ['partner', 'serve', ...tlsArgs, ...args], {}, /listening on (https:\/\/\S+)/)
  return match[1]!
}

function postTo(url: string, body: string, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', ca: tls.cert, headers: { 'content-type': 'application/json', ...headers } }, (res) => {
      let data = ''
      res.on('data', (chunk) => (data += chunk))
      res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(data) }))
    })
    req.on('error', reject)
    req.end(body)
  })
}

t.test(
  'partners running the kit: a push partner (partner serve) and a pull partner (partner pull) both receipt, verified by the gateway',
  async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'hg-partner-'))
    const police = await keygen(t, dir, 'de-police')
    const hotline = await keygen(t, dir, 'de-hotline')
    const directory: DirectoryDocument = await directoryWithKey(signingKey())
    const entry = (id: string) => directory.participants.find((p) => p.id === id)!
    entry('de-police').keys = { jwks: { keys: [police.jwk as Record<string, string>] } }
    entry('de-hotline').keys = { jwks: { keys: [hotline.jwk as Record<string, string>] } }
    const { pool, idp, env } = await gatewayEnv(t, directory)
    const gateway = await startGateway({ ...env, NODE_EXTRA_CA_CERTS: tls.file, DIRECTORY_CACHE_MS: '0' })
    t.teardown(() => gateway.stop())

    // de-police runs `partner serve` and the directory names it as its push endpoint
    const pushed = join(dir, 'pushed')
    const endpoint = `${await startPartner(t, ['--key', police.file, '--gateway', gateway.url, '--out', pushed])}inbox`
    entry('de-police').delivery = { mode: 'push', endpoint }
    await createDirectoryService({ pool }).publish(directory, { actor: 'test' })

    const unsigned = await postTo(endpoint, '{}')
    t.match(unsigned, { status: 401, body: { code: 'SIGNATURE_MISSING' } }, 'the receiver refuses an unsigned push, saying why')

    const report = fixtureJson('report-imminent-danger.json')
    delete report.source.external_id
    const res = await fetch(`${gateway.url}/v1/reports`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await idp.tokenFor('exampletube')}`, 'content-type': 'application/json' },
      body: JSON.stringify(report),
    })
    t.equal(res.status, 202, 'report accepted')
    const handoff = async (destination: string) =>
      (await pool.query('SELECT id, state, receipt FROM handoffs WHERE participant_id = $1', [destination])).rows[0] as {
        id: string
        state: string
        receipt: string | null
      }

    await until('de-police’s handoff is received', async () => (await handoff('de-police'))?.state === 'received')
    const pushedHandoff = await handoff('de-police')
    t.equal(
      pushedHandoff.receipt,
      await readFile(join(pushed, `${pushedHandoff.id}.receipt.jws`), 'utf8'),
      'the receipt the gateway verified is the one the kit kept',
    )
    const saved = JSON.parse(await readFile(join(pushed, `${pushedHandoff.id}.json`), 'utf8'))
    t.match(saved, { id: pushedHandoff.id, sender: 'exampletube', urgent: true })
    const checked = await runCli(['partner', 'verify', join(pushed, `${pushedHandoff.id}.json`), '--participant', 'de-police'])
    t.equal(checked.code, 0, `the saved handoff verifies offline: ${checked.stderr}`)
    t.match(checked.stdout, /OK: handoff/)
    const forged = join(pushed, 'forged.json')
    await writeFile(forged, JSON.stringify({ ...saved, payload: saved.payload.replace('example', 'exampel') }))
    const refused = await runCli(['partner', 'verify', forged])
    t.equal(refused.code, 1, 'a saved handoff with another payload does not')
    t.match(refused.stderr, /PAYLOAD_DIGEST_MISMATCH/)

    // de-hotline pulls its inbox with the kit
    await until('de-hotline’s handoff is signed', async () => ['ready', 'sent'].includes((await handoff('de-hotline'))?.state))
    const pulled = join(dir, 'pulled')
    const token = { HOTLINE_GATEWAY_TOKEN: await idp.tokenFor('de-hotline') }
    const pull = await runCli(['partner', 'pull', '--key', hotline.file, '--gateway', gateway.url, '--out', pulled, '--once'], token)
    t.equal(pull.code, 0, `partner pull --once: ${pull.stderr}`)
    t.match(pull.stdout, /1 received, 0 retracted, 0 re-notices, 0 refused/)
    const pulledHandoff = await handoff('de-hotline')
    t.equal(pulledHandoff.state, 'received', 'the gateway verified the pulled handoff’s receipt')
    t.equal(pulledHandoff.receipt, await readFile(join(pulled, `${pulledHandoff.id}.receipt.jws`), 'utf8'))

    const status = await runCli(['partner', 'status', pulledHandoff.id, 'assessing', '--key', hotline.file, '--gateway', gateway.url], token)
    t.equal(status.code, 0, `partner status: ${status.stderr}`)
    const assessedAt = new Date(Date.now() - 1000).toISOString()
    const assessed = await runCli(
      [
        'partner',
        'status',
        pulledHandoff.id,
        'assessed',
        '--outcome',
        'illegal',
        '--occurred-at',
        assessedAt,
        '--key',
        hotline.file,
        '--gateway',
        gateway.url,
      ],
      token,
    )
    t.equal(assessed.code, 0, `partner status assessed: ${assessed.stderr}`)
    const { rows } = await pool.query('SELECT status, outcome, occurred_at FROM handoff_statuses WHERE handoff_id = $1 ORDER BY seq', [
      pulledHandoff.id,
    ])
    t.same(
      rows.map((r) => [r.status, r.outcome]),
      [
        ['assessing', null],
        ['assessed', 'illegal'],
      ],
      'the gateway recorded the signed status messages',
    )
    t.equal(rows[1].occurred_at.toISOString(), assessedAt, 'with the time the partner said it happened')
    const noToken = await runCli(['partner', 'status', pulledHandoff.id, 'closed', '--key', hotline.file, '--gateway', gateway.url])
    t.equal(noToken.code, 2, 'without a token it says how to give one')
    t.match(noToken.stderr, /HOTLINE_GATEWAY_TOKEN/)

    // the sender retracts: the push partner is sent the retraction, the pull partner finds it; both receipt it
    const { id: reportId } = await res.json()
    const retracted = await fetch(`${gateway.url}/v1/reports/${reportId}/retract`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await idp.tokenFor('exampletube')}`, 'content-type': 'application/json' },
      body: JSON.stringify({ reason: 'sent in error' }),
    })
    t.equal(retracted.status, 200)
    const retraction = async (destination: string) =>
      (await pool.query('SELECT retraction_state FROM handoffs WHERE participant_id = $1', [destination])).rows[0].retraction_state
    await until('de-police receipted the retraction', async () => (await retraction('de-police')) === 'received')
    t.match(JSON.parse(await readFile(join(pushed, `${pushedHandoff.id}.retraction.json`), 'utf8')), { handoff_id: pushedHandoff.id })
    const pullAgain = await runCli(['partner', 'pull', '--key', hotline.file, '--gateway', gateway.url, '--out', pulled, '--once'], token)
    t.match(pullAgain.stdout, /0 received, 1 retracted, 0 re-notices, 0 refused/, `partner pull --once: ${pullAgain.stderr}`)
    t.equal(await retraction('de-hotline'), 'received', 'the gateway verified the pulled retraction’s receipt')

    // as a service: long-polling until its service manager stops it, then a clean exit
    const puller = await startCommand(t, ['partner', 'pull', '--key', hotline.file, '--gateway', gateway.url, '--out', pulled], token, /long-polling/)
    const exited = new Promise<number | null>((resolve) => puller.child.once('exit', (code) => resolve(code)))
    puller.child.kill('SIGTERM')
    t.equal(await exited, 0, 'partner pull exits 0 on SIGTERM, in the middle of a long poll')
    t.match(puller.stdout(), /partner pull: stopped/)
  },
)
