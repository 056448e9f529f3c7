import { createHash } from 'node:crypto'
import t from 'tap'
import { canonicalDigest, canonicalize, JcsError } from '../../src/crypto/jcs.ts'

// RFC 8785 section 3.2.3 (and appendix A's UTF-8 bytes of its output)
const RFC_EXAMPLE_INPUT = `{
  "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
  "string": "\\u20ac$\\u000F\\u000aA'\\u0042\\u0022\\u005c\\\\\\"\\/",
  "literals": [null, true, false]
}`
const RFC_EXAMPLE_OUTPUT =
  '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}'
const RFC_EXAMPLE_UTF8_HEX = [
  '7b 22 6c 69 74 65 72 61 6c 73 22 3a 5b 6e 75 6c 6c 2c 74 72 75 65 2c 66 61 6c 73 65 5d 2c 22 6e',
  '75 6d 62 65 72 73 22 3a 5b 33 33 33 33 33 33 33 33 33 2e 33 33 33 33 33 33 33 2c 31 65 2b 33 30',
  '2c 34 2e 35 2c 30 2e 30 30 32 2c 31 65 2d 32 37 5d 2c 22 73 74 72 69 6e 67 22 3a 22 e2 82 ac 24',
  '5c 75 30 30 30 66 5c 6e 41 27 42 5c 22 5c 5c 5c 5c 5c 22 2f 22 7d',
].join(' ')

t.test('RFC 8785 section 3.2.3 example, down to the UTF-8 bytes', async (t) => {
  const canonical = canonicalize(JSON.parse(RFC_EXAMPLE_INPUT))
  t.equal(canonical, RFC_EXAMPLE_OUTPUT)
  t.equal(Buffer.from(canonical, 'utf8').toString('hex').match(/../g)?.join(' '), RFC_EXAMPLE_UTF8_HEX)
})

// the JCS reference test data (cyberphone/json-canonicalization testdata/input -> output)
const REFERENCE_VECTORS: Array<[string, string, string]> = [
  ['arrays', '[56, {"d": true, "10": null, "1": [ ]}]', '[56,{"1":[],"10":null,"d":true}]'],
  [
    'structures',
    '{"1": {"f": {"f": "hi","F": 5} ,"\\n": 56.0}, "10": { }, "": "empty", "a": { }, "111": [ { } ], "A": { }}',
    '{"":"empty","1":{"\\n":56,"f":{"F":5,"f":"hi"}},"10":{},"111":[{}],"A":{},"a":{}}',
  ],
  [
    'sorting by UTF-16 code units, not code points or locale',
    '{"\\u20ac": "Euro Sign", "1": "One", "\\u0080": "Control\\u007f", "\\ud83d\\ude02": "Smiley", "\\u00f6": "Latin Small Letter O With Diaeresis", "\\ufb33": "Hebrew Letter Dalet With Dagesh", "</script>": "Browser Challenge"}',
    // expected written with escapes: editors normalise U+FB33 to U+05D3 U+05BC, which sorts elsewhere
    '{"1":"One","</script>":"Browser Challenge","\u0080":"Control\u007f","\u00f6":"Latin Small Letter O With Diaeresis","\u20ac":"Euro Sign","\ud83d\ude02":"Smiley","\ufb33":"Hebrew Letter Dalet With Dagesh"}',
  ],
  [
    'locale-independent order',
    '{"peach": "This sorting order", "péché": "is wrong according to French", "pêche": "but canonicalization MUST", "sin": "ingnore locale"}',
    '{"peach":"This sorting order","péché":"is wrong according to French","pêche":"but canonicalization MUST","sin":"ingnore locale"}',
  ],
]

t.test('JCS reference vectors', async (t) => {
  for (const [name, input, output] of REFERENCE_VECTORS) t.equal(canonicalize(JSON.parse(input)), output, name)
})

/** IEEE-754 bit pattern (hex) -> the number. */
function fromBits(hex: string): number {
  const view = new DataView(new ArrayBuffer(8))
  view.setBigUint64(0, BigInt(`0x${hex}`))
  return view.getFloat64(0)
}

// RFC 8785 appendix B: number serialisation samples
const NUMBER_VECTORS: Array<[string, string]> = [
  ['0000000000000000', '0'],
  ['8000000000000000', '0'],
  ['0000000000000001', '5e-324'],
  ['8000000000000001', '-5e-324'],
  ['7fefffffffffffff', '1.7976931348623157e+308'],
  ['ffefffffffffffff', '-1.7976931348623157e+308'],
  ['4340000000000000', '9007199254740992'],
  ['c340000000000000', '-9007199254740992'],
  ['4430000000000000', '295147905179352830000'],
  ['44b52d02c7e14af5', '9.999999999999997e+22'],
  ['44b52d02c7e14af6', '1e+23'],
  ['44b52d02c7e14af7', '1.0000000000000001e+23'],
  ['444b1ae4d6e2ef4e', '999999999999999700000'],
  ['444b1ae4d6e2ef4f', '999999999999999900000'],
  ['444b1ae4d6e2ef50', '1e+21'],
  ['3eb0c6f7a0b5ed8c', '9.999999999999997e-7'],
  ['3eb0c6f7a0b5ed8d', '0.000001'],
  ['41b3de4355555553', '333333333.3333332'],
  ['41b3de4355555554', '333333333.33333325'],
  ['41b3de4355555555', '333333333.3333333'],
  ['41b3de4355555556', '333333333.3333334'],
  ['41b3de4355555557', '333333333.33333343'],
  ['becbf647612f3696', '-0.0000033333333333333333'],
  ['43143ff3c1cb0959', '1424953923781206.2'],
]

t.test('RFC 8785 appendix B number serialisation', async (t) => {
  for (const [bits, expected] of NUMBER_VECTORS) t.equal(canonicalize(fromBits(bits)), expected, bits)
  t.equal(canonicalize([fromBits('8000000000000000')]), '[0]', 'minus zero inside a structure')
})

function thrown(fn: () => unknown): unknown {
  try {
    fn()
  } catch (error) {
    return error
  }
  return undefined
}

t.test('values without an I-JSON form are rejected with typed errors', async (t) => {
  const cases: Array<[string, unknown, string]> = [
    ['NaN (appendix B 7fffffffffffffff)', fromBits('7fffffffffffffff'), 'JCS_NON_FINITE_NUMBER'],
    ['Infinity (appendix B 7ff0000000000000)', fromBits('7ff0000000000000'), 'JCS_NON_FINITE_NUMBER'],
    ['-Infinity nested', { a: [1, -Infinity] }, 'JCS_NON_FINITE_NUMBER'],
    ['undefined at the top', undefined, 'JCS_UNSUPPORTED_TYPE'],
    ['undefined member', { a: undefined }, 'JCS_UNSUPPORTED_TYPE'],
    ['undefined array element', [undefined], 'JCS_UNSUPPORTED_TYPE'],
    ['function', { f: () => 1 }, 'JCS_UNSUPPORTED_TYPE'],
    ['symbol', [Symbol('x')], 'JCS_UNSUPPORTED_TYPE'],
    ['bigint', { n: 1n }, 'JCS_UNSUPPORTED_TYPE'],
    ['lone high surrogate in a value', { s: 'a\uD800b' }, 'JCS_LONE_SURROGATE'],
    ['lone low surrogate in a key', { '\uDC00': 1 }, 'JCS_LONE_SURROGATE'],
  ]
  for (const [name, value, code] of cases) {
    const error = thrown(() => canonicalize(value))
    t.ok(error instanceof JcsError, `${name} throws a JcsError`)
    t.equal((error as JcsError).code, code, name)
  }
})

t.test('errors say where the bad value is', async (t) => {
  t.throws(() => canonicalize({ items: [{ ok: 1 }, { n: Number.NaN }] }), { message: /at \/items\/1\/n/ })
})

t.test('cycles are rejected, shared subtrees are not', async (t) => {
  const cyclic: Record<string, unknown> = { a: 1 }
  cyclic.self = cyclic
  t.throws(() => canonicalize(cyclic), { code: 'JCS_CYCLE' })
  const shared = { x: 1 }
  t.equal(canonicalize({ a: shared, b: [shared] }), '{"a":{"x":1},"b":[{"x":1}]}')
})

t.test('toJSON is honoured once, as JSON.stringify does', async (t) => {
  t.equal(canonicalize({ at: new Date(Date.UTC(2024, 4, 14, 19, 7)) }), '{"at":"2024-05-14T19:07:00.000Z"}')
  class Selfish {
    b = 2
    a = 1
    toJSON(): this {
      return this
    }
  }
  t.equal(canonicalize(new Selfish()), '{"a":1,"b":2}', 'a toJSON returning itself does not loop')
  t.throws(() => canonicalize({ toJSON: 1, f() {} }), { code: 'JCS_UNSUPPORTED_TYPE' }, 'an own method is a function value, not JSON')
})

t.test('canonicalDigest is SHA-256 of the UTF-8 canonical form, independent of key order', async (t) => {
  const expected = createHash('sha256').update(RFC_EXAMPLE_OUTPUT, 'utf8').digest('hex')
  t.equal(canonicalDigest(JSON.parse(RFC_EXAMPLE_INPUT)).toString('hex'), expected)
  t.same(canonicalDigest({ b: [1, 2], a: 'é' }), canonicalDigest({ a: 'é', b: [1, 2] }))
  t.not(canonicalDigest([1, 2]).toString('hex'), canonicalDigest([2, 1]).toString('hex'), 'array order is significant')
})
