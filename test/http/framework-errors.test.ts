import { connect } from 'node:net'
import t, { type Test } from 'tap'
import { buildTestApp } from '../helpers/app.ts'

/** Refusals made by Fastify's router and Node's HTTP parser answer problem+json too, and echo nothing long. */

function assertProblem(t: Test, status: number, contentType: unknown, body: any, code: string) {
  t.match(contentType, /^application\/problem\+json/, 'problem+json')
  t.match(body, { status, code, type: /^urn:hotline-gateway:problem:/, title: String, detail: String })
}

t.test('issue 12 #11: an undecodable percent-encoding in the path is a 400 problem', async (t) => {
  const { app, auth } = await buildTestApp(t)
  const res = await app.inject({ method: 'GET', url: '/v1/handoffs/%FF', headers: await auth('be-hotline') })
  t.equal(res.statusCode, 400)
  assertProblem(t, 400, res.headers['content-type'], res.json(), 'HG_BAD_REQUEST')
  t.match(res.headers['x-request-id'], /.+/, 'the request id is answered, to quote')
})

t.test('issue 12 #11: an over-long path parameter is a 414 problem that does not echo the path', async (t) => {
  const { app, auth } = await buildTestApp(t)
  const long = 'A'.repeat(5000)
  const res = await app.inject({ method: 'GET', url: `/v1/handoffs/${long}`, headers: await auth('be-hotline') })
  t.equal(res.statusCode, 414)
  assertProblem(t, 414, res.headers['content-type'], res.json(), 'HG_URI_TOO_LONG')
  t.notOk(res.body.includes('A'.repeat(300)), 'the path is not echoed')
  t.ok(res.body.length < 1000, `a small answer (${res.body.length} bytes)`)
})

t.test('a long path nothing serves is a 404 that echoes at most a bounded prefix of it', async (t) => {
  const { app } = await buildTestApp(t)
  const res = await app.inject({ method: 'GET', url: `/nowhere/${'B'.repeat(8000)}` })
  t.equal(res.statusCode, 404)
  assertProblem(t, 404, res.headers['content-type'], res.json(), 'HG_NOT_FOUND')
  t.ok(res.body.length < 1000, `a small answer (${res.body.length} bytes)`)
})

t.test('issue 12 #11: oversized request headers are a 431 problem on a real socket', async (t) => {
  const { app } = await buildTestApp(t)
  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.address() as { port: number }
  const raw = await new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = []
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(`GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Pad: ${'p'.repeat(40_000)}\r\n\r\n`)
    })
    socket.on('data', (chunk) => chunks.push(chunk))
    socket.on('error', () => resolve(Buffer.concat(chunks).toString()))
    socket.on('close', () => resolve(Buffer.concat(chunks).toString()))
    socket.setTimeout(10_000, () => reject(new Error('no answer')))
  })
  const [head, body] = raw.split('\r\n\r\n')
  t.match(head, /^HTTP\/1\.1 431 /)
  const contentType = /content-type: ([^\r\n]+)/i.exec(head ?? '')?.[1]
  assertProblem(t, 431, contentType, JSON.parse(body ?? '{}'), 'HG_HEADERS_TOO_LARGE')
  t.notOk(raw.includes('ppppp'), 'the header is not echoed')
})
