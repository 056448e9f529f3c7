import { AuditError } from './audit-error.ts'
import { decodeBase64Std } from '../tlog/encoding.ts'
import type { PresentedEntry } from './entry-format.ts'
import type { Hash } from '../tlog/tlog.ts'

/** What the auditor's tool asks the gateway, over HTTP, with the auditor's bearer token. */
export interface AuditClient {
  checkpoint(minCosignatures: number): Promise<string>
  consistencyProof(from: number, to: number): Promise<Hash[]>
  entries(start: number, end: number): Promise<PresentedEntry[]>
}

export function auditClient(baseUrl: string, token: string | undefined): AuditClient {
  const base = baseUrl.replace(/\/+$/, '')

  async function get(path: string, accept: string): Promise<Response> {
    let res: Response
    try {
      res = await fetch(`${base}${path}`, { headers: { accept, ...(token ? { authorization: `Bearer ${token}` } : {}) } })
    } catch (error) {
      throw new AuditError('AUDIT_FETCH_FAILED', `GET ${base}${path}: ${(error as Error).message}`)
    }
    if (res.ok) return res
    const problem = (await res.json().catch(() => ({}))) as { code?: string; detail?: string }
    throw new AuditError(
      'AUDIT_FETCH_FAILED',
      `GET ${path}: HTTP ${res.status}${problem.code ? ` ${problem.code}` : ''}${problem.detail ? `: ${problem.detail}` : ''}`,
    )
  }

  return {
    async checkpoint(minCosignatures) {
      const query = minCosignatures > 0 ? `?min_cosignatures=${minCosignatures}` : ''
      try {
        return await (await get(`/v1/audit/checkpoint${query}`, 'text/plain')).text()
      } catch (error) {
        // the log answered, and has no checkpoint the witness policy accepts: a failed check, not a missing answer
        if (minCosignatures > 0 && /HTTP 404/.test((error as Error).message)) {
          throw new AuditError(
            'AUDIT_VERIFY_FAILED',
            `the log has no checkpoint cosigned by ${minCosignatures} witness(es): the witness policy is not met`,
          )
        }
        throw error
      }
    },
    async consistencyProof(from, to) {
      const { proof } = (await (await get(`/v1/audit/proof/consistency?from=${from}&to=${to}`, 'application/json')).json()) as { proof: string[] }
      return proof.map((h) => {
        const hash = decodeBase64Std(h)
        if (!hash || hash.length !== 32) throw new AuditError('AUDIT_VERIFY_FAILED', 'the consistency proof holds a malformed hash')
        return hash
      })
    },
    async entries(start, end) {
      const { entries } = (await (await get(`/v1/audit/entries?start=${start}&end=${end}`, 'application/json')).json()) as {
        entries: PresentedEntry[]
      }
      return entries
    },
  }
}
