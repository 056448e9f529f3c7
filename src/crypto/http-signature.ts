import { createHash, sign, verify, type KeyObject } from 'node:crypto'
import { parseDictionary, serializeInnerList, StructuredFieldError, type Parameters } from './structured-fields.ts'
import { GatewayError } from '../errors/gateway-error.ts'

/**
 * RFC 9421 HTTP Message Signatures with Ed25519 (`alg="ed25519"`), and RFC 9530 Content-Digest
 * (sha-256): how the gateway signs every request it sends, and how a receiver checks one.
 */

/** The request as signed: method, the full target URI, and its header fields (any case, repeated ones as arrays). */
export interface HttpRequestParts {
  method: string
  url: string
  headers: Record<string, string | readonly string[] | number | undefined>
}

/** Signature parameters, serialized in this order (that of RFC 9421's examples) when present. */
export interface SignatureParameters {
  created?: number
  expires?: number
  nonce?: string
  alg?: string
  keyid?: string
  tag?: string
}

const PARAMETER_ORDER = ['created', 'expires', 'nonce', 'alg', 'keyid', 'tag'] as const

export type HttpSignatureErrorCode = 'SIGNATURE_MALFORMED' | 'SIGNATURE_COMPONENT_MISSING'

export class HttpSignatureError extends GatewayError<HttpSignatureErrorCode> {}

/** One signature of a message: what it covers, its parameters, and the signature bytes. */
export interface MessageSignature {
  label: string
  components: string[]
  params: SignatureParameters
  /** Every parameter in the order the signer gave them: what `@signature-params` re-serializes. */
  ordered: Parameters
  signature: Buffer
}

/**
 * Signs `components` of a request with an Ed25519 KeyObject; the Signature-Input and Signature
 * header values (label `label`) to send with it.
 */
export function signRequest(
  request: HttpRequestParts,
  options: { key: KeyObject; label: string; components: readonly string[]; params: SignatureParameters },
): { 'signature-input': string; signature: string } {
  const params = parametersOf(options.params)
  const base = signatureBase(request, options.components, params)
  const signature = sign(null, Buffer.from(base, 'utf8'), options.key)
  return {
    'signature-input': `${options.label}=${serializeInnerList(options.components, params)}`,
    signature: `${options.label}=:${signature.toString('base64')}:`,
  }
}

/** The signatures a request carries, from its Signature-Input and Signature fields (none: an empty list). */
export function signaturesOf(request: HttpRequestParts): MessageSignature[] {
  const input = fieldValue(request.headers, 'signature-input')
  const value = fieldValue(request.headers, 'signature')
  if (input === undefined && value === undefined) return []
  if (input === undefined || value === undefined) throw malformed('Signature-Input and Signature come together')
  try {
    const inputs = parseDictionary(input)
    const signatures = parseDictionary(value)
    return [...inputs].map(([label, member]) => {
      const signature = signatures.get(label)?.item
      if (!member.list) throw malformed(`Signature-Input ${label} is not an inner list`)
      if (!Buffer.isBuffer(signature)) throw malformed(`no Signature byte sequence for ${label}`)
      return { label, components: member.list, params: knownParameters(member.params), ordered: member.params, signature }
    })
  } catch (error) {
    if (error instanceof StructuredFieldError) throw malformed(error.message)
    throw error
  }
}

/** Whether `signature` holds over the request under an Ed25519 public key. */
export function verifyRequestSignature(request: HttpRequestParts, signature: MessageSignature, key: KeyObject): boolean {
  const base = signatureBase(request, signature.components, signature.ordered)
  return verify(null, Buffer.from(base, 'utf8'), key, signature.signature)
}

/** The RFC 9421 signature base: one line per covered component, then `@signature-params`. */
function signatureBase(request: HttpRequestParts, components: readonly string[], params: Parameters): string {
  const lines = components.map((name) => `"${name}": ${componentValue(request, name)}`)
  lines.push(`"@signature-params": ${serializeInnerList(components, params)}`)
  return lines.join('\n')
}

/** RFC 9530 Content-Digest of a body: `sha-256=:<base64>:`. */
export function contentDigest(body: string | Buffer): string {
  return `sha-256=:${createHash('sha256').update(body).digest('base64')}:`
}

/** Checks a Content-Digest field value against the body: 'missing' without a sha-256 (or sha-512) digest. */
export function checkContentDigest(field: string | undefined, body: string | Buffer): 'ok' | 'missing' | 'mismatch' {
  if (field === undefined) return 'missing'
  let digests
  try {
    digests = parseDictionary(field)
  } catch {
    return 'missing'
  }
  const known = (['sha-256', 'sha-512'] as const).filter((alg) => Buffer.isBuffer(digests.get(alg)?.item))
  if (known.length === 0) return 'missing'
  const matches = known.every((alg) => (digests.get(alg)!.item as Buffer).equals(createHash(alg.replace('-', '')).update(body).digest()))
  return matches ? 'ok' : 'mismatch'
}

/** A header field's value as RFC 9421 covers it: trimmed, repeated lines joined with ", ". */
export function fieldValue(headers: HttpRequestParts['headers'], name: string): string | undefined {
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== name || value === undefined) continue
    const values = Array.isArray(value) ? value : [String(value)]
    return values.map((v: string) => v.trim()).join(', ')
  }
  return undefined
}

function componentValue(request: HttpRequestParts, name: string): string {
  if (!name.startsWith('@')) {
    const value = fieldValue(request.headers, name)
    if (value === undefined) throw new HttpSignatureError('SIGNATURE_COMPONENT_MISSING', `the request has no ${name} field`)
    return value
  }
  const url = new URL(request.url)
  switch (name) {
    case '@method':
      return request.method.toUpperCase()
    case '@target-uri':
      return request.url
    case '@authority':
      return url.host.toLowerCase() // URL drops the scheme's default port
    case '@scheme':
      return url.protocol.slice(0, -1)
    case '@path':
      return url.pathname || '/'
    case '@query':
      return url.search || '?'
    case '@request-target':
      return `${url.pathname}${url.search}`
    default:
      throw new HttpSignatureError('SIGNATURE_COMPONENT_MISSING', `derived component ${name} is not supported`)
  }
}

function parametersOf(params: SignatureParameters): Parameters {
  return PARAMETER_ORDER.filter((key) => params[key] !== undefined).map((key) => [key, params[key]!])
}

function knownParameters(params: Parameters): SignatureParameters {
  const out: Record<string, unknown> = {}
  for (const [key, value] of params) {
    if (!(PARAMETER_ORDER as readonly string[]).includes(key)) continue // signed over, not interpreted
    const integer = key === 'created' || key === 'expires'
    if (integer ? typeof value !== 'number' : typeof value !== 'string') throw malformed(`signature parameter ${key} has the wrong type`)
    out[key] = value
  }
  return out as SignatureParameters
}

function malformed(message: string): HttpSignatureError {
  return new HttpSignatureError('SIGNATURE_MALFORMED', message)
}
