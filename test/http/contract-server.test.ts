import { fileURLToPath } from 'node:url'
import t, { type Test } from 'tap'
import { createContractServer } from '../../src/http/contract-server.ts'
import { loadContract } from '../../src/http/openapi-document.ts'
import type { OperationHandlers } from '../../src/http/operations.ts'
import { capturingLogger } from '../helpers/app.ts'

const FIXTURE = fileURLToPath(new URL('../fixtures/contract/openapi.yaml', import.meta.url))

const handlers: OperationHandlers = {
  echo: async (request) => request.body,
  getItem: async (request) => ({ status: 'ok', limit: (request.query as { limit?: number }).limit }),
  broken: async () => ({ status: 'ok', secret_internal: 'db password is hunter2' }),
}

async function server(h: OperationHandlers = handlers) {
  const contract = await loadContract(FIXTURE)
  const { logger, logs } = capturingLogger()
  const app = await createContractServer({ contract, logger, bodyLimit: 1 << 20, handlers: () => h })
  t.teardown(() => app.close())
  return { app, logs }
}

function assertProblem(tt: Test, res: { statusCode: number; headers: Record<string, unknown>; json(): any }, status: number, code: string) {
  tt.equal(res.statusCode, status, `status ${status}`)
  tt.match(res.headers['content-type'], /^application\/problem\+json/)
  const body = res.json()
  tt.match(body, { status, code, type: /^urn:hotline-gateway:problem:/, title: String, detail: String, request_id: String })
  return body
}

t.test('a valid body is accepted and echoed', async (t) => {
  const { app } = await server()
  const res = await app.inject({ method: 'POST', url: '/echo', payload: { name: 'a', count: 1 } })
  t.equal(res.statusCode, 200)
  t.same(res.json(), { name: 'a', count: 1 })
})

t.test('validation failures name every failing field', async (t) => {
  const { app } = await server()
  const res = await app.inject({ method: 'POST', url: '/echo', payload: { name: 'far too long a name', tags: ['blue'], extra: 1 } })
  const body = assertProblem(t, res, 400, 'HG_VALIDATION')
  const pointers = body.errors.map((e: { pointer: string }) => e.pointer).sort()
  t.same(pointers, ['/count', '/extra', '/name', '/tags/0'])
  t.ok(body.errors.every((e: { in: string }) => e.in === 'body'))
  t.match(body.errors.find((e: { pointer: string }) => e.pointer === '/extra').message, /unknown property/)
})

t.test('types are not coerced in bodies: "1" is not an integer', async (t) => {
  const { app } = await server()
  const res = await app.inject({ method: 'POST', url: '/echo', payload: { name: 'a', count: '1' } })
  const body = assertProblem(t, res, 400, 'HG_VALIDATION')
  t.same(
    body.errors.map((e: { pointer: string }) => e.pointer),
    ['/count'],
  )
})

t.test('malformed JSON is a 400 problem', async (t) => {
  const { app } = await server()
  const res = await app.inject({ method: 'POST', url: '/echo', headers: { 'content-type': 'application/json' }, payload: '{"name":' })
  assertProblem(t, res, 400, 'HG_MALFORMED_BODY')
})

t.test('an empty JSON body is a 400 problem', async (t) => {
  const { app } = await server()
  const res = await app.inject({ method: 'POST', url: '/echo', headers: { 'content-type': 'application/json' }, payload: '' })
  assertProblem(t, res, 400, 'HG_MALFORMED_BODY')
})

t.test('prototype poisoning is refused', async (t) => {
  const { app } = await server()
  const res = await app.inject({
    method: 'POST',
    url: '/echo',
    headers: { 'content-type': 'application/json' },
    payload: '{"name":"a","count":1,"__proto__":{"x":1}}',
  })
  t.equal(res.statusCode, 400)
  t.match(res.headers['content-type'], /problem\+json/)
})

t.test('an unsupported media type is a 415 problem', async (t) => {
  const { app } = await server()
  const res = await app.inject({ method: 'POST', url: '/echo', headers: { 'content-type': 'text/csv' }, payload: 'a,b' })
  assertProblem(t, res, 415, 'HG_UNSUPPORTED_MEDIA_TYPE')
})

t.test('a body over the operation limit is a 413 problem', async (t) => {
  const { app } = await server()
  const res = await app.inject({ method: 'POST', url: '/echo', payload: { name: 'a', count: 1, pad: 'x'.repeat(4096) } })
  assertProblem(t, res, 413, 'HG_PAYLOAD_TOO_LARGE')
})

t.test('unknown path is 404, known path with another method is 405 with Allow', async (t) => {
  const { app } = await server()
  assertProblem(t, await app.inject({ method: 'GET', url: '/nowhere' }), 404, 'HG_NOT_FOUND')
  const res = await app.inject({ method: 'DELETE', url: '/items/4b0e3f7c-3c2a-4a3e-9b8e-2f1d2c3b4a5f' })
  assertProblem(t, res, 405, 'HG_METHOD_NOT_ALLOWED')
  t.equal(res.headers.allow, 'GET, HEAD')
})

t.test('an Accept the operation cannot satisfy is a 406 problem', async (t) => {
  const { app } = await server()
  assertProblem(t, await app.inject({ method: 'GET', url: '/broken', headers: { accept: 'text/html' } }), 406, 'HG_NOT_ACCEPTABLE')
  const ok = await app.inject({
    method: 'GET',
    url: '/items/4b0e3f7c-3c2a-4a3e-9b8e-2f1d2c3b4a5f',
    headers: { accept: 'text/html;q=0.9, application/*;q=0.5' },
  })
  t.equal(ok.statusCode, 200)
})

t.test('path and query parameters are validated and coerced', async (t) => {
  const { app } = await server()
  const bad = assertProblem(t, await app.inject({ method: 'GET', url: '/items/not-a-uuid?limit=99' }), 400, 'HG_VALIDATION')
  t.ok(bad.errors.some((e: { in: string; pointer: string }) => e.in === 'path' || e.in === 'query'))
  const unknown = assertProblem(
    t,
    await app.inject({ method: 'GET', url: '/items/4b0e3f7c-3c2a-4a3e-9b8e-2f1d2c3b4a5f?limt=2' }),
    400,
    'HG_VALIDATION',
  )
  t.same(unknown.errors, [{ in: 'query', pointer: '/limt', message: 'is not allowed here (unknown property)' }])
  const coerced = await app.inject({ method: 'GET', url: '/items/4b0e3f7c-3c2a-4a3e-9b8e-2f1d2c3b4a5f?limit=5' })
  t.same(coerced.json(), { status: 'ok', limit: 5 }, 'query integers arrive as numbers')
})

t.test('a response that breaks the contract is a 500 that leaks nothing', async (t) => {
  const { app, logs } = await server()
  const res = await app.inject({ method: 'GET', url: '/broken' })
  const body = assertProblem(t, res, 500, 'HG_INTERNAL')
  t.notMatch(res.body, /hunter2|secret_internal|stack/)
  t.match(body.detail, /request_id/)
  t.ok(
    logs.some((line) => line.level === 50 && line.request_id === body.request_id),
    'the failure is logged with the request id',
  )
})

t.test('a sane X-Request-Id is echoed; an unsafe one is replaced', async (t) => {
  const { app } = await server()
  const kept = await app.inject({ method: 'GET', url: '/nowhere', headers: { 'x-request-id': 'abc-123' } })
  t.equal(kept.headers['x-request-id'], 'abc-123')
  t.equal(kept.json().request_id, 'abc-123')
  const replaced = await app.inject({ method: 'GET', url: '/nowhere', headers: { 'x-request-id': 'evil\nlog line' } })
  t.match(replaced.headers['x-request-id'], /^[0-9a-f-]{36}$/)
})

t.test('start-up fails when an operation has no handler, naming it', async (t) => {
  const { echo: _echo, ...partial } = handlers
  await t.rejects(server(partial), { code: 'OPENAPI_CONTRACT_INVALID', message: /operation echo \(POST \/echo\) has no handler/ })
})

t.test('start-up fails when a handler has no operation, naming it', async (t) => {
  await t.rejects(server({ ...handlers, deleteEverything: async () => null }), {
    code: 'OPENAPI_CONTRACT_INVALID',
    message: /handler deleteEverything has no operation in openapi.yaml/,
  })
})

t.test('a route registered outside the contract stops start-up', async (t) => {
  const contract = await loadContract(FIXTURE)
  const { logger } = capturingLogger()
  const app = await createContractServer({ contract, logger, bodyLimit: 1024, handlers: () => handlers })
  t.teardown(() => app.close())
  t.throws(() => app.get('/secret-backdoor', async () => 'hi'), /not declared in openapi.yaml/)
})

t.test('an unknown query parameter is a 400 naming it, also on an operation that declares none', async (t) => {
  const { app } = await server()
  const res = await app.inject({ method: 'POST', url: '/echo?access_token=secret&x=1', payload: { name: 'a', count: 1 } })
  const body = assertProblem(t, res, 400, 'HG_VALIDATION')
  t.same(body.errors.map((e: { in: string; pointer: string }) => `${e.in} ${e.pointer}`).sort(), ['query /access_token', 'query /x'])
  t.notOk(res.body.includes('secret'), 'the value is not echoed')
})
