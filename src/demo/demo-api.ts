import { compactVerify, createLocalJWKSet, decodeProtectedHeader } from 'jose'
import { DemoFailure } from './demo-steps.ts'

/** The gateway's API as one participant calls it (bearer token), failing the step on an unexpected status. */
export function apiAs(gateway: string, token: string) {
  async function call<T>(
    method: string,
    path: string,
    body?: object,
    expected = [200],
    headers: Record<string, string> = {},
  ): Promise<{ status: number; body: T; etag: string | null }> {
    const res = await fetch(`${gateway}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}), ...headers },
      ...(body ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(60_000), // a gateway that stops answering fails the step, it does not hang it
    }).catch((error: Error) => {
      throw new DemoFailure(`${method} ${path}: ${error.message} (${(error.cause as Error | undefined)?.message ?? 'no answer'})`)
    })
    const text = await res.text()
    if (!expected.includes(res.status)) throw new DemoFailure(`${method} ${path}: HTTP ${res.status} ${text.slice(0, 500)}`)
    return { status: res.status, body: text ? JSON.parse(text) : undefined, etag: res.headers.get('etag') }
  }
  return {
    call,
    get: async <T = any>(path: string) => (await call<T>('GET', path)).body,
    post: async <T = any>(path: string, body: object, expected = [200]) => (await call<T>('POST', path, body, expected)).body,
  }
}

export type Api = ReturnType<typeof apiAs>

/** Checks an intake receipt (compact JWS) against the gateway's published keys; its key id. */
export async function verifyReceipt(gateway: string, receipt: string): Promise<string> {
  const jwks = (await (await fetch(`${gateway}/.well-known/jwks.json`)).json()) as { keys: [] }
  try {
    await compactVerify(receipt, createLocalJWKSet(jwks))
  } catch (error) {
    throw new DemoFailure(`the receipt does not verify against /.well-known/jwks.json: ${(error as Error).message}`)
  }
  return String(decodeProtectedHeader(receipt).kid)
}

/** The key id a compact JWS names (who signed it). */
export const signerOf = (jws: string) => String(decodeProtectedHeader(jws).kid)
