import type { CanonicalReport } from './report-types.ts'
import { normaliseUrl, UrlNormaliseError } from './url-normalise.ts'
import { IntakeError } from './intake-error.ts'

/**
 * The keys that tie reports of the same material into one case: every item's normalised URL (or
 * other locator) and every hash. Two reports sharing any key share a case.
 */
export function caseKeys(report: CanonicalReport): string[] {
  const keys = new Set<string>()
  report.items.forEach((item, index) => {
    if (item.url !== undefined) keys.add(`url:${normalised(item.url, index)}`)
    if (item.locator) keys.add(`loc:${item.locator.type}:${item.locator.value}`)
    for (const hash of item.hashes ?? []) keys.add(`hash:${hash.alg}:${hash.value.toLowerCase()}`)
  })
  return [...keys]
}

function normalised(url: string, index: number): string {
  try {
    return normaliseUrl(url)
  } catch (error) {
    if (!(error instanceof UrlNormaliseError)) throw error
    throw new IntakeError('INTAKE_URL_INVALID', `item ${index} has a URL that cannot be normalised: ${error.message}`, {
      fieldErrors: [{ in: 'body', pointer: `/items/${index}/url`, message: error.message }],
    })
  }
}
