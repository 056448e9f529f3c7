import fc from 'fast-check'
import t from 'tap'
import { EXAMPLE_DIRECTORY } from '../../src/dev/dev-mode.ts'
import { readDirectoryFile } from '../../src/directory/directory-file.ts'
import { createDirectoryService } from '../../src/directory/directory-service.ts'
import type { CanonicalReport } from '../../src/intake/report.ts'
import { loadContract, type Operation } from '../../src/http/openapi-document.ts'
import { buildTestApp, type TestApp } from '../helpers/app.ts'
import { fixtureJson, fixtureText } from '../intake/helpers.ts'
import { bodyMutation, bodyText, mutateValue, valueMutation, type BodyMutation } from './mutations.ts'
import { createSchemaArbitraries } from './schema-arbitrary.ts'

/**
 * Schema-derived fuzzing of every operation in openapi.yaml: requests built from each operation's own
 * schemas (path, query, header parameters and bodies, seeded with the fixtures so that many reach the
 * handlers), then broken. Whatever arrives: no 5xx, every error is RFC 9457 problem+json with a code,
 * and a refused write changes no row. FUZZ_SEED replays a run; FUZZ_RUNS sets its length.
 */

const SEED = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31))
const RUNS = Number(process.env.FUZZ_RUNS ?? 2500)
const TIME_LIMIT_MS = Number(process.env.FUZZ_TIME_LIMIT_MS ?? 60_000)

/** Every table a request could write to. */
const TABLES = [
  'reports',
  'report_keys',
  'routing_decisions',
  'handoffs',
  'handoff_statuses',
  'handoff_audit',
  'audit_entries',
  'directory_versions',
  'routing_rulesets',
  'gateway_keys',
]

interface FuzzRequest {
  operation: Operation
  url: string
  headers: Record<string, string>
  payload: string | undefined
}

t.test(`schema-derived fuzzing of every operation (FUZZ_SEED=${SEED} FUZZ_RUNS=${RUNS})`, async (t) => {
  t.comment(`fuzz seed ${SEED}: rerun with FUZZ_SEED=${SEED} npx tap test/faults/fuzz.test.ts`)
  const ctx = await buildTestApp(t, { env: { RATE_LIMIT_PUBLIC: '1000000', RATE_LIMIT_PARTICIPANT: '100000000' } })
  const contract = await loadContract()
  const known = await warmUp(ctx)
  const tokens = await tokensFor(ctx)
  const build = requestBuilder(contract.schemas, known, tokens)
  const statuses = new Map<number, number>()
  const counts = () => rowCounts(ctx)

  await fc.assert(
    fc.asyncProperty(fc.oneof(...contract.operations.map(build)), async (request) => {
      const { operation, url, headers, payload } = request
      const write = operation.method !== 'GET'
      const before = write ? await counts() : undefined
      const res = await ctx.app.inject({ method: operation.method as 'GET', url, headers, ...(payload === undefined ? {} : { payload }) })
      statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1)
      console.log(res.statusCode, operation.operationId, url.slice(0, 80), res.body.slice(0, 150))
      const where = `${operation.method} ${url.slice(0, 200)} (${headers['content-type'] ?? 'no content type'}) answered ${res.statusCode}`
      // a 503 the contract declares (no checkpoint signed yet) is an answer; any other 5xx is a bug
      const declared = res.statusCode === 503 && String(res.statusCode) in operation.responses
      if (res.statusCode >= 500 && !declared) throw new Error(`${where}: ${res.body.slice(0, 500)}; logged: ${loggedErrors(ctx)}`)
      if (res.statusCode < 300 && DIRECTORY_WRITES.has(operation.operationId)) await restoreDirectory(ctx)
      if (res.statusCode < 400) return
      // people's pages (src/pages, src/console, src/auditor) answer a refusal with a page a person can read
      // (a request too broken to reach a route, such as a path that is not a valid URL, still gets a problem)
      const problemJson = /^application\/problem\+json/.test(String(res.headers['content-type']))
      if (answersWithPages(operation) && !problemJson) assertPage(where, res.headers['content-type'], res.body)
      else assertProblem(where, res.statusCode, res.headers['content-type'], res.body)
      if (write) {
        const after = await counts()
        if (JSON.stringify(after) !== JSON.stringify(before))
          throw new Error(`${where} but changed rows: ${JSON.stringify(before)} -> ${JSON.stringify(after)}`)
      }
    }),
    // tap kills a file after 120 s; on a loaded machine the run stops at a minute rather than being killed
    { seed: SEED, numRuns: RUNS, endOnFailure: true, interruptAfterTimeLimit: TIME_LIMIT_MS, markInterruptAsFailure: false },
  )
  const summary = [...statuses.entries()].sort(([a], [b]) => a - b)
  const answered = summary.reduce((n, [, count]) => n + count, 0)
  t.comment(`${answered} requests; statuses: ${summary.map(([status, n]) => `${status}×${n}`).join(' ')}`)
  t.ok(
    summary.some(([status]) => status < 300),
    'some requests reached a handler and succeeded',
  )
  t.ok(answered >= Math.min(RUNS, 200), `${answered} requests were answered (${RUNS} asked for)`)
})

/** Our pages; Swagger UI (served by its plugin at /docs) answers its refusals like the API. */
function answersWithPages(operation: { responses: Record<string, Record<string, unknown>>; extensions: Record<string, unknown> }): boolean {
  return !operation.extensions['x-served-by'] && Object.values(operation.responses).some((content) => 'text/html' in content)
}

function assertPage(where: string, contentType: unknown, body: string): void {
  if (!/^text\/html/.test(String(contentType)) || !body.startsWith('<!doctype html>'))
    throw new Error(`${where} as ${String(contentType)}: ${body.slice(0, 300)}`)
}

function assertProblem(where: string, status: number, contentType: unknown, body: string): void {
  if (!/^application\/problem\+json/.test(String(contentType))) throw new Error(`${where} as ${String(contentType)}: ${body.slice(0, 300)}`)
  const problem = JSON.parse(body) as Record<string, unknown>
  const shaped =
    typeof problem.type === 'string' &&
    typeof problem.title === 'string' &&
    problem.status === status &&
    typeof problem.detail === 'string' &&
    /^HG_[A-Z_]+$/.test(String(problem.code))
  if (!shaped) throw new Error(`${where} with a body that is not an RFC 9457 problem with a code: ${body.slice(0, 300)}`)
}

/** A generated directory can be valid; one without the fuzzing clients would leave every later request a 403. */
const DIRECTORY_WRITES = new Set(['replaceDirectory', 'putParticipant', 'deleteParticipant'])

async function restoreDirectory(ctx: TestApp): Promise<void> {
  await createDirectoryService({ pool: ctx.database.pool }).publish(await readDirectoryFile(EXAMPLE_DIRECTORY), { actor: 'fuzz' })
}

/** What the server logged about its last failure, to say why without rerunning. */
function loggedErrors(ctx: TestApp): string {
  const errors = ctx.logs.filter((line) => (line.level as number) >= 50).slice(-2)
  return JSON.stringify(errors.map((line) => line.err ?? line.msg)).slice(0, 2000)
}

async function rowCounts(ctx: TestApp): Promise<number[]> {
  const { rows } = await ctx.database.pool.query(`SELECT ${TABLES.map((table) => `(SELECT count(*) FROM ${table})::int AS ${table}`).join(', ')}`)
  return TABLES.map((table) => rows[0][table] as number)
}

/** Real ids for path parameters: a stored report (which also creates the receipt key) and its handoffs. */
async function warmUp(ctx: TestApp): Promise<Record<string, unknown[]>> {
  const res = await ctx.app.inject({ method: 'POST', url: '/v1/reports', headers: await ctx.auth('be-hotline'), payload: referral() })
  if (res.statusCode !== 202) throw new Error(`warm-up report refused: ${res.body}`)
  const { rows } = await ctx.database.pool.query('SELECT id FROM handoffs')
  return {
    reportId: [res.json().id, '0190a6f0-0000-7000-8000-000000000000'],
    handoffId: [...rows.map((r) => r.id), '0190a6f0-0000-7000-8000-000000000001'],
    version: [1, 2],
    // never the fuzzing clients' own participants: replacing or deleting them would end the run early
    participantId: ['nl-hotline', 'fr-hotline'],
    path: ['tile/0/000', 'tile/entries/000', 'checkpoint'],
  }
}

/** One client per kind of access: each request carries a real token with the scopes its operation needs. */
async function tokensFor(ctx: TestApp): Promise<Record<string, Record<string, string>>> {
  return {
    'be-hotline': await ctx.auth('be-hotline'),
    'gateway-admin': await ctx.auth('gateway-admin'),
    'example-auditor': await ctx.auth('example-auditor'),
  }
}

function clientFor(operation: Operation): string | undefined {
  const scopes = operation.security?.[0]?.bearerAuth
  if (scopes === undefined) return undefined
  if (scopes.includes('directory:admin')) return 'gateway-admin'
  if (scopes.includes('audit:read')) return 'example-auditor'
  return 'be-hotline'
}

const RAW_SEGMENTS = ['%FF', '%00', '%ED%A0%80', 'x'.repeat(300), '..', '%2F', '-1', '1e309']

function requestBuilder(
  schemas: Parameters<typeof createSchemaArbitraries>[0],
  known: Record<string, unknown[]>,
  tokens: Record<string, Record<string, string>>,
) {
  const arbs = createSchemaArbitraries(schemas)

  return (operation: Operation): fc.Arbitrary<FuzzRequest> => {
    const parameters = (where: string) => operation.parameters.filter((p) => p.in === where)
    const path = fc.record(
      Object.fromEntries(
        parameters('path').map((p) => [
          p.name,
          fc.oneof(
            { arbitrary: fc.constantFrom(...(known[p.name] ?? ['x'])).map(String), weight: 4 },
            { arbitrary: mutated(arbs.of(p.schema)).map(encoded), weight: 2 },
            { arbitrary: fc.constantFrom(...RAW_SEGMENTS), weight: 1 },
          ),
        ]),
      ),
    )
    // mostly the declared parameters (or none), so that most requests get past the query to the body
    const declared = parameters('query').map((p) => fc.tuple(fc.constant(p.name), mutated(arbs.of(p.schema)).map(encoded)))
    const unknown = fc.tuple(fc.constantFrom('unknown', 'access_token', '%FF'), fc.constantFrom('1', '%00', '%FF'))
    const query = fc.oneof(
      { arbitrary: declared.length > 0 ? fc.array(fc.oneof(...declared), { maxLength: 3 }) : fc.constant<Array<[string, string]>>([]), weight: 5 },
      { arbitrary: fc.array(fc.oneof(unknown, ...declared), { minLength: 1, maxLength: 3 }), weight: 1 },
    )
    const headers = fc.record(
      Object.fromEntries(
        parameters('header').map((p) => [
          p.name.toLowerCase(),
          arbs
            .of(p.schema)
            .map(String)
            .filter((v) => /^[\x20-\x7e]*$/.test(v)),
        ]),
      ),
      { requiredKeys: [] },
    )
    const client = clientFor(operation)
    const auth = fc.oneof(
      { arbitrary: fc.constant(client ? tokens[client]! : {}), weight: 12 },
      fc.constantFrom({}, { authorization: 'Bearer not-a-token' }, tokens['be-hotline']!),
    )
    const body = bodyFor(operation, arbs)
    return fc.record({ path, query, headers, auth, body }).map(({ path, query, headers, auth, body }) => {
      const request = {
        operation,
        url: urlOf(operation.path, path as Record<string, string>, query),
        headers: { ...(headers as Record<string, string>), ...auth, ...(body.contentType ? { 'content-type': body.contentType } : {}) },
        payload: body.payload,
      }
      // a counterexample prints as the request, not the whole operation and a token
      const shown = {
        ...request,
        operation: operation.operationId,
        headers: { ...request.headers, authorization: '…' },
        payload: request.payload?.slice(0, 2000),
      }
      return Object.assign(request, { [fc.toStringMethod]: () => JSON.stringify(shown) })
    })
  }
}

/** The web-form fixture as a hotline relays it: a report be-hotline may send. */
function referral(): CanonicalReport {
  const report = fixtureJson('report-web-form.json')
  report.channel = 'hotline_referral'
  return report
}

const FIXTURE_BODIES: Record<string, () => unknown> = {
  'schemas/report.v1.json': referral,
  'schemas/dsa-notice.v1.json#/$defs/submitted': () => fixtureJson('dsa-notice.json'),
  'schemas/report-batch.json': () => ({
    reports: [referral(), fixtureJson('report-anonymous.json')],
  }),
  'schemas/retraction.json': () => ({ reason: 'Sent to the wrong hotline by mistake.' }),
}

function fixtureFor(schema: unknown): unknown {
  const ref = (schema as { $ref?: string }).$ref ?? ''
  const entry = Object.entries(FIXTURE_BODIES).find(([path]) => ref.endsWith(path.replace(/^schemas\//, '')))
  return entry?.[1]()
}

function bodyFor(operation: Operation, arbs: ReturnType<typeof createSchemaArbitraries>) {
  const none = fc.constant({ contentType: undefined as string | undefined, payload: undefined as string | undefined })
  const content = Object.entries(operation.requestBody?.content ?? {})
  if (content.length === 0) return none
  return fc.oneof(
    { arbitrary: none, weight: 1 },
    {
      arbitrary: fc.oneof(
        ...content.map(([type, schema]) => {
          if (/xml$/.test(type)) return xmlBody(type)
          const fixture = fixtureFor(schema)
          const value = fixture === undefined ? arbs.of(schema) : fc.oneof(fc.constant(fixture), arbs.of(schema))
          return fc.record({ value, mutation: valueMutation, body: bodyMutation }).map(({ value, mutation, body }) => ({
            contentType: contentTypeFor(type, body),
            payload: bodyText(mutateValue(value, mutation), body),
          }))
        }),
      ),
      weight: 12,
    },
  )
}

function contentTypeFor(declared: string, mutation: BodyMutation): string | undefined {
  if (mutation === 'no-content-type') return undefined
  if (mutation === 'wrong-content-type') return 'text/plain'
  return declared
}

function xmlBody(type: string) {
  const xml = fixtureText('cybertipline-report.xml')
  return fc
    .oneof(
      fc.constant(xml),
      fc.nat(xml.length).map((at) => `${xml.slice(0, at)}\u0000${xml.slice(at)}`),
      fc.nat(xml.length).map((at) => xml.slice(0, at)),
      fc.string({ maxLength: 200 }),
      fc.constant(xml.replace('</report>', `${'<a>'.repeat(40)}</report>`)),
    )
    .map((payload) => ({ contentType: type as string | undefined, payload: payload as string | undefined }))
}

/** Strings and numbers as a URL component; values that cannot be percent-encoded (lone surrogates) go as raw bad bytes. */
function encoded(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value)
  try {
    return encodeURIComponent(text)
  } catch {
    return '%ED%A0%80'
  }
}

function mutated(arb: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
  return fc.oneof({ arbitrary: arb, weight: 4 }, fc.constantFrom('a\u0000b', 'x\ud800', 'y'.repeat(5000), -1, 1.5, true, ''))
}

function urlOf(template: string, path: Record<string, string>, query: Array<[string, string]>): string {
  const filled = template.replace(/\{([^}]+)\}/g, (_, name: string) => path[name] ?? 'x')
  return query.length === 0 ? filled : `${filled}?${query.map(([k, v]) => `${k}=${v}`).join('&')}`
}
