import { calculateJwkThumbprint, type JWK } from 'jose'
import { AuditError } from '../audit/audit-error.ts'
import type { WitnessPolicy } from '../notes/cosignature.ts'
import { verifyEvidence } from '../audit/evidence.ts'
import { sha256Hex } from '../crypto/jws.ts'
import type { HandoffEvidence } from './handoff-evidence.ts'
import { HANDOFF_RECEIPT_TYP, HANDOFF_STATUS_TYP, MANIFEST_TYP, SignedMessageError, verifySigned, type VerifiedMessage } from './signed-message.ts'
import { canonicalStatus } from './takedown-status.ts'

type Entry = { index: number; entry: Record<string, unknown> }

const fail = (message: string) => new AuditError('AUDIT_VERIFY_FAILED', message)

/**
 * Checks a handoff evidence bundle offline, each step naming what it checked: the checkpoint and every
 * inclusion proof; the manifest under the gateway key whose thumbprint a logged gateway_key.published
 * entry names; the receipt and each status message under the destination's keys, with their SHA-256
 * and signer kid equal to what the log recorded. Throws AUDIT_VERIFY_FAILED naming the first failure.
 */
export async function verifyHandoffEvidence(bundle: HandoffEvidence, policy: WitnessPolicy): Promise<string[]> {
  const lines: string[] = []
  const verified = verifyEvidence(bundle.audit, policy)
  const { origin, size } = verified.checkpoint.checkpoint
  lines.push(`checkpoint: ${origin}, tree size ${size}, signature valid`)
  lines.push(`audit entries: ${verified.entries.length} included in the tree (inclusion proofs hold)`)
  const entries = verified.entries.map((e) => ({ index: e.index, entry: e.entry ?? {} }))
  const h = bundle.handoff
  for (const { index, entry } of entries) {
    if (String(entry.type).startsWith('handoff.') && entry.handoff_id !== h.id)
      throw fail(`entry ${index} is about handoff ${String(entry.handoff_id)}, not ${h.id}`)
  }
  const ofType = (type: string) => entries.filter((e) => e.entry.type === type)

  // the manifest, under the gateway key the log published
  const gatewayKey = bundle.keys.gateway[0]!
  const manifest = await signed('manifest', bundle.manifest, [gatewayKey], MANIFEST_TYP)
  if ((await calculateJwkThumbprint(gatewayKey, 'sha256')) !== manifest.kid)
    throw fail(`manifest: the gateway key's thumbprint is not its kid ${manifest.kid}`)
  const published = ofType('gateway_key.published').find((e) => e.entry.kid === manifest.kid && e.entry.purpose === 'receipt')
  if (!published) throw fail(`manifest: no gateway_key.published entry in the bundle logs the key ${manifest.kid}`)
  for (const [claim, value] of Object.entries({
    handoff_id: h.id,
    case_id: h.case_id,
    report_id: h.report_id,
    sender: h.sender,
    destination: h.destination,
    format: h.format,
  })) {
    if (manifest.claims[claim] !== value)
      throw fail(`manifest: claim ${claim} is ${JSON.stringify(manifest.claims[claim])}, the bundle says ${value}`)
  }
  const manifestSha = sha256Hex(bundle.manifest)
  const [signedEntry, ...more] = ofType('handoff.signed')
  if (!signedEntry || more.length > 0) throw fail('manifest: the bundle must carry exactly one handoff.signed entry')
  expect(signedEntry, 'manifest_sha256', manifestSha, 'manifest: its SHA-256')
  expect(signedEntry, 'payload_sha256', manifest.claims.payload_sha256, 'manifest: its payload_sha256 claim')
  expect(signedEntry, 'kid', manifest.kid, 'manifest: its signing key')
  lines.push(
    `manifest: signed by gateway key ${manifest.kid} (published in entry ${published.index}); SHA-256 ${manifestSha} as logged in entry ${signedEntry.index}`,
  )
  for (const sent of ofType('handoff.sent')) {
    expect(sent, 'manifest_sha256', manifestSha, 'sent: the manifest SHA-256')
    lines.push(`sent: entry ${sent.index} (${String(sent.entry.mode)}) names the same manifest`)
  }

  // the receipt and the status messages, under the destination's keys
  const receiptEntries = ofType('handoff.receipt_received')
  const statusEntries = ofType('handoff.status_changed').sort((a, b) => Number(a.entry.seq) - Number(b.entry.seq))
  const purgedAt = h.receipts_purged_at
  if (purgedAt && bundle.receipt === null && bundle.statuses.length === 0) {
    // purged under the retention policy: what is left to prove them is what the log recorded
    for (const { index, entry } of [...receiptEntries, ...statusEntries]) {
      const what = entry.type === 'handoff.receipt_received' ? 'receipt' : `status ${String(entry.seq)}: ${String(entry.status)}`
      const sha = entry.type === 'handoff.receipt_received' ? entry.receipt_sha256 : entry.status_sha256
      lines.push(`${what}: message purged at ${purgedAt}; signed by ${String(entry.signer_kid)}, SHA-256 ${String(sha)} as logged in entry ${index}`)
    }
    lines.push(
      `OK: handoff ${h.id} to ${h.destination}: manifest verifies; its receipt and ${statusEntries.length} status message(s) were purged and are proven by their log entries, in the log ${origin} at tree size ${size}`,
    )
    return lines
  }
  if (bundle.receipt === null) {
    if (receiptEntries.length > 0) throw fail(`receipt: the log records one (entry ${receiptEntries[0]!.index}) but the bundle has none`)
  } else {
    if (receiptEntries.length !== 1) throw fail('receipt: the bundle must carry exactly one handoff.receipt_received entry')
    const entry = receiptEntries[0]!
    const receipt = await signed('receipt', bundle.receipt, bundle.keys.destination, HANDOFF_RECEIPT_TYP)
    expect(entry, 'receipt_sha256', sha256Hex(bundle.receipt), 'receipt: its SHA-256')
    expect(entry, 'signer_kid', receipt.kid, 'receipt: its signer kid')
    bound('receipt', receipt, h.id, manifestSha)
    lines.push(`receipt: signed by ${h.destination} key ${receipt.kid}; SHA-256 as logged in entry ${entry.index}`)
  }
  if (statusEntries.length !== bundle.statuses.length) {
    throw fail(`statuses: the bundle has ${bundle.statuses.length} status messages, the log records ${statusEntries.length}`)
  }
  for (const [i, jws] of bundle.statuses.entries()) {
    const entry = statusEntries[i]!
    const status = await signed(`status ${i + 1}`, jws, bundle.keys.destination, HANDOFF_STATUS_TYP)
    expect(entry, 'status_sha256', sha256Hex(jws), `status ${i + 1}: its SHA-256`)
    expect(entry, 'signer_kid', status.kid, `status ${i + 1}: its signer kid`)
    // an alias of the first vocabulary is logged as the status it maps to
    expect(entry, 'status', canonicalStatus(String(status.claims.status)), `status ${i + 1}: its status`)
    bound(`status ${i + 1}`, status, h.id, manifestSha)
    lines.push(
      `status ${i + 1}: ${String(status.claims.status)}, signed by ${h.destination} key ${status.kid}; SHA-256 as logged in entry ${entry.index}`,
    )
  }
  lines.push(
    `OK: handoff ${h.id} to ${h.destination}: manifest, ${bundle.receipt ? 'receipt' : 'no receipt yet'} and ${bundle.statuses.length} status message(s) verify, recorded in the log ${origin} at tree size ${size}`,
  )
  return lines
}

async function signed(what: string, jws: string, keys: JWK[], typ: string): Promise<VerifiedMessage> {
  try {
    return await verifySigned(jws, keys, typ)
  } catch (error) {
    if (error instanceof SignedMessageError) throw fail(`${what}: ${error.message}`)
    throw error
  }
}

function expect(entry: Entry, field: string, value: unknown, what: string): void {
  if (entry.entry[field] !== value)
    throw fail(`${what} (${JSON.stringify(value)}) differs from entry ${entry.index}'s ${field} (${JSON.stringify(entry.entry[field])})`)
}

function bound(what: string, message: VerifiedMessage, handoffId: string, manifestSha: string): void {
  if (message.claims.handoff_id !== handoffId) throw fail(`${what}: it names handoff ${String(message.claims.handoff_id)}, not ${handoffId}`)
  if (message.claims.manifest_sha256 !== manifestSha) throw fail(`${what}: it names another manifest than this one`)
}
