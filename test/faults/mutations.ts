import fc from 'fast-check'

/**
 * Ways to break a value the schemas describe, and a body around it: each is a plan (what, where, with
 * what) that fast-check generates and shrinks, applied to a copy of the value.
 */

export type ValueMutation =
  | { kind: 'none' }
  | { kind: 'wrong-type'; at: number; value: unknown }
  | { kind: 'nul' | 'lone-surrogate' | 'huge-string'; at: number }
  | { kind: 'extra-property'; at: number; name: string }
  | { kind: 'deep'; at: number; depth: number }
  | { kind: 'huge-array'; at: number }

export type BodyMutation = 'none' | 'invalid-json' | 'duplicate-keys' | 'empty' | 'wrong-content-type' | 'no-content-type' | 'json-null'

export const valueMutation: fc.Arbitrary<ValueMutation> = fc.oneof(
  { arbitrary: fc.constant({ kind: 'none' as const }), weight: 3 },
  fc.record({
    kind: fc.constant('wrong-type' as const),
    at: fc.nat(),
    value: fc.oneof(fc.integer(), fc.string(), fc.constant(null), fc.boolean(), fc.constant([]), fc.constant({})),
  }),
  fc.record({ kind: fc.constantFrom('nul' as const, 'lone-surrogate' as const, 'huge-string' as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant('extra-property' as const),
    at: fc.nat(),
    name: fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('__proto__', 'constructor', 'a\u0000b')),
  }),
  fc.record({ kind: fc.constant('deep' as const), at: fc.nat(), depth: fc.constantFrom(64, 2000) }),
  fc.record({ kind: fc.constant('huge-array' as const), at: fc.nat() }),
)

export const bodyMutation: fc.Arbitrary<BodyMutation> = fc.oneof(
  { arbitrary: fc.constant('none' as const), weight: 8 },
  fc.constantFrom(
    'invalid-json' as const,
    'duplicate-keys' as const,
    'empty' as const,
    'wrong-content-type' as const,
    'no-content-type' as const,
    'json-null' as const,
  ),
)

type Slot = { parent: Record<string, unknown> | unknown[]; key: string | number; value: unknown }

/** Every place in `root` a mutation can hit; a wrapper makes the root itself one of them. */
function slots(holder: { root: unknown }): Slot[] {
  const out: Slot[] = []
  const visit = (parent: Slot['parent'], key: string | number) => {
    const value = (parent as Record<string | number, unknown>)[key]
    out.push({ parent, key, value })
    if (Array.isArray(value)) value.forEach((_, i) => visit(value, i))
    else if (value && typeof value === 'object') for (const k of Object.keys(value)) visit(value as Record<string, unknown>, k)
  }
  visit(holder as unknown as Record<string, unknown>, 'root')
  return out
}

const set = (slot: Slot, value: unknown) => ((slot.parent as Record<string | number, unknown>)[slot.key] = value)

export function mutateValue(value: unknown, mutation: ValueMutation): unknown {
  if (mutation.kind === 'none') return value
  const holder = { root: structuredClone(value) }
  const all = slots(holder)
  const strings = all.filter((s) => typeof s.value === 'string')
  const objects = all.filter((s) => s.value !== null && typeof s.value === 'object' && !Array.isArray(s.value))
  const pick = <T>(list: T[]) => list[mutation.at % Math.max(list.length, 1)]
  const any = pick(all)!
  switch (mutation.kind) {
    case 'wrong-type':
      set(any, mutation.value)
      break
    case 'nul':
    case 'lone-surrogate':
    case 'huge-string': {
      const slot = pick(strings) ?? any
      const text = typeof slot.value === 'string' ? slot.value : 'text'
      const added = { nul: 'a\u0000b', 'lone-surrogate': 'x\ud800', 'huge-string': 'h'.repeat(200_000) }[mutation.kind]
      set(slot, text + added)
      break
    }
    case 'extra-property': {
      const slot = pick(objects)
      if (slot) Object.defineProperty(slot.value, mutation.name, { value: 1, enumerable: true, configurable: true, writable: true })
      else set(any, { [mutation.name]: 1 })
      break
    }
    case 'deep':
      set(any, nested(mutation.depth))
      break
    case 'huge-array':
      set(
        any,
        Array.from({ length: 20_000 }, (_, i) => i),
      )
      break
  }
  return holder.root
}

function nested(depth: number): unknown {
  let value: unknown = 'bottom'
  for (let i = 0; i < depth; i++) value = i % 2 ? [value] : { a: value }
  return value
}

/** The text of a JSON body, broken as the plan says; undefined means no body at all. */
export function bodyText(value: unknown, mutation: BodyMutation): string | undefined {
  const text = JSON.stringify(value) ?? 'null'
  switch (mutation) {
    case 'invalid-json':
      return text.slice(0, Math.max(1, Math.floor(text.length / 2)))
    case 'duplicate-keys': {
      // the first key again, in front, with another value: JSON.parse keeps the last one
      const first = value && typeof value === 'object' && !Array.isArray(value) ? Object.keys(value)[0] : undefined
      return first === undefined ? '{"a":1,"a":2}' : `{${JSON.stringify(first)}:0,${text.slice(1)}`
    }
    case 'empty':
      return ''
    case 'json-null':
      return 'null'
    default:
      return text
  }
}
