/**
 * A routing rule set as data: the types generated from schemas/routing-rules.v1.json
 * (src/contract/routing-rules.v1.ts), re-exported for routing's modules. Field docs live in the
 * schema's descriptions.
 */
export type * from '../contract/routing-rules.v1.ts'
