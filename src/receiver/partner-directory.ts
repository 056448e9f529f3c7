import { UsageError } from './cli-usage.ts'
import type { DirectoryEntry, GatewayClient } from './gateway-client.ts'

// What the partner CLI changes in its own directory entry, with an administrator's token (directory:admin):
// each change is a new directory version, audited like any other.

async function entryOf(client: GatewayClient, participant: string): Promise<DirectoryEntry> {
  const entry = await client.participant(participant)
  if (!entry) throw new UsageError(`the gateway's directory has no participant ${participant}`)
  return entry
}

/** Adds the public JWK to the participant's inline keys; says what it did. */
export async function registerKey(client: GatewayClient, participant: string, publicJwk: object): Promise<string> {
  const entry = await entryOf(client, participant)
  if (entry.keys && 'jwks_uri' in entry.keys) throw new UsageError(`${participant} publishes its keys at ${entry.keys.jwks_uri}: add the key there`)
  const keys = [...(entry.keys?.jwks.keys ?? []), publicJwk]
  const changed = await client.putParticipant({ ...entry, keys: { jwks: { keys } } })
  return `registered: ${participant} has ${keys.length} key(s) in directory version ${changed.version}`
}

/**
 * Makes `endpoint` the participant's push endpoint (keeping its urgent and notify endpoints), unless it
 * already is; says what it did. The gateway pushes there from then on (the directory schema takes HTTPS only).
 */
export async function registerPushEndpoint(client: GatewayClient, participant: string, endpoint: string): Promise<string> {
  const entry = await entryOf(client, participant)
  const delivery = (entry.delivery ?? {}) as { mode?: string; endpoint?: string }
  if (delivery.mode === 'push' && delivery.endpoint === endpoint) return `registered already: ${participant} takes pushes at ${endpoint}`
  const changed = await client.putParticipant({ ...entry, delivery: { ...delivery, mode: 'push', endpoint } })
  return `registered: ${participant} takes pushes at ${endpoint} (directory version ${changed.version})`
}
