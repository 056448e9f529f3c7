import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { compactVerify, createLocalJWKSet, decodeProtectedHeader } from 'jose'
import t from 'tap'
import { sha256Hex } from '../../src/crypto/jws.ts'
import { appPuller } from '../helpers/kit-partner.ts'
import { runCli } from '../helpers/process.ts'
import { DESTINATION, handoffTestApp } from './helpers.ts'

t.test('report -> signed handoff -> inbox -> receipt -> takedown timeline -> sender sees status -> evidence verifies offline', async (t) => {
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

  // de-police receipts it through the receiver kit's pull (against the app on a real port), under the key the directory lists
  const kit = await appPuller(ctx, ctx.key, DESTINATION)
  const pulled = await kit.pull()
  t.same([pulled.received, pulled.refused], [[handoffId], []], 'the kit verified the handoff and its receipt was taken')
  const receipt = (await kit.receipt(handoffId))!
  const replay = await ctx.post(DESTINATION, `/v1/handoffs/${handoffId}/receipt`, { receipt })
  t.equal(replay.statusCode, 200, 'the same receipt again is fine')
  t.match(replay.json(), { state: 'received', receipt }, 'the receipt the gateway recorded is the kit’s')
  t.equal((await ctx.inbox()).json().handoffs.length, 0, 'a receipted handoff leaves the inbox')

  // earlier than now, and not before the handoff was made (which may be under a second ago)
  const removedAt = new Date(Date.parse(item.signed_at)).toISOString()
  for (const [status, extra] of [
    ['received', {}],
    ['in_review', {}], // the first vocabulary's word, stored as assessing
    ['assessed', { outcome: 'illegal' }],
    ['referred_to_law_enforcement', {}],
    ['content_removed', { occurred_at: removedAt }],
  ] as const) {
    const res = await ctx.post(DESTINATION, `/v1/handoffs/${handoffId}/status`, { status: await ctx.status(handoffId, item.manifest, status, extra) })
    t.equal(res.statusCode, 200, res.body)
  }
  const sender = (await ctx.app.inject({ method: 'GET', url: `/v1/reports/${reportId}`, headers: await ctx.auth('exampletube') })).json()
  t.match(
    sender.handoffs.find((h: { id: string }) => h.id === handoffId),
    { state: 'received', status: { status: 'content_removed', occurred_at: removedAt, iccam: 'CONTENT_REMOVED' } },
    'the sender sees the latest status, when it happened and its ICCAM action',
  )
  const view = (await ctx.app.inject({ method: 'GET', url: `/v1/handoffs/${handoffId}`, headers: await ctx.auth('example-auditor') })).json()
  t.same(
    view.statuses.map((s: Record<string, unknown>) => [s.seq, s.status, s.outcome, s.iccam]),
    [
      [1, 'received', null, null],
      [2, 'assessing', null, null],
      [3, 'assessed', 'illegal', null],
      [4, 'referred_to_law_enforcement', null, 'LEA'],
      [5, 'content_removed', null, 'CONTENT_REMOVED'],
    ],
    'the timeline, in order, in the current vocabulary',
  )
  t.equal(view.statuses[4].occurred_at, removedAt, 'the time it happened, as the destination signed it')
  t.ok(view.statuses[4].at >= view.statuses[4].occurred_at, 'beside the time the gateway stored it')
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
  t.match(ok.stdout, /status 2: in_review/, 'an alias verifies against the status it was logged as')
  t.match(ok.stdout, /status 5: content_removed/)
  t.match(ok.stdout, new RegExp(`OK: handoff ${handoffId} to de-police`))
})
