import { readFile } from 'node:fs/promises'
import t from 'tap'
import { DEAD_LETTERED, isTransition, MOVES, REQUEUED, SENT } from '../../src/handoffs/handoff-transitions.ts'
import { DESTINATION, handoffTestApp, type HandoffTestApp } from './helpers.ts'

const FINAL = ['received', 'failed', 'withdrawn']

async function stateOf(ctx: HandoffTestApp, id: string): Promise<string> {
  const res = await ctx.app.inject({ method: 'GET', url: `/v1/handoffs/${id}`, headers: await ctx.auth('exampletube') })
  return res.json().state
}

t.test('the moves name exactly the states of the contract; a final state has no way out', async (t) => {
  const schema = JSON.parse(await readFile(new URL('../../schemas/handoff.json', import.meta.url), 'utf8'))
  const named = new Set(['pending', ...Object.values(MOVES).flatMap((move) => [...move.from, ...move.to])])
  t.same([...named].sort(), [...schema.properties.state.enum].sort(), 'every state of schemas/handoff.json, and no other')
  for (const state of FINAL)
    t.notOk(
      Object.values(MOVES).some((move) => (move.from as readonly string[]).includes(state)),
      `${state} is final`,
    )
  t.ok(isTransition('ready', 'sent'))
  t.ok(isTransition('dead_letter', 'sent'), 'a dead letter fetched from the inbox')
  t.notOk(isTransition('pending', 'sent'), 'nothing is sent before it is signed')
  t.notOk(isTransition('received', 'ready'))
})

t.test('a move its state does not allow is refused and changes nothing', async (t) => {
  const ctx = await handoffTestApp(t)
  const { handoffId } = await ctx.submit()
  const early = await ctx.post(DESTINATION, `/v1/handoffs/${handoffId}/receipt`, { receipt: await ctx.receipt(handoffId, 'x') })
  t.equal(early.statusCode, 409, 'pending: no receipt')
  t.equal((await ctx.database.pool.query(SENT.handoff, [handoffId])).rowCount, 0, 'pending: not sent')

  await ctx.worker.step()
  const fetched = (await ctx.inbox()).json().handoffs.find((h: { id: string }) => h.id === handoffId)
  const receipted = await ctx.post(DESTINATION, `/v1/handoffs/${handoffId}/receipt`, { receipt: await ctx.receipt(handoffId, fetched.manifest) })
  t.equal(receipted.statusCode, 200)
  t.equal(await stateOf(ctx, handoffId), 'received')

  const redeliver = await ctx.app.inject({ method: 'POST', url: `/v1/handoffs/${handoffId}/redeliver`, headers: await ctx.auth('gateway-admin') })
  t.equal(redeliver.statusCode, 409, 'received: not redelivered')
  t.equal(redeliver.json().code, 'HG_CONFLICT')
  const pool = ctx.database.pool
  t.equal((await pool.query(SENT.handoff, [handoffId])).rowCount, 0, 'received: not sent again')
  t.equal((await pool.query(DEAD_LETTERED, [handoffId, 'HTTP 500'])).rowCount, 0, 'received: never a dead letter')
  t.equal((await pool.query(REQUEUED, [handoffId])).rowCount, 0, 'received: never re-queued')
  t.equal(await stateOf(ctx, handoffId), 'received', 'still received')
})

t.test('a withdrawn handoff stays withdrawn: no receipt, not in the inbox', async (t) => {
  const ctx = await handoffTestApp(t)
  const { reportId, handoffId } = await ctx.submit()
  const retracted = await ctx.post('exampletube', `/v1/reports/${reportId}/retract`, { reason: 'Reported in error: a film trailer.' })
  t.equal(retracted.statusCode, 200)
  await ctx.worker.step()
  t.equal(await stateOf(ctx, handoffId), 'withdrawn', 'the worker withdraws what it was about to sign')
  t.notOk(
    (await ctx.inbox()).json().handoffs.some((h: { id: string }) => h.id === handoffId),
    'not offered',
  )
  const receipt = await ctx.post(DESTINATION, `/v1/handoffs/${handoffId}/receipt`, { receipt: await ctx.receipt(handoffId, 'x') })
  t.equal(receipt.statusCode, 409)
  t.equal((await ctx.database.pool.query(SENT.handoff, [handoffId])).rowCount, 0, 'withdrawn: not sent')
  t.equal(await stateOf(ctx, handoffId), 'withdrawn')
})
