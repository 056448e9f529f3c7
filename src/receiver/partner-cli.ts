import { readFile } from 'node:fs/promises'
import { createServer as createHttpServer, type RequestListener } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import { dirname, join } from 'node:path'
import { parseArgs, type ParseArgsConfig } from 'node:util'
import { devPartnerKeyFile, readDevSession, type DevSession } from './dev-session.ts'
import { devTokenSource } from './dev-tokens.ts'
import { fileStore, SAVED_JWKS } from './file-store.ts'
import { UsageError } from './cli-usage.ts'
import { gatewayClient } from './gateway-client.ts'
import { registerKey, registerPushEndpoint } from './partner-directory.ts'
import { remoteJwks, staticJwks } from './gateway-jwks.ts'
import { signStatus, type StatusDetails } from './messages.ts'
import { generatePartnerKey, readPartnerKey, writePartnerKey, type PartnerKey } from './partner-key.ts'
import { pushHandler } from './push-handler.ts'
import { ReceiverError } from './receiver-error.ts'
import { createReceiver } from './receiver.ts'
import type { VerifiedRetraction } from './verify-retraction.ts'
import type { VerifiedRenotice } from './verify-renotice.ts'
import { verifyHandoff, type VerifiedHandoff } from './verify-handoff.ts'

const PARTNER_HELP = `Usage (a partner's side of the exchange; the same code as import 'hotline-gateway/receiver'):
  hotline-gateway partner keygen --participant ID --out FILE [--register [--gateway URL]]
      Makes an Ed25519 signing key (private JWK, file mode 0600) and prints its public JWK and the
      directory snippet the gateway's administrator adds to your participant entry. With --register,
      adds it to the entry itself (PUT /v1/directory/participants/ID): needs an administrator's token
      (directory:admin), or a development gateway.
  hotline-gateway partner serve --key FILE --gateway URL (--out DIR | --forward URL) [--port N] [--host H]
                                [--tls-cert FILE --tls-key FILE] [--public-url URL] [--register]
      A push endpoint: checks each request's RFC 9421 signature against the gateway's JWKS, its
      Content-Digest, freshness and nonce, then the manifest and payload digest; stores the handoff in
      DIR (or POSTs it as JSON to your system at --forward URL) and answers with your signed receipt.
      A retraction (the report was withdrawn) is checked, stored or forwarded, and receipted the same way.
      Without --tls-cert it speaks plain HTTP for a TLS proxy in front (give --public-url then).
      With --register (an administrator's token), once listening it makes --public-url (else its own
      https address) the participant's push endpoint in the directory. Against a development gateway,
      --participant ID is enough: it listens with the gateway's development certificate and registers.
      SIGTERM or Ctrl-C stops it cleanly: the pushes in flight are answered first.
  hotline-gateway partner pull --key FILE --gateway URL [--out DIR | --forward URL] [--once]
      Fetches your inbox, verifies and stores each handoff (and each retraction), and posts its
      receipt; unless --once, long-polls for what is signed next (the gateway answers at once) until
      SIGTERM or Ctrl-C.
      Anything refused is left unreceipted: it comes again when pull is started again.
  hotline-gateway partner status HANDOFF STATUS [--reason CODE] [--outcome O] [--occurred-at TIME] --key FILE --gateway URL
      Signs and posts a status message: received, assessing, assessed (--outcome illegal, not_illegal
      or nationally_illegal), referred_to_law_enforcement, hosting_provider_notified, content_removed,
      content_unavailable, content_moved, rejected (--reason CODE) or closed; --occurred-at (RFC 3339)
      says when it happened, if not now.
  hotline-gateway partner verify FILE [--jwks FILE | --gateway URL] [--participant ID]
      Checks a saved handoff offline: the manifest signature against the gateway's saved keys
      (default: ${SAVED_JWKS} next to FILE) and the payload's SHA-256.

Calls to the gateway's API (pull, status) need your access token (client credentials from the
gateway's OIDC issuer): --token or HOTLINE_GATEWAY_TOKEN.
Development: against a gateway started with npm start (no OIDC_ISSUER) in the same directory
(DATA_DIR, default ./data), --participant ID is enough: the key (DATA_DIR/partner-keys/ID.json),
--gateway and the token come from what that gateway left in DATA_DIR/dev-session.json.
Exit status: 0 done; 1 a check failed or the gateway refused; 2 wrong usage.`

const OPTIONS = {
  participant: { type: 'string' },
  out: { type: 'string' },
  key: { type: 'string' },
  gateway: { type: 'string' },
  forward: { type: 'string' },
  port: { type: 'string' },
  host: { type: 'string' },
  'tls-cert': { type: 'string' },
  'tls-key': { type: 'string' },
  'public-url': { type: 'string' },
  once: { type: 'boolean', default: false },
  register: { type: 'boolean', default: false },
  reason: { type: 'string' },
  outcome: { type: 'string' },
  'occurred-at': { type: 'string' },
  jwks: { type: 'string' },
  token: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} satisfies ParseArgsConfig['options']

type Values = { [K in keyof typeof OPTIONS]?: (typeof OPTIONS)[K]['type'] extends 'boolean' ? boolean : string }

/** `hotline-gateway partner keygen|serve|pull|status|verify ...`: the receiver kit as a command. */
export async function partnerCommand(args: string[]): Promise<number> {
  try {
    const { positionals, values } = parseArgs({ args, allowPositionals: true, strict: true, options: OPTIONS })
    const [sub, ...rest] = positionals
    if (values.help) {
      console.log(PARTNER_HELP)
      return 0
    }
    if (sub === 'keygen' && rest.length === 0) return await keygen(values)
    if (sub === 'serve' && rest.length === 0) return await serve(values)
    if (sub === 'pull' && rest.length === 0) return await pull(values)
    if (sub === 'status' && rest.length === 2) return await status(rest[0]!, rest[1]!, values)
    if (sub === 'verify' && rest.length === 1) return await verify(rest[0]!, values)
    throw new UsageError('expected keygen, serve, pull, status HANDOFF STATUS or verify FILE')
  } catch (error) {
    return report(error)
  }
}

async function keygen(values: Values): Promise<number> {
  const participant = need(values, 'participant')
  const { privateJwk, publicJwk } = await generatePartnerKey(participant)
  await writePartnerKey(need(values, 'out'), privateJwk)
  console.log(`private key written to ${values.out} (mode 0600): keep it there, never send it\n`)
  console.log(`public JWK:\n${JSON.stringify(publicJwk, null, 2)}\n`)
  if (values.register) {
    console.log(await registerKey(adminClient(values, await devSession()), participant, publicJwk))
    return 0
  }
  console.log(`directory snippet for participant ${participant} (the gateway administrator adds it, then directory import):`)
  console.log(JSON.stringify({ id: participant, keys: { jwks: { keys: [publicJwk] } } }, null, 2))
  return 0
}

/** An administrator's view of the gateway: --token or HOTLINE_GATEWAY_TOKEN, or (development) the dev issuer's admin client. */
function adminClient(values: Values, dev: DevSession | undefined) {
  return gatewayClient({ gateway: gatewayUrl(values, dev), token: tokenFor(values, dev, dev?.admin) })
}

async function serve(values: Values): Promise<number> {
  const dev = await devSession()
  // development (or --register): the directory is told where this receiver listens, so the gateway pushes here
  const registering = values.register || developing(values, dev)
  const tls = await serveTls(values, dev)
  if (registering && !(values['public-url'] ?? (tls ? 'https:' : 'http:')).startsWith('https:'))
    throw new UsageError('the directory takes HTTPS push endpoints only: give --tls-cert and --tls-key, or an https --public-url')
  const participant = registering ? (values.participant ?? (await keyFor(values, dev)).participant) : undefined
  if (registering && !participant) throw new UsageError('--participant is required to register the push endpoint')
  const handler = pushHandler(await receiverFrom(values, dev), {
    ...(values['public-url'] ? { publicUrl: values['public-url'] } : {}),
    onRefused: (error) => console.error(`refused: ${error.code}: ${error.message}`),
  })
  const server = tls ? createHttpsServer(tls, handler) : createHttpServer(handler as RequestListener)
  const host = values.host ?? '127.0.0.1'
  await new Promise<void>((resolve) => server.listen(Number(values.port ?? 8443), host, resolve))
  const listening = `${tls ? 'https' : 'http'}://${host}:${(server.address() as AddressInfo).port}/`
  console.log(`partner serve: listening on ${listening}`)
  if (participant) console.log(await registerPushEndpoint(adminClient(values, dev), participant, values['public-url'] ?? listening))
  await stopSignal()
  // no new pushes; each one in flight is finished (stored, answered with its receipt); a stuck one is cut after 10 s
  const closed = new Promise<void>((resolve) => server.close(() => resolve())) // closes the idle keep-alive connections too
  const cut = setTimeout(() => server.closeAllConnections(), 10_000)
  await closed
  clearTimeout(cut)
  console.log('partner serve: stopped')
  return 0
}

/**
 * Resolves on SIGTERM or SIGINT: a service manager stops a partner's process cleanly. What it was
 * doing is safe to cut short: each handoff is stored atomically before it is receipted, and whatever
 * the gateway has no receipt for comes again, and gets the same receipt.
 */
function stopSignal(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGTERM', () => resolve())
    process.once('SIGINT', () => resolve())
  })
}

/** --tls-cert and --tls-key, or (development) the certificate the development gateway made for its partners and trusts. */
async function serveTls(values: Values, dev: DevSession | undefined): Promise<{ cert: Buffer; key: Buffer } | undefined> {
  const files = values['tls-cert'] ? { cert: values['tls-cert'], key: need(values, 'tls-key') } : developing(values, dev) ? dev?.tls : undefined
  if (!files && developing(values, dev))
    throw new UsageError(
      'the development gateway names no certificate for partners (was openssl missing?): give --tls-cert and --tls-key, or use partner pull',
    )
  return files ? { cert: await readFile(files.cert), key: await readFile(files.key) } : undefined
}

async function pull(values: Values): Promise<number> {
  const dev = await devSession()
  const receiver = await receiverFrom(values, dev)
  const client = gatewayClient({ gateway: gatewayUrl(values, dev), token: tokenFor(values, dev, participantClient(values, dev)) })
  let cursor: string | undefined
  const stopped = stopSignal().then(() => undefined)
  if (!values.once) console.log(`partner pull: long-polling ${new URL('/v1/inbox', gatewayUrl(values, dev))} (SIGTERM or Ctrl-C stops it)`)
  for (;;) {
    // a long poll: the gateway answers as soon as something new is signed for us (or after 30 s)
    const outcome = await Promise.race([receiver.pull(client, { ...(cursor ? { cursor } : {}), ...(values.once ? {} : { wait: 30 }) }), stopped])
    if (!outcome) {
      console.log('partner pull: stopped')
      return 0
    }
    cursor = outcome.cursor
    for (const item of outcome.refused) console.error(`refused ${item.id}: ${item.code}: ${item.message}`)
    if (values.once) {
      console.log(
        `pulled: ${outcome.received.length} received, ${outcome.retracted.length} retracted, ${outcome.renoticed.length} re-notices, ${outcome.refused.length} refused`,
      )
      return outcome.refused.length > 0 ? 1 : 0
    }
  }
}

async function status(handoffId: string, value: string, values: Values): Promise<number> {
  const dev = await devSession()
  const key = await keyFor(values, dev)
  const client = gatewayClient({ gateway: gatewayUrl(values, dev), token: tokenFor(values, dev, participantClient(values, dev)) })
  const handoff = await client.handoff(handoffId)
  const occurredAt = values['occurred-at'] === undefined ? undefined : new Date(values['occurred-at'])
  if (occurredAt && Number.isNaN(occurredAt.getTime())) throw new UsageError('--occurred-at must be an RFC 3339 date-time')
  const details = { reason: values.reason, outcome: values.outcome as StatusDetails['outcome'], occurredAt }
  const answer = await client.postStatus(handoffId, signStatus(key, handoff, value, details))
  console.log(`status ${value} posted for handoff ${handoffId} (now ${answer.state})`)
  return 0
}

async function verify(file: string, values: Values): Promise<number> {
  const item = JSON.parse(await readFile(file, 'utf8'))
  const keys = values.gateway
    ? remoteJwks(values.gateway)
    : staticJwks((JSON.parse(await readFile(values.jwks ?? join(dirname(file), SAVED_JWKS), 'utf8')) as { keys: [] }).keys)
  const handoff = await verifyHandoff(item, keys, values.participant)
  console.log(`manifest: signed by gateway key ${handoff.kid}, for ${handoff.manifest.destination} from ${handoff.manifest.sender}`)
  console.log(`payload: ${handoff.item.payload_media_type}, SHA-256 ${handoff.manifest.payload_sha256} as the manifest names`)
  console.log(`OK: handoff ${handoff.item.id} verifies`)
  return 0
}

/** A receiver with the CLI's storage: files in --out (receipts too, so a restart answers re-sends the same), or --forward. */
async function receiverFrom(values: Values, dev: DevSession | undefined) {
  const key = await keyFor(values, dev)
  const gateway = gatewayUrl(values, dev)
  if (!values.out === !values.forward) throw new UsageError('give one of --out DIR or --forward URL')
  const store = values.out ? fileStore(values.out) : undefined
  const keys = remoteJwks(gateway)
  const onHandoff = async (handoff: VerifiedHandoff) => {
    if (store) {
      await store.saveJwks(await keys.keys())
      await store.store(handoff)
    } else await forward(values.forward!, handoff)
    console.log(`received ${handoff.item.id} (${handoff.item.urgent ? 'urgent, ' : ''}from ${handoff.item.sender})`)
  }
  const onRetraction = async (retraction: VerifiedRetraction) => {
    if (store) await store.storeRetraction(retraction)
    else await forwardJson(values.forward!, { retraction: retraction.item, claims: retraction.claims })
    console.log(`retracted ${retraction.item.handoff_id}: its report was withdrawn by the sender`)
  }
  const onRenotice = async (renotice: VerifiedRenotice) => {
    if (store) await store.storeRenotice(renotice)
    else await forwardJson(values.forward!, { renotice: renotice.item, claims: renotice.claims })
    console.log(`re-notice ${renotice.claims.renotice} for ${renotice.item.handoff_id}: the content is not reported removed yet; post its status`)
  }
  return createReceiver({ gateway, key, keys, onHandoff, onRetraction, onRenotice, ...(store ? { receipts: store.receipts } : {}) })
}

async function forward(url: string, handoff: VerifiedHandoff): Promise<void> {
  await forwardJson(url, { handoff: handoff.item, manifest: handoff.manifest })
}

async function forwardJson(url: string, body: object): Promise<void> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
  if (!res.ok) throw new Error(`forwarding to your system failed: HTTP ${res.status}`)
}

/** --token, HOTLINE_GATEWAY_TOKEN, or (development) tokens for `clientId` from the dev issuer. */
function tokenFor(values: Values, dev: DevSession | undefined, clientId: string | undefined): string | (() => Promise<string>) {
  const value = values.token ?? process.env.HOTLINE_GATEWAY_TOKEN
  if (value) return value
  if (dev && clientId) return devTokenSource(dev, clientId)
  throw new UsageError('an access token is needed: --token or HOTLINE_GATEWAY_TOKEN')
}

const dataDir = (): string => process.env.DATA_DIR || './data'

/** A development gateway's session in DATA_DIR (./data unless set), outside production. */
async function devSession(): Promise<DevSession | undefined> {
  return process.env.NODE_ENV === 'production' ? undefined : readDevSession(dataDir())
}

function gatewayUrl(values: Values, dev: DevSession | undefined): string {
  return values.gateway ?? dev?.gateway ?? need(values, 'gateway')
}

/** --key, or (development, with --participant) the key the development gateway made for it. */
async function keyFor(values: Values, dev: DevSession | undefined): Promise<PartnerKey> {
  if (!developing(values, dev)) return readPartnerKey(need(values, 'key'))
  return readPartnerKey(devPartnerKeyFile(dataDir(), values.participant!))
}

/** Against a development gateway as one of its example participants: --participant, no --key. */
function developing(values: Values, dev: DevSession | undefined): boolean {
  return dev !== undefined && values.participant !== undefined && values.key === undefined
}

function participantClient(values: Values, dev: DevSession | undefined): string | undefined {
  return values.participant ? dev?.participants[values.participant] : undefined
}

function need(values: Values, option: keyof Values): string {
  const value = values[option]
  if (typeof value !== 'string' || value === '') throw new UsageError(`--${option} is required`)
  return value
}

function report(error: unknown): number {
  if (error instanceof UsageError || (error as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    console.error(`hotline-gateway partner: ${(error as Error).message}\n\n${PARTNER_HELP}`)
    return 2
  }
  if (error instanceof ReceiverError) {
    console.error(`FAILED: ${error.code}: ${error.message}`)
    return 1
  }
  console.error(`hotline-gateway partner: ${(error as Error).message ?? error}`)
  return 1
}
