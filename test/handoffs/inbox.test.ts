import t from 'tap'
import { fixtureJson } from '../intake/helpers.ts'
import { appPuller } from '../helpers/kit-partner.ts'
import { DESTINATION, handoffTestApp, type HandoffTestApp, urgentCase } from './helpers.ts'

/** Another case (its own URLs and account), routed to de-police among others. */
async function submitCase(ctx: HandoffTestApp, n: number): Promise<string> {
  const report = urgentCase(`inbox_${n}`)
  const res = await ctx.app.inject({ method: 'POST', url: '/v1/reports', headers: await ctx.auth('exampletube'), payload: report })
  return res.json().id
}

async function inbox(ctx: HandoffTestApp, query: string) {
  return ctx.app.inject({ method: 'GET', url: `/v1/inbox?${query}`, headers: await ctx.auth(DESTINATION) })
}

t.test('a cursor returns only what became available since; without one, everything not yet receipted', async (t) => {
  const ctx = await handoffTestApp(t)
  const first = await ctx.submit()
  await ctx.worker.step()
  const all = (await inbox(ctx, '')).json()
  t.same(
    all.handoffs.map((h: { id: string }) => h.id),
    [first.handoffId],
  )
  const empty = (await inbox(ctx, `cursor=${all.next_cursor}`)).json()
  t.same(empty, { handoffs: [], retractions: [], renotices: [], next_cursor: all.next_cursor }, 'nothing new since the cursor')

  await submitCase(ctx, 1)
  await ctx.worker.step()
  const newer = (await inbox(ctx, `cursor=${all.next_cursor}`)).json()
  t.equal(newer.handoffs.length, 1, 'only the new handoff')
  t.not(newer.handoffs[0].id, first.handoffId)
  t.not(newer.next_cursor, all.next_cursor, 'the cursor moved on')
  t.equal((await inbox(ctx, '')).json().handoffs.length, 2, 'without a cursor both, as neither is receipted')
})

t.test('a cursor or wait the gateway did not give out is a 400 naming the parameter', async (t) => {
  const ctx = await handoffTestApp(t)
  for (const [query, pointer] of [
    ['cursor=bm90LWEtY3Vyc29y', '/cursor'], // base64url of "not-a-cursor"
    ['cursor=%2F%2F', '/cursor'],
    ['wait=31', '/wait'],
    ['wait=-1', '/wait'],
  ] as const) {
    const res = await inbox(ctx, query)
    t.equal(res.statusCode, 400, query)
    t.equal(res.headers['content-type'], 'application/problem+json')
    t.match(res.json().errors, [{ in: 'query', pointer }], `${query} names ${pointer}`)
  }
})

t.test('a long poll through the kit’s pull is answered when a handoff becomes available, not when its wait runs out', async (t) => {
  const ctx = await handoffTestApp(t)
  // de-police runs the receiver kit's pull, under the key the directory lists for it
  const kit = await appPuller(ctx, ctx.key, DESTINATION)
  const cursor = (await inbox(ctx, '')).json().next_cursor
  const waiting = kit.pull({ cursor, wait: 30 })
  await new Promise((resolve) => setTimeout(resolve, 300)) // let it start waiting (if it has not, it answers at once anyway)
  const { handoffId } = await ctx.submit()
  await ctx.worker.step() // NOTIFY hg_inbox, heard by the app's listener connection
  const answer = await Promise.race([waiting, new Promise<'still waiting'>((resolve) => setTimeout(() => resolve('still waiting'), 25_000))])
  t.not(answer, 'still waiting', 'answered before its 30 s wait ran out')
  if (answer === 'still waiting') return
  t.same([answer.received, answer.refused], [[handoffId], []], 'with the new handoff, verified and receipted by the kit')
  const { rows } = await ctx.database.pool.query('SELECT state, receipt FROM handoffs WHERE id = $1', [handoffId])
  t.same(rows[0], { state: 'received', receipt: await kit.receipt(handoffId) }, 'the receipt the gateway recorded is the kit’s')

  const idle = await kit.pull({ cursor: answer.cursor, wait: 1 })
  t.same([idle.received, idle.refused], [[], []], 'a wait with nothing new ends empty')
  t.equal(kit.handed.length, 1, 'the kit handled one handoff in all')
})

t.test('a full page without a cursor, in urgency order, never yields a cursor that passes over an older handoff', async (t) => {
  const ctx = await handoffTestApp(t)
  const homeHosted = fixtureJson('report-web-form.json')
  homeHosted.channel = 'hotline_referral' // a hotline's classification sends home-hosted material to the police
  delete homeHosted.source.external_id
  homeHosted.items[0]!.hosting = { ...homeHosted.items[0]!.hosting, country: 'BE' }
  homeHosted.items[0]!.classification = { status: 'baseline' }
  t.equal((await ctx.app.inject({ method: 'POST', url: '/v1/reports', headers: await ctx.auth('be-hotline'), payload: homeHosted })).statusCode, 202)
  await ctx.worker.step() // signed first: the older place
  const urgent = urgentCase('inbox_urgent')
  urgent.victim_country = 'BE'
  t.equal((await ctx.app.inject({ method: 'POST', url: '/v1/reports', headers: await ctx.auth('exampletube'), payload: urgent })).statusCode, 202)
  await ctx.worker.step()
  const police = async (query: string) => ctx.app.inject({ method: 'GET', url: `/v1/inbox?${query}`, headers: await ctx.auth('be-police') })
  const first = (await police('limit=1')).json()
  t.equal(first.handoffs.length, 1)
  t.equal(first.handoffs[0].urgent, true, 'urgent first')
  const rest = (await police(`limit=10&cursor=${first.next_cursor}`)).json()
  t.ok(
    rest.handoffs.some((h: { urgent: boolean }) => !h.urgent),
    'the older, non-urgent handoff comes after the cursor',
  )
})
