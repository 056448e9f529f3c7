import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { compactVerify, createLocalJWKSet, decodeProtectedHeader } from 'jose'
import t from 'tap'
import { sha256Hex } from '../../src/crypto/jws.ts'
import { runCli } from '../helpers/process.ts'
import { DESTINATION, handoffTestApp } from './helpers.ts'

t.test('report -> signed handoff -> inbox -> receipt -> statuses -> sender sees status -> evidence verifies offline', async (t) => {
  const ctx = await handoffTestApp(t)
  const { reportId, handoffId } = await ctx.submit()
  t.ok(handoffId, 'de-police has a handoff')
  t.equal((await ctx.inbox()).json().handoffs.length, 0, 'nothing in the inbox before the worker signs')

  t.ok((await ctx.worker.step()) >= 1, 'the worker signs the pending handoffs')
  const inbox = (await ctx.inbox()).json()
  t.equal(inbox.handoffs.length, 1)
  const item = inbox.handoffs[0]
  t.match(item, {
    id: handoffId,
    report_id: reportId,
    sender: 'exampletube',
    format: 'canonical_v1',
    urgent: true,
    payload_media_type: 'application/json',
  })
  t.equal(sha256Hex(item.payload), item.payload_sha256, 'the payload is what its digest says')
  t.equal(sha256Hex(item.manifest), item.manifest_sha256)
  const payload = JSON.parse(item.payload)
  t.equal(payload.reporter.contact.email, 'safety-desk@example.net', 'law enforcement gets the contact the reporter consented to')
  t.same(payload.items.length, 2)

  const jwks = (await ctx.app.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json()
  const verified = await compactVerify(item.manifest, createLocalJWKSet(jwks))
  t.equal(verified.protectedHeader.typ, 'hotline-gateway-handoff-manifest+jws', 'a manifest is not a receipt')
  t.match(JSON.parse(Buffer.from(verified.payload).toString()), {
    iss: 'https://gateway.example.org',
    handoff_id: handoffId,
    report_id: reportId,
    sender: 'exampletube',
    destination: DESTINATION,
    payload_sha256: item.payload_sha256,
    urgent: true,
    rules: [{ rule_id: 'imminent-danger' }],
  })

  const again = (await ctx.inbox()).json().handoffs[0]
  t.equal(again.manifest, item.manifest, 'fetching again gives the identical manifest')
  t.equal(again.payload, item.payload)

  const receipt = await ctx.receipt(handoffId, item.manifest)
  const received = await ctx.post(DESTINATION, `/v1/handoffs/${handoffId}/receipt`, { receipt })
  t.equal(received.statusCode, 200, received.body)
  t.match(received.json(), { state: 'received', receipt })
  const replay = await ctx.post(DESTINATION, `/v1/handoffs/${handoffId}/receipt`, { receipt })
  t.equal(replay.statusCode, 200, 'the same receipt again is fine')
  t.equal((await ctx.inbox()).json().handoffs.length, 0, 'a receipted handoff leaves the inbox')

  for (const [status, extra] of [
    ['in_review', {}],
    ['forwarded_to_law_enforcement', {}],
    ['rejected', { reason_code: 'out_of_jurisdiction' }],
  ] as const) {
    const res = await ctx.post(DESTINATION, `/v1/handoffs/${handoffId}/status`, { status: await ctx.status(handoffId, item.manifest, status, extra) })
    t.equal(res.statusCode, 200, res.body)
  }
  const sender = (await ctx.app.inject({ method: 'GET', url: `/v1/reports/${reportId}`, headers: await ctx.auth('exampletube') })).json()
  t.match(
    sender.handoffs.find((h: { id: string }) => h.id === handoffId),
    { state: 'received', status: { status: 'rejected' } },
  )
  const view = (await ctx.app.inject({ method: 'GET', url: `/v1/handoffs/${handoffId}`, headers: await ctx.auth('example-auditor') })).json()
  t.same(
    view.statuses.map((s: { seq: number; status: string; reason_code: string | null }) => [s.seq, s.status, s.reason_code]),
    [
      [1, 'in_review', null],
      [2, 'forwarded_to_law_enforcement', null],
      [3, 'rejected', 'out_of_jurisdiction'],
    ],
  )
  t.notOk('payload' in view, 'the auditor never sees the payload')

  await ctx.settle()
  const evidence = await ctx.get(`/v1/handoffs/${handoffId}/evidence`)
  t.equal(evidence.statusCode, 200, evidence.body)
  const bundle = evidence.json()
  t.equal(bundle.format, 'hotline-gateway/handoff-evidence/v1')
  t.same(bundle.audit.entries.map((e: { entry: { type: string } }) => e.entry.type).sort(), [
    'gateway_key.published',
    'handoff.receipt_received',
    'handoff.sent',
    'handoff.signed',
    'handoff.status_changed',
    'handoff.status_changed',
    'handoff.status_changed',
  ])
  t.equal(decodeProtectedHeader(bundle.manifest).kid, bundle.keys.gateway[0].kid)

  const dir = await mkdtemp(join(tmpdir(), 'hg-handoff-'))
  const file = join(dir, 'evidence.json')
  await writeFile(file, JSON.stringify(bundle))
  const ok = await runCli(['audit', 'verify-evidence', file, '--key', await ctx.verifierKey()])
  t.equal(ok.code, 0, ok.stderr)
  t.match(ok.stdout, /manifest: signed by gateway key .* \(published in entry \d+\)/)
  t.match(ok.stdout, /receipt: signed by de-police key de-police-2026/)
  t.match(ok.stdout, /status 3: rejected/)
  t.match(ok.stdout, new RegExp(`OK: handoff ${handoffId} to de-police`))
})
