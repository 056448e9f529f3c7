import { access, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { apiAs, signerOf, verifyReceipt, type Api } from './demo-api.ts'
import { analystReferral, CAST, imminentDanger, mistakenEscalation, platformEscalation, STATUS } from './demo-case.ts'
import { createCast, runCli, type Cast } from './demo-processes.ts'
import { demoDirectory, devCredentials, fetchToken, freePort, partnerKeys } from './demo-setup.ts'
import { selfSignedCertificate } from '../dev/dev-tls.ts'
import { DemoFailure, expect, narrator, waitFor, type Narrator } from './demo-steps.ts'

const AUDIENCE = 'urn:hotline-gateway:api'
/** The directory administrator's dev client (examples/directory.yaml). */
const ADMIN = 'gateway-admin'

interface Handoff {
  id: string
  destination: string
  state: string
  urgent: boolean
  retraction: string | null
  status: { status: string } | null
}
interface Decision {
  destinations: Array<{ participant_id: string; urgent: boolean; rules: Array<{ reason: string }> }>
  skipped: Array<{ participant_id?: string; reason: string }>
}
interface ReportStatus {
  id: string
  case_id: string
  routing: { decision: Decision; already_handed: Array<{ participant_id: string }> }
  handoffs: Handoff[]
}

/** Everything the steps share once the gateway runs: where it is, each actor's API, the partners' files. */
interface Stage {
  dir: string
  gateway: string
  api: Record<string, Api>
  tokens: Record<string, string>
  keys: Record<string, { file: string }>
  out: (participant: string) => string
}

/**
 * `npm run demo`: the gateway on embedded PGlite with its development IdP, two hotlines and a police
 * contact on the partner kit, a platform as sender; plays the case and ends by verifying the audit log
 * and a handoff's evidence. 0 when every step held, 1 otherwise (the working directory is then kept).
 */
export async function runDemo(write: (line: string) => void = console.log): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), 'hotline-gateway-demo-'))
  const cast = createCast()
  const show = narrator(write)
  show.say(`hotline-gateway demo: one case, from a platform's escalation to verified evidence (working directory ${dir})`)
  try {
    await play(show, cast, dir)
    show.say('\nEvery step held: the case went through intake, routing, signed handoffs, receipts and statuses, and the log proves it.')
    return 0
  } catch (error) {
    if (!show.failed) show.say(`    ✗ ${(error as Error).stack ?? error}`)
    const dead = cast.dead()
    if (dead.length > 0) show.say(`stopped early: ${dead.join(', ')} (see their logs)`)
    show.say(`\nThe demo failed; logs and files are kept in ${dir}`)
    return 1
  } finally {
    await cast.stopAll()
    if (!show.failed) await rm(dir, { recursive: true, force: true })
  }
}

async function play(show: Narrator, cast: Cast, dir: string): Promise<void> {
  const stage = await setUp(show, cast, dir)
  const escalation = await report(
    show,
    stage,
    CAST.platform,
    'ExampleTube escalates a video whose comments point to a group elsewhere',
    platformEscalation,
  )
  const toHome = await delivered(show, stage, CAST.platform, escalation, CAST.homeHotline, 'pushed to')
  await postStatus(show, stage, CAST.homeHotline, toHome, STATUS.assessing, `${CAST.homeHotline}'s analyst opens the case`)
  const referral = await report(show, stage, CAST.homeHotline, `${CAST.homeHotline}'s analyst: the linked album is hosted in NL`, analystReferral)
  const toForeign = await delivered(show, stage, CAST.homeHotline, referral, CAST.foreignHotline, 'pulled by')
  const urgent = await report(show, stage, CAST.homeHotline, 'A message in the group: a child is in danger tonight', imminentDanger)
  expect(urgent.case_id === escalation.case_id, 'the urgent report shares the group URL: it should join the escalation’s case')
  const toPolice = await delivered(show, stage, CAST.homeHotline, urgent, CAST.police, 'pulled by')
  expect(toPolice.urgent, `the handoff to ${CAST.police} should be urgent`)
  await postStatus(show, stage, CAST.police, toPolice, STATUS.assessing, `${CAST.police} opens the urgent case`)
  await postStatus(show, stage, CAST.foreignHotline, toForeign, STATUS.assessing, `${CAST.foreignHotline} assesses the album`)
  await postStatus(show, stage, CAST.foreignHotline, toForeign, STATUS.contentRemoved, `${CAST.foreignHotline}: the hosting provider removed it`)
  await postStatus(show, stage, CAST.homeHotline, toHome, STATUS.contentRemoved, `${CAST.homeHotline}: ExampleTube removed the comments`)
  await senderView(show, stage, referral.id)
  await retraction(show, stage)
  await verifyLog(show, stage)
  await verifyEvidence(show, stage, toForeign.id)
}

async function setUp(show: Narrator, cast: Cast, dir: string): Promise<Stage> {
  const dataDir = join(dir, 'data')
  const port = await freePort()
  const gateway = `http://127.0.0.1:${port}`
  // the push receiver's certificate (without openssl the home hotline pulls instead)
  const tls = await selfSignedCertificate(join(dir, 'tls'))
  const tokens: Record<string, string> = {}
  let admin: Api | undefined
  await show.step('Start the gateway: embedded PGlite, the development identity provider', async () => {
    await mkdir(dataDir, { recursive: true })
    const env = { ...gatewayEnv(dataDir), PORT: String(port), ...(tls ? { NODE_EXTRA_CA_CERTS: tls.cert } : {}) }
    cast.start('the gateway', ['serve'], env, join(dir, 'gateway.log'))
    // the first start creates the embedded database and applies every migration: a minute on a busy machine
    const ready = async () => ((await fetch(`${gateway}/readyz`).catch(() => undefined))?.ok ? true : undefined)
    await waitFor('the gateway to be ready', ready, 240_000)
    const { tokenUrl, secrets } = await devCredentials(dataDir)
    for (const id of [...Object.values(CAST), ADMIN]) tokens[id] = await fetchToken(tokenUrl, id, secrets.get(id) ?? '', AUDIENCE)
    admin = apiAs(gateway, tokens[ADMIN]!)
    return [
      `listening on ${gateway} (API docs at ${gateway}/docs); data in ${dataDir}`,
      `tokens (client credentials) for ${Object.keys(tokens).join(', ')}`,
    ]
  })
  const pushPort = await freePort()
  const endpoint = tls ? `https://127.0.0.1:${pushPort}/` : undefined
  let keys: Awaited<ReturnType<typeof partnerKeys>> = {}
  await show.step('The partners make their signing keys; the administrator publishes them in the directory', async () => {
    keys = await partnerKeys(dir)
    const document = await demoDirectory(join(dir, 'directory.json'), keys, endpoint)
    const current = await admin!.call('GET', '/v1/directory')
    const published = await admin!.call<{ version: number }>('PUT', '/v1/directory', document, [200, 201], { 'if-match': current.etag ?? '' })
    const version = published.body.version
    await waitFor('the new directory in force', async () => ((await admin!.get('/v1/directory')).version === version ? true : undefined))
    return [
      `partner keygen for ${Object.keys(keys).join(', ')}; directory version ${version} carries their public keys`,
      endpoint
        ? `${CAST.homeHotline} takes pushes at ${endpoint} (TLS); ${CAST.foreignHotline} and ${CAST.police} pull their inbox`
        : `openssl not found: ${CAST.homeHotline} pulls too (no TLS certificate for a push endpoint)`,
    ]
  })
  const out = (participant: string) => join(dir, 'partners', participant)
  const stage: Stage = { dir, gateway, tokens, keys, out, api: {} }
  for (const id of Object.values(CAST)) stage.api[id] = apiAs(gateway, tokens[id]!)
  await show.step('Start the partners’ receivers (the partner kit)', async () => {
    const kit = (id: string, mode: string, extra: string[] = []) =>
      cast.start(
        `${id} (partner ${mode})`,
        ['partner', mode, '--key', keys[id]!.file, '--gateway', gateway, '--out', out(id), ...extra],
        { HOTLINE_GATEWAY_TOKEN: tokens[id] },
        join(dir, `${id}.log`),
      )
    if (tls) kit(CAST.homeHotline, 'serve', ['--port', String(pushPort), '--tls-cert', tls.cert, '--tls-key', tls.key])
    else kit(CAST.homeHotline, 'pull')
    kit(CAST.foreignHotline, 'pull')
    kit(CAST.police, 'pull')
    const log = join(dir, `${CAST.homeHotline}.log`)
    if (tls)
      await waitFor('the push receiver to listen', async () =>
        (await readFile(log, 'utf8').catch(() => '')).includes('listening') ? true : undefined,
      )
    return [`${CAST.homeHotline}: partner ${tls ? 'serve' : 'pull'}; ${CAST.foreignHotline}, ${CAST.police}: partner pull (long poll)`]
  })
  return stage
}

/** The gateway's environment: embedded PGlite in the demo's directory, the development issuer (whatever the shell has set). */
function gatewayEnv(dataDir: string): NodeJS.ProcessEnv {
  return { DATA_DIR: dataDir, DATABASE_URL: '', OIDC_ISSUER: '', NODE_ENV: 'development', HOST: '127.0.0.1', LOG_LEVEL: 'info' }
}

/** A report sent, its signed receipt checked, and the routing decision shown with its reasons. */
async function report(show: Narrator, stage: Stage, sender: string, title: string, body: object): Promise<ReportStatus> {
  let status: ReportStatus | undefined
  await show.step(`${title} (${sender} sends a report)`, async () => {
    const accepted = await stage.api[sender]!.post('/v1/reports', body, [202])
    const kid = await verifyReceipt(stage.gateway, accepted.receipt)
    status = await stage.api[sender]!.get<ReportStatus>(`/v1/reports/${accepted.id}`)
    const { decision, already_handed } = status.routing
    return [
      `accepted: report ${accepted.id}, case ${accepted.case_id}${accepted.duplicate_of ? ` (joins the case of ${accepted.duplicate_of})` : ''}`,
      `receipt: JWS signed by gateway key ${kid}, verifies against /.well-known/jwks.json; report SHA-256 ${accepted.report_sha256}`,
      'routing decision:',
      ...decision.destinations.flatMap((d) => [`  → ${d.participant_id}${d.urgent ? ' (URGENT)' : ''}`, ...d.rules.map((r) => `      ${r.reason}`)]),
      ...already_handed.map((h) => `  = ${h.participant_id} already has this case: not sent again`),
      ...decision.skipped.slice(0, 3).map((s) => `  × ${s.participant_id ?? ''} ${s.reason}`),
    ]
  })
  return status!
}

/** Waits until the handoff of `reportId` to `destination` is receipted; shows its manifest and the receipt. */
async function delivered(show: Narrator, stage: Stage, sender: string, status: ReportStatus, destination: string, how: string) {
  let handoff: Handoff | undefined
  await show.step(`The signed handoff is ${how} ${destination}, which receipts it`, async () => {
    handoff = await waitFor(`${destination}'s receipt`, async () => {
      const now = await stage.api[sender]!.get<ReportStatus>(`/v1/reports/${status.id}`)
      return now.handoffs.find((h) => h.destination === destination && h.state === 'received')
    })
    const full = await stage.api[destination]!.get(`/v1/handoffs/${handoff.id}`)
    await access(join(stage.out(destination), `${handoff.id}.json`)).catch(() => {
      throw new DemoFailure(`${destination}'s receiver did not store handoff ${handoff!.id}`)
    })
    return [
      `handoff ${handoff.id}${handoff.urgent ? ' (urgent)' : ''}: manifest signed by gateway key ${signerOf(full.manifest)}, SHA-256 ${full.manifest_sha256}`,
      `payload ${full.payload_media_type}, SHA-256 ${full.payload_sha256}; stored and verified by ${destination}'s receiver`,
      `receipt: signed by ${destination} key ${signerOf(full.receipt)} at ${full.received_at}`,
    ]
  })
  return handoff!
}

/** A status message signed by the partner (`partner status`) and accepted by the gateway. */
async function postStatus(show: Narrator, stage: Stage, partner: string, handoff: Handoff, status: string, title: string) {
  await show.step(`${title}: status ${status}`, async () => {
    const args = ['partner', 'status', handoff.id, status, '--key', stage.keys[partner]!.file, '--gateway', stage.gateway]
    const posted = await runCli(args, { HOTLINE_GATEWAY_TOKEN: stage.tokens[partner] })
    expect(posted.code === 0, `partner status failed: ${posted.stderr}`)
    const full = await stage.api[partner]!.get(`/v1/handoffs/${handoff.id}`)
    const last = full.statuses.at(-1)
    expect(last?.status === status, `the gateway shows ${last?.status}, not ${status}`)
    return [posted.stdout.trim(), `signed by ${partner} key ${signerOf(last.jws)}, SHA-256 ${last.sha256}`]
  })
}

async function senderView(show: Narrator, stage: Stage, reportId: string) {
  await show.step(`What ${CAST.homeHotline} sees of its referral`, async () => {
    const status = await stage.api[CAST.homeHotline]!.get<ReportStatus>(`/v1/reports/${reportId}`)
    const removed = status.handoffs.find((h) => h.status?.status === STATUS.contentRemoved)
    expect(removed, `no handoff of report ${reportId} reached ${STATUS.contentRemoved}`)
    return status.handoffs.map((h) => `${h.destination}: ${h.state}, latest status ${h.status?.status ?? 'none'}`)
  })
}

/** A report sent by mistake and withdrawn: the destination gets the gateway's signed retraction and receipts it. */
async function retraction(show: Narrator, stage: Stage) {
  const mistaken = await report(show, stage, CAST.platform, 'ExampleTube escalates a second video by mistake', mistakenEscalation)
  const handoff = await delivered(show, stage, CAST.platform, mistaken, CAST.homeHotline, 'delivered to')
  await show.step('ExampleTube retracts it; the retraction reaches the hotline, which receipts it', async () => {
    await stage.api[CAST.platform]!.post(`/v1/reports/${mistaken.id}/retract`, { reason: 'A moderator found the video harmless.' })
    await waitFor('the retraction receipt', async () => {
      const now = await stage.api[CAST.platform]!.get<ReportStatus>(`/v1/reports/${mistaken.id}`)
      return now.handoffs.find((h) => h.id === handoff.id && h.retraction === 'received')
    })
    const full = await stage.api[CAST.homeHotline]!.get(`/v1/handoffs/${handoff.id}`)
    return [
      `report ${mistaken.id} retracted; retraction JWS signed by gateway key ${signerOf(full.retraction.jws)}`,
      `retraction receipt signed by ${CAST.homeHotline} key ${signerOf(full.retraction.receipt)} at ${full.retraction.received_at}`,
    ]
  })
}

async function verifyLog(show: Narrator, stage: Stage) {
  await show.step('The auditor: hotline-gateway audit verify --full', async () => {
    const key = (await (await fetch(`${stage.gateway}/v1/audit/key`)).json()).keys[0].verifier_key
    await writeFile(join(stage.dir, 'audit-key.txt'), `${key}\n`)
    const run = await runCli(['audit', 'verify', '--url', stage.gateway, '--key', key, '--full'], {
      HOTLINE_GATEWAY_TOKEN: stage.tokens[CAST.auditor],
    })
    expect(run.code === 0, `audit verify failed (exit ${run.code}): ${run.stderr}${run.stdout}`)
    return run.stdout.trim().split('\n')
  })
}

async function verifyEvidence(show: Narrator, stage: Stage, handoffId: string) {
  await show.step(`The auditor: hotline-gateway audit verify-evidence (handoff to ${CAST.foreignHotline})`, async () => {
    const auditor = stage.api[CAST.auditor]!
    const bundle = await waitFor('the evidence (every entry sequenced)', async () => {
      const res = await auditor.call('GET', `/v1/handoffs/${handoffId}/evidence`, undefined, [200, 503])
      return res.status === 200 ? res.body : undefined
    })
    const file = join(stage.dir, 'evidence.json')
    await writeFile(file, JSON.stringify(bundle, null, 2))
    const key = (await readFile(join(stage.dir, 'audit-key.txt'), 'utf8')).trim()
    const run = await runCli(['audit', 'verify-evidence', file, '--key', key])
    expect(run.code === 0, `verify-evidence failed (exit ${run.code}): ${run.stderr}${run.stdout}`)
    return run.stdout.trim().split('\n')
  })
}
