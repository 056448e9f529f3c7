import type { JWK } from 'jose'
import t from 'tap'
import { createRenotices } from '../../src/handoffs/renotices.ts'
import { HANDOFF_RECEIPT_TYP, HANDOFF_STATUS_TYP } from '../../src/handoffs/signed-message.ts'
import { sha256Hex } from '../../src/crypto/jws.ts'
import { staticJwks, verifyRenotice } from '../../src/receiver/index.ts'
import { auditTestApp } from '../audit/gateway.ts'
import { ILLEGAL, item, report } from '../routing/helpers.ts'
import { directoryWithKey, sign, signingKey } from './helpers.ts'
import { createHandoffWorker } from '../../src/handoffs/handoff-worker.ts'

const PLATFORM = 'exampletube'

/** A gateway where exampletube (a platform that takes notices) pulls and signs with a published key. */
async function platformApp(t: Parameters<typeof auditTestApp>[0]) {
  const key = signingKey('exampletube-2026')
  const directory = await directoryWithKey(signingKey())
  Object.assign(
    directory.participants.find((p) => p.id === PLATFORM)!,
    { keys: { jwks: { keys: [key.jwk as Record<string, string>] } } },
  )
  const ctx = await auditTestApp(t, { directory })
  const pool = ctx.database.pool
  const worker = createHandoffWorker({ pool, sealer: ctx.sealer, logger: ctx.app.log as never, issuer: 'https://gateway.example.org' })
  const headers = async (client: string) => ctx.auth(client)
  return {
    ...ctx,
    worker,
    /** be-hotline refers material it classified illegal on ExampleTube: a notice to the platform. */
    async notice(): Promise<{ id: string; manifest: string }> {
      const referral = { ...report([item({ country: 'US', platform: 'ExampleTube' }, ILLEGAL)]), channel: 'hotline_referral' as const }
      const res = await ctx.app.inject({ method: 'POST', url: '/v1/reports', headers: await headers('be-hotline'), payload: referral })
      if (res.statusCode !== 202) throw new Error(res.body)
      await worker.step()
      const { rows } = await pool.query('SELECT id, manifest FROM handoffs WHERE report_id = $1 AND participant_id = $2', [res.json().id, PLATFORM])
      if (!rows[0]) throw new Error('the report was not routed to the platform')
      return rows[0]
    },
    inbox: async () => (await ctx.app.inject({ method: 'GET', url: '/v1/inbox', headers: await headers(PLATFORM) })).json(),
    async receipt(h: { id: string; manifest: string }) {
      const claims = { handoff_id: h.id, manifest_sha256: sha256Hex(h.manifest), received_at: new Date().toISOString() }
      const jws = await sign(key, HANDOFF_RECEIPT_TYP, claims)
      return ctx.app.inject({ method: 'POST', url: `/v1/handoffs/${h.id}/receipt`, headers: await headers(PLATFORM), payload: { receipt: jws } })
    },
    async status(h: { id: string; manifest: string }, status: string) {
      const claims = { handoff_id: h.id, manifest_sha256: sha256Hex(h.manifest), status, at: new Date().toISOString() }
      const jws = await sign(key, HANDOFF_STATUS_TYP, claims)
      return ctx.app.inject({ method: 'POST', url: `/v1/handoffs/${h.id}/status`, headers: await headers(PLATFORM), payload: { status: jws } })
    },
    escalations: async () =>
      (await ctx.app.inject({ method: 'GET', url: '/v1/escalations', headers: await headers('gateway-admin') })).json().escalations,
    async entries(id: string): Promise<string[]> {
      const { rows } = await pool.query(
        `SELECT convert_from(e.entry, 'UTF8')::jsonb->>'type' AS type FROM handoff_audit a JOIN audit_entries e ON e.id = a.audit_entry_id
          WHERE a.handoff_id = $1 ORDER BY e.id`,
        [id],
      )
      return rows.map((r) => r.type)
    },
  }
}

t.test('a platform that does not remove the content is sent signed re-notices, then flagged for the operators', async (t) => {
  const ctx = await platformApp(t)
  const kept = await ctx.notice()
  const removed = await ctx.notice()
  const fetched = await ctx.inbox()
  t.same(fetched.handoffs.map((h: { id: string }) => h.id).sort(), [kept.id, removed.id].sort(), 'the platform fetches both notices')
  t.equal((await ctx.receipt(removed)).statusCode, 200)
  t.equal((await ctx.status(removed, 'content_removed')).statusCode, 200, 'one is removed at once')

  const pool = ctx.database.pool
  const renotices = (afterMs: number) => createRenotices({ pool, sealer: ctx.sealer, issuer: 'https://gateway.example.org', afterMs, max: 2 })
  t.equal(await renotices(3_600_000).step(), 0, 'nothing is due within the window')
  const due = renotices(0)
  t.equal(await due.step(), 1, 'with no window the notice still up is due at once; the removed one never')
  const jwks = (await ctx.app.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json().keys as JWK[]
  const first = (await ctx.inbox()).renotices
  t.equal(first.length, 1, 'the inbox lists the re-notice')
  const verified = await verifyRenotice(first[0], staticJwks(jwks), PLATFORM)
  t.match(
    verified.claims,
    { handoff_id: kept.id, manifest_sha256: sha256Hex(kept.manifest), renotice: 1, destination: PLATFORM },
    'signed by the gateway, naming the first notice',
  )
  t.same((await ctx.inbox()).renotices, [], 'a re-notice is listed once')

  t.equal(await due.step(), 1, 'a second re-notice')
  t.match((await ctx.inbox()).renotices, [{ handoff_id: kept.id }])
  t.same(await ctx.escalations(), [], 'nothing flagged yet')
  t.equal(await due.step(), 1, 'past RENOTICE_MAX: flagged instead')
  t.same((await ctx.inbox()).renotices, [], 'no third re-notice')
  t.equal(await due.step(), 0, 'flagged once')
  t.match(
    await ctx.escalations(),
    [{ handoff_id: kept.id, destination: PLATFORM, reason: 'renotice_exhausted', renotices: 2, state: 'sent' }],
    'listed for the operators with the number of re-notices',
  )
  t.same(
    (await ctx.entries(kept.id)).filter((type) => type.startsWith('handoff.renotice')),
    ['handoff.renotice_signed', 'handoff.renotice_sent', 'handoff.renotice_signed', 'handoff.renotice_sent', 'handoff.renotice_exhausted'],
    'every step is audited',
  )
  t.same(
    (await ctx.entries(removed.id)).filter((type) => type.startsWith('handoff.renotice')),
    [],
    'none for the removed one',
  )

  t.equal((await ctx.receipt(kept)).statusCode, 200)
  t.equal((await ctx.status(kept, 'content_unavailable')).statusCode, 200, 'the platform finally acts')
  t.same(await ctx.escalations(), [], 'and the flag is cleared')
})
