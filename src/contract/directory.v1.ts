// Generated from schemas/directory.v1.json by scripts/contract-types.js (npm run contract:types): do not edit.
import type { IncidentType, Country } from './report.v1.ts'

/**
 * Every organisation the gateway knows: hotlines, law-enforcement contacts, platforms, auditors and the gateway's own operators. Each change makes a new, immutable directory version; routing decisions and audits name the version they used.
 */
export interface DirectoryDocument {
  schema_version: '1'
  /**
   * @maxItems 5000
   */
  participants: Participant[]
}
/**
 * An organisation in the directory.
 */
export interface Participant {
  /**
   * Stable, lower-case slug, e.g. `be-hotline`.
   */
  id: string
  name: string
  /**
   * operator = the gateway's own staff (phone operators, administrators).
   */
  kind: 'hotline' | 'law_enforcement' | 'platform' | 'auditor' | 'operator'
  /**
   * The countries it serves (ISO 3166-1 alpha-2). Empty for organisations without a territory (auditors, global platforms).
   *
   * @maxItems 250
   */
  countries: Country[]
  /**
   * The incident types it accepts; absent means all.
   *
   * @minItems 1
   * @maxItems 8
   */
  incident_types?: IncidentType[]
  /**
   * A contact reachable around the clock for imminent danger, where it has one.
   */
  urgent_contact?: {
    phone?: string
    /**
     * An email address (RFC 5321 limits it to 254 characters).
     */
    email?: string
    available: '24/7' | 'office_hours'
  }
  /**
   * How it takes deliveries: pushed to its HTTPS endpoint, or pulled from its inbox. `urgent_endpoint` (either mode): urgent handoffs (imminent danger) are pushed there at once, signed like every push, even by a participant that otherwise pulls. `notify_endpoint` (either mode): each status change of the handoffs of its reports is POSTed there, signed like every push. `concurrency` (push): how many pushes each gateway process holds open at once at each of its endpoints (default 16).
   */
  delivery:
    | {
        mode: 'push'
        endpoint: string
        /**
         * How many pushes each gateway process holds open at once at each of its endpoints (default 16): what its endpoints can take. A slow or down endpoint holds at most this many.
         */
        concurrency?: number
        urgent_endpoint?: string
        notify_endpoint?: string
      }
    | {
        mode: 'pull'
        urgent_endpoint?: string
        notify_endpoint?: string
      }
  /**
   * The report formats it accepts.
   *
   * @minItems 1
   * @maxItems 3
   */
  formats: ('canonical_v1' | 'cybertipline_xml' | 'dsa_notice_v1')[]
  /**
   * For platforms: the service names it operates, as reports name them in items[].hosting.platform.
   *
   * @maxItems 100
   */
  services?: string[]
  /**
   * For platforms: it takes notices (DSA Art. 16) through the gateway.
   */
  accepts_notices?: boolean
  /**
   * Its public keys, for verifying what it signs: inline or at a JWKS URL.
   */
  keys?:
    | {
        jwks: {
          /**
           * @minItems 1
           * @maxItems 20
           *
           * Items: A public JWK. Private members (d, p, q, k, ...) are unknown properties here and are refused.
           */
          keys: {
            kty: 'OKP' | 'EC' | 'RSA'
            kid?: string
            use?: 'sig'
            alg?: 'EdDSA' | 'ES256' | 'ES384' | 'PS256' | 'RS256'
            crv?: string
            x?: string
            y?: string
            n?: string
            e?: string
          }[]
        }
      }
    | {
        jwks_uri: string
      }
  /**
   * The OIDC client ids that act for it (the `client_id` claim of their access tokens).
   *
   * @maxItems 50
   */
  clients: string[]
}
