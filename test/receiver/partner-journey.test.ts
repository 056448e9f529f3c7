// One report's whole journey over real sockets, with the partners running the receiver kit as they import it
// (hotline-gateway/receiver, the build in dist/): be-hotline refers illegal material hosted in NL on ExampleTube;
// nl-hotline long-polls its inbox, ExampleTube takes pushes; both receipt, post their statuses to content_removed,
// be-hotline's notify endpoint is sent each one, the statistics count the removals, and ExampleTube, slow to
// act, is sent a re-notice first.
import { createHash } from 'node:crypto'
import type { IncomingHttpHeaders, IncomingMessage, RequestListener, ServerResponse } from 'node:http'
import { createServer, request as httpsRequest } from 'node:https'
import type { AddressInfo } from 'node:net'
import { compactVerify, importJWK } from 'jose'
import t, { type Test } from 'tap'
import {
  createReceiver,
  gatewayClient,
  generatePartnerKey,
  memoryReceiptBook,
  notificationHandler,
  partnerKey,
  pushHandler,
  remoteJwks,
  signStatus,
  type PartnerKey,
  type ReceiptBook,
  type StatusNotification,
  type VerifiedHandoff,
  type VerifiedRenotice,
} from 'hotline-gateway/receiver'
import { EXAMPLE_DIRECTORY } from '../../src/dev/dev-mode.ts'
import { readDirectoryFile } from '../../src/directory/directory-file.ts'
import type { DirectoryDocument } from '../../src/directory/participant.ts'
import { gatewayEnv } from '../helpers/gateway-env.ts'
import { startGateway, until } from '../helpers/process.ts'
import { certificate } from '../helpers/tls.ts'
import { ILLEGAL, item, report } from '../routing/helpers.ts'

type Json = any

const SENDER = 'be-hotline'
const PLATFORM = 'exampletube' // takes pushes
const HOTLINE = 'nl-hotline' // long-polls its inbox

const tls = await certificate()
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex')

/** A request as it reached one of our listeners, kept to send again (a replay, a forgery). */
interface Captured {
  url: string
  headers: IncomingHttpHeaders
  body: string
}

/** An HTTPS listener on 127.0.0.1 (the test certificate, which the gateway trusts) that keeps each request and hands it to `handle`. */
async function listener(t: Test, path: string, handle: () => RequestListener) {
  const captured: Captured[] = []
  const server = createServer(tls, (req: IncomingMessage, res: ServerResponse) => {
    let body = ''
    req.on('data', (chunk) => (body += chunk))
    req.on('end', () => captured.push({ url: `https://${req.headers.host}${req.url}`, headers: req.headers, body }))
    handle()(req, res)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise((resolve) => server.close(resolve)))
  return { url: `https://127.0.0.1:${(server.address() as AddressInfo).port}${path}`, captured }
}

/** Sends a captured request again, `body` in place of its own: the answer's status and problem code. */
function resend(captured: Captured, body = captured.body): Promise<{ status: number; code: string }> {
  const { 'content-length': _length, ...headers } = captured.headers
  return new Promise((resolve, reject) => {
    const req = httpsRequest(captured.url, { method: 'POST', ca: tls.cert, headers }, (res) => {
      let data = ''
      res.on('data', (chunk) => (data += chunk))
      res.on('end', () => resolve({ status: res.statusCode!, code: JSON.parse(data || '{}').code }))
    })
    req.on('error', reject)
    req.end(body)
  })
}

/** A partner's signing key as `partner keygen` makes it, parsed as the kit reads it. */
async function keyOf(participant: string): Promise<PartnerKey> {
  return partnerKey((await generatePartnerKey(participant)).privateJwk)
}

/** The example directory, everybody pulling, with the partners' keys, ExampleTube's push endpoint and be-hotline's notify endpoint. */
async function journeyDirectory(keys: Record<string, PartnerKey>, pushEndpoint: string, notifyEndpoint: string): Promise<DirectoryDocument> {
  const directory = await readDirectoryFile(EXAMPLE_DIRECTORY)
  for (const p of directory.participants) {
    p.delivery = { mode: 'pull' } // nobody else is pushed to: the test never reaches out to the example endpoints
    const key = keys[p.id]
    if (key) p.keys = { jwks: { keys: [key.publicJwk as Record<string, string>] } }
  }
  const entry = (id: string) => directory.participants.find((p) => p.id === id)!
  entry(PLATFORM).delivery = { mode: 'push', endpoint: pushEndpoint }
  entry(SENDER).delivery = { mode: 'pull', notify_endpoint: notifyEndpoint }
  return directory
}

t.test(
  'a report to a push partner and a pull partner on the kit: receipts, statuses to content_removed, signed notifications, statistics, a re-notice',
  async (t) => {
    const keys: Record<string, PartnerKey> = { [PLATFORM]: await keyOf(PLATFORM), [HOTLINE]: await keyOf(HOTLINE) }
    const handed: Record<string, VerifiedHandoff[]> = { [PLATFORM]: [], [HOTLINE]: [] }
    const renotices: VerifiedRenotice[] = []
    const notified: StatusNotification[] = []
    const refusals: string[] = []
    let gatewayUrl = ''
    const books: Record<string, ReceiptBook> = { [PLATFORM]: memoryReceiptBook(), [HOTLINE]: memoryReceiptBook() }
    const receiverOf = (participant: string) =>
      createReceiver({
        gateway: gatewayUrl,
        key: keys[participant]!,
        receipts: books[participant]!,
        onHandoff: (handoff) => void handed[participant]!.push(handoff),
        onRenotice: (renotice) => void renotices.push(renotice),
      })

    // ExampleTube's push endpoint and be-hotline's notify endpoint: the kit's handlers, made once the gateway's URL is known
    let platformPush: RequestListener | undefined
    let senderNotify: RequestListener | undefined
    const platform = await listener(t, '/notices', () => platformPush!)
    const notify = await listener(t, '/hotline/notifications', () => senderNotify!)
    const directory = await journeyDirectory(keys, platform.url, notify.url)
    const { idp, env } = await gatewayEnv(t, directory)
    // a short re-notice window: ExampleTube is sent the notice again if it has not removed the content a second after delivery
    const gateway = await startGateway({ ...env, NODE_EXTRA_CA_CERTS: tls.file, DIRECTORY_CACHE_MS: '0', RENOTICE_AFTER_MS: '1000' })
    t.teardown(() => gateway.stop())
    gatewayUrl = gateway.url
    platformPush = pushHandler(receiverOf(PLATFORM), { onRefused: (error) => void refusals.push(`push ${error.code}`) })
    senderNotify = notificationHandler({
      keys: remoteJwks(gatewayUrl),
      onNotification: (n) => void notified.push(n),
      onRefused: (error) => void refusals.push(`notification ${error.code}`),
    })

    const token = (client: string) => () => idp.tokenFor(client)
    const call = async (client: string, method: string, path: string, body?: object): Promise<Json> => {
      const res = await fetch(new URL(path, gatewayUrl), {
        method,
        headers: { authorization: `Bearer ${await idp.tokenFor(client)}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
      })
      const text = await res.text()
      if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`)
      return JSON.parse(text)
    }

    // nl-hotline runs the kit's long poll in the background for the whole journey
    const hotlineApi = gatewayClient({ gateway: gatewayUrl, token: token(HOTLINE) })
    const hotlineReceiver = receiverOf(HOTLINE)
    let pulling = true
    const pullErrors: unknown[] = []
    const pulls = (async () => {
      let cursor: string | undefined
      while (pulling) {
        try {
          cursor = (await hotlineReceiver.pull(hotlineApi, { ...(cursor ? { cursor } : {}), wait: 1 })).cursor
        } catch (error) {
          pullErrors.push(error)
          return
        }
      }
    })()
    t.teardown(async () => {
      pulling = false
      await pulls
    })

    // be-hotline refers material it classified illegal, hosted in NL on ExampleTube
    const referral = report([item({ country: 'NL', platform: 'ExampleTube' }, ILLEGAL)], { channel: 'hotline_referral' })
    const accepted = await call(SENDER, 'POST', '/v1/reports', referral)
    const reportId: string = accepted.id
    const routed = await call(SENDER, 'GET', `/v1/reports/${reportId}`)
    t.same(routed.handoffs.map((h: Json) => h.destination).sort(), [HOTLINE, PLATFORM].sort(), 'routed to the NL hotline and to the platform')
    const handoffIds: Record<string, string> = Object.fromEntries(routed.handoffs.map((h: Json) => [h.destination, h.id]))
    const handoff = (participant: string, client = SENDER) => call(client, 'GET', `/v1/handoffs/${handoffIds[participant]}`)

    // both partners verify the handoff and receipt it; the gateway verifies and records each receipt
    for (const participant of [PLATFORM, HOTLINE])
      await until(`${participant}'s receipt`, async () => (await handoff(participant)).state === 'received', 45_000)
    t.same(pullErrors, [], 'the long poll ran without an error')
    for (const participant of [PLATFORM, HOTLINE]) {
      const recorded = await handoff(participant)
      const [verified, ...again] = handed[participant]!
      t.same(again, [], `${participant}'s kit handled its handoff once`)
      t.match(
        verified?.manifest,
        { handoff_id: recorded.id, destination: participant, sender: SENDER, payload_sha256: sha256(verified!.item.payload) },
        `${participant}'s kit verified the manifest (signed by gateway key ${verified?.kid}) and the payload's digest`,
      )
      t.equal(verified?.item.manifest, recorded.manifest, 'the manifest the gateway signed')
      t.equal(recorded.receipt, await books[participant]!.get(recorded.id), `the receipt the gateway recorded is the one ${participant}'s kit signed`)
    }
    t.match(platform.captured[0]?.headers, { 'signature-input': /tag="hotline-gateway"/, 'content-digest': /^sha-256=:/ }, 'the push was signed')
    t.match(
      await resend(platform.captured[0]!),
      { status: 401, code: 'SIGNATURE_REPLAYED' },
      'the push was RFC 9421-checked: a replay of it is refused',
    )

    // ExampleTube has not acted within the window: a re-notice signed by the gateway, referring to the first notice
    await until('the re-notice to ExampleTube', async () => renotices.length > 0, 30_000)
    const [first] = renotices
    t.match(
      first?.claims,
      {
        handoff_id: handoffIds[PLATFORM],
        manifest_sha256: sha256(handed[PLATFORM]![0]!.item.manifest),
        destination: PLATFORM,
        renotice: 1,
        first_sent_at: String,
      },
      'verified by the kit (RFC 9421 push, JWS under the gateway key): the first notice, again',
    )
    t.equal(first?.item.renotice_sha256, sha256(first!.item.renotice), 'its digest as delivered')

    // each partner posts its statuses through the kit, up to content_removed
    const post = async (participant: string, status: string, details: { outcome?: 'illegal' } = {}) => {
      const api = participant === HOTLINE ? hotlineApi : gatewayClient({ gateway: gatewayUrl, token: token(participant) })
      const id = handoffIds[participant]!
      await api.postStatus(id, signStatus(keys[participant]!, await api.handoff(id), status, details))
    }
    await post(PLATFORM, 'assessing')
    await post(HOTLINE, 'assessing')
    await post(HOTLINE, 'assessed', { outcome: 'illegal' })
    await post(HOTLINE, 'hosting_provider_notified')
    await post(PLATFORM, 'content_removed')
    await post(HOTLINE, 'content_removed')

    // the sender's timeline, each status with its ICCAM action
    const timeline = async (participant: string) => (await handoff(participant)).statuses as Json[]
    const steps = (statuses: Array<{ status: string; outcome: string | null; iccam: string | null }>) =>
      statuses.map((s) => [s.status, s.outcome, s.iccam])
    const expected: Record<string, Array<Array<string | null>>> = {
      [HOTLINE]: [
        ['assessing', null, null],
        ['assessed', 'illegal', null],
        ['hosting_provider_notified', null, 'ISP'],
        ['content_removed', null, 'CONTENT_REMOVED'],
      ],
      [PLATFORM]: [
        ['assessing', null, null],
        ['content_removed', null, 'CONTENT_REMOVED'],
      ],
    }
    for (const participant of [HOTLINE, PLATFORM])
      t.same(steps(await timeline(participant)), expected[participant], `be-hotline sees ${participant}'s timeline`)
    const latest = (await call(SENDER, 'GET', `/v1/reports/${reportId}`)).handoffs.map((h: Json) => [h.destination, h.status?.status])
    t.same(
      latest.sort(),
      [
        [HOTLINE, 'content_removed'],
        [PLATFORM, 'content_removed'],
      ].sort(),
      'and the latest of each on its report',
    )

    // be-hotline's notify endpoint was sent every status change, each request RFC 9421-verified by the kit
    await until('six status notifications', async () => notified.length >= 6, 30_000)
    t.same(refusals, ['push SIGNATURE_REPLAYED'], 'the kit refused no push and no notification but the replay')
    for (const participant of [HOTLINE, PLATFORM]) {
      const recorded = await timeline(participant)
      const mine = notified.filter((n) => n.handoff_id === handoffIds[participant]).sort((a, b) => a.seq - b.seq)
      t.same(steps(mine), expected[participant], `a notification for each of ${participant}'s statuses, in order`)
      t.same(
        mine.map((n) => n.status_jws),
        recorded.map((s) => s.jws),
        'carrying the signed status messages the gateway recorded',
      )
      const publicKey = await importJWK(keys[participant]!.publicJwk, 'EdDSA')
      for (const n of mine) {
        const { payload } = await compactVerify(n.status_jws, publicKey)
        t.match(JSON.parse(new TextDecoder().decode(payload)), { handoff_id: n.handoff_id, status: n.status }, `signed by ${participant}`)
      }
    }
    const forged = notify.captured[0]!
    t.match(
      await resend(forged, forged.body.replace(/"status":"[a-z_]+"/, '"status":"closed"')),
      { status: 401, code: 'DIGEST_MISMATCH' },
      'the kit checked the notifications: one with another body is refused',
    )

    // the takedown statistics count both removals
    const from = new Date(Date.now() - 3_600_000).toISOString()
    const to = new Date(Date.now() + 60_000).toISOString()
    const stats = await call('gateway-admin', 'GET', `/v1/stats/takedown?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`)
    for (const participant of [HOTLINE, PLATFORM])
      t.match(
        stats.by_destination.find((d: Json) => d.destination === participant),
        { handoffs: 1, to_receipt: { count: 1 }, to_removal: { count: 1, median_seconds: Number } },
        `${participant}'s removal in the statistics`,
      )
    t.match(
      stats.by_hosting_country.find((c: Json) => c.hosting_country === 'NL'),
      { handoffs: 2, to_removal: { count: 2 } },
      'both under NL, where it is hosted',
    )
    t.match(stats.total, { handoffs: 2, to_assessment: { count: 1 }, to_removal: { count: 2 } }, 'over all')

    pulling = false
    await pulls
    t.same(pullErrors, [], 'the long poll ended cleanly')
  },
)
