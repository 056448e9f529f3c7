import type { Adapter, AdapterConstructor, AdapterPayload } from 'oidc-provider'

interface Entry {
  payload: AdapterPayload
  expiresAt: number
}

/**
 * In-memory storage for one dev issuer. Our own instead of oidc-provider's built-in one
 * because that one prints a production warning on every start; a dev issuer is by
 * definition throwaway. With client_credentials only, this mostly holds private_key_jwt
 * `jti` replay records.
 */
export function createDevStore(): AdapterConstructor {
  const entries = new Map<string, Entry>()

  const live = (key: string): Entry | undefined => {
    const entry = entries.get(key)
    if (entry && entry.expiresAt <= Date.now()) {
      entries.delete(key)
      return undefined
    }
    return entry
  }

  const findWhere = (model: string, field: string, value: string): AdapterPayload | undefined => {
    for (const key of entries.keys()) {
      const entry = key.startsWith(`${model}:`) ? live(key) : undefined
      if (entry && entry.payload[field] === value) return entry.payload
    }
    return undefined
  }

  return class DevStore implements Adapter {
    readonly #model: string

    constructor(model: string) {
      this.#model = model
    }

    #key(id: string): string {
      return `${this.#model}:${id}`
    }

    async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
      const expiresAt = expiresIn ? Date.now() + expiresIn * 1000 : Number.POSITIVE_INFINITY
      entries.set(this.#key(id), { payload, expiresAt })
    }

    async find(id: string): Promise<AdapterPayload | undefined> {
      return live(this.#key(id))?.payload
    }

    async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
      return findWhere(this.#model, 'userCode', userCode)
    }

    async findByUid(uid: string): Promise<AdapterPayload | undefined> {
      return findWhere(this.#model, 'uid', uid)
    }

    async consume(id: string): Promise<void> {
      const entry = live(this.#key(id))
      if (entry) entry.payload.consumed = Math.floor(Date.now() / 1000)
    }

    async destroy(id: string): Promise<void> {
      entries.delete(this.#key(id))
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      for (const [key, entry] of entries) {
        if (entry.payload.grantId === grantId) entries.delete(key)
      }
    }
  }
}
