import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { createContractServer } from '../../src/http/contract-server.ts'
import { loadContract } from '../../src/http/openapi-document.ts'
import { capturingLogger } from '../helpers/app.ts'

// A path parameter marked x-multi-segment may hold slashes (C2SP tile paths): routed as a wildcard,
// validated under its own name, and known to the 405 matcher.
const SPEC = `openapi: 3.1.0
info: { title: multi-segment fixture, version: '1' }
paths:
  /files/{kind}/{rest}:
    parameters:
      - { name: kind, in: path, required: true, schema: { enum: [a, b] } }
      - name: rest
        in: path
        required: true
        x-multi-segment: true
        schema: { type: string, pattern: '^[a-z0-9]+(/[a-z0-9]+)*$', maxLength: 40 }
    get:
      operationId: getFile
      security: []
      responses:
        '200':
          description: the parameters as seen by the handler
          content:
            application/json:
              schema:
                type: object
                required: [kind, rest]
                properties: { kind: { type: string }, rest: { type: string } }
                additionalProperties: false
        '400': { $ref: '#/components/responses/Problem' }
components:
  responses:
    Problem:
      description: problem
      content:
        application/problem+json:
          schema: { $ref: 'schemas/problem.json' }
`

async function server(spec = SPEC) {
  const dir = await mkdtemp(join(tmpdir(), 'hg-multi-'))
  await writeFile(join(dir, 'openapi.yaml'), spec)
  const contract = await loadContract(join(dir, 'openapi.yaml'))
  const app = await createContractServer({
    contract,
    logger: capturingLogger().logger,
    bodyLimit: 1024,
    handlers: () => ({ getFile: async (request) => request.params }),
  })
  t.teardown(() => app.close())
  return app
}

t.test('a multi-segment parameter receives the rest of the path, slashes included', async (t) => {
  const app = await server()
  for (const rest of ['one', 'x001/x234/067', 'a/b/c/d']) {
    const res = await app.inject({ method: 'GET', url: `/files/a/${rest}` })
    t.equal(res.statusCode, 200, rest)
    t.same(res.json(), { kind: 'a', rest }, 'validated and handed over under its own name')
  }
})

t.test('it is validated under its name: a bad value is a 400 naming the parameter', async (t) => {
  const app = await server()
  for (const rest of ['UPPER/case', 'a//b', `${'x'.repeat(41)}`]) {
    const res = await app.inject({ method: 'GET', url: `/files/b/${rest}` })
    t.equal(res.statusCode, 400, rest)
    t.match(res.json(), { code: 'HG_VALIDATION', errors: [{ in: 'path', pointer: '/rest' }] })
  }
  const empty = await app.inject({ method: 'GET', url: '/files/b/' })
  t.equal(empty.statusCode, 400, 'an empty rest is validated too')
  t.match(empty.json(), { code: 'HG_VALIDATION', errors: [{ in: 'path', pointer: '/rest' }] })
  const kind = await app.inject({ method: 'GET', url: '/files/c/x/y' })
  t.match(kind.json(), { code: 'HG_VALIDATION', errors: [{ in: 'path', pointer: '/kind' }] })
})

t.test('another method on a multi-segment path is a 405 with Allow', async (t) => {
  const app = await server()
  const res = await app.inject({ method: 'POST', url: '/files/a/x/y/z' })
  t.equal(res.statusCode, 405)
  t.equal(res.headers.allow, 'GET, HEAD')
  const elsewhere = await app.inject({ method: 'POST', url: '/other/a/x' })
  t.equal(elsewhere.statusCode, 404)
})

t.test('a multi-segment parameter anywhere but last stops start-up', async (t) => {
  const spec = SPEC.replace('/files/{kind}/{rest}:', '/files/{rest}/{kind}:')
  await t.rejects(server(spec), {
    code: 'OPENAPI_CONTRACT_INVALID',
    message: /getFile: only one x-multi-segment path parameter, as the last segment/,
  })
})
