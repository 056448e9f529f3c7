import { rename, readFile, writeFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { parseCheckpoint } from '../notes/checkpoint.ts'
import { newCosigner, type Cosigner } from '../notes/cosignature.ts'
import { decodeBase64Std, DECIMAL } from '../tlog/encoding.ts'
import { newNoteVerifier, NoteError, openNote, signNote, type NoteVerifier } from '../notes/note.ts'
import { checkTree, type Hash } from '../tlog/tlog.ts'

/**
 * A C2SP tlog-witness (https://c2sp.org/tlog-witness): it accepts a log's new checkpoint only with a
 * consistency proof from the last one it cosigned, remembers that size and root, and returns its
 * cosignature (tlog-cosignature). Small on purpose: the gateway's tests run it in-process, and the
 * receiver kit runs it so that partners vouch for the log they rely on.
 */
export interface WitnessedLog {
  origin: string
  /** The log's signed-note verifier key (Ed25519). */
  verifierKey: string
}

interface WitnessState {
  size: number
  root: Hash
}

/** Where a witness keeps the latest checkpoint it cosigned, per origin. */
export interface WitnessStore {
  load(origin: string): Promise<WitnessState | undefined>
  save(origin: string, state: WitnessState): Promise<void>
}

interface WitnessResponse {
  status: 200 | 400 | 403 | 404 | 409 | 422
  contentType: string
  body: string
}

export interface Witness {
  name: string
  /** The cosignature/v1 verifier key a log or auditor configures for this witness. */
  verifierKey: string
  /** The add-checkpoint call: the request body in, the HTTP answer out. */
  addCheckpoint(body: string): Promise<WitnessResponse>
}

export interface WitnessOptions {
  /** PRIVATE+KEY+... cosigner key (see generateCosignerKey). */
  signerKey: string
  logs: readonly WitnessedLog[]
  store?: WitnessStore
  /** Unix seconds, for the cosignature timestamp. */
  now?: () => number
}

const MAX_PROOF_LINES = 63

export function createWitness(options: WitnessOptions): Witness {
  const cosigner: Cosigner = newCosigner(options.signerKey, options.now ? { now: options.now } : {})
  const logs = new Map<string, NoteVerifier>(options.logs.map((log) => [log.origin, newNoteVerifier(log.verifierKey)]))
  const store = options.store ?? memoryWitnessStore()
  // Checking the old size and saving the new one must be atomic (the spec's rollback race): one at a time.
  let queue: Promise<unknown> = Promise.resolve()

  async function add(body: string): Promise<WitnessResponse> {
    const request = parseRequest(body)
    if (!request) return answer(400, 'malformed add-checkpoint request\n')
    const origin = request.checkpoint.slice(0, request.checkpoint.indexOf('\n'))
    const verifier = logs.get(origin)
    if (!verifier) return answer(404, `unknown log ${origin}\n`)
    let text: string
    try {
      text = openNote(request.checkpoint, [verifier]).text
    } catch (error) {
      if (error instanceof NoteError && error.code === 'NOTE_MALFORMED') return answer(400, 'malformed checkpoint\n')
      return answer(403, 'no valid signature by the log\n')
    }
    let checkpoint
    try {
      checkpoint = parseCheckpoint(text)
    } catch {
      return answer(400, 'malformed checkpoint\n')
    }
    const { old, proof } = request
    if (old > checkpoint.size) return answer(400, 'old size is larger than the checkpoint size\n')
    const known = (await store.load(origin)) ?? { size: 0, root: Buffer.alloc(0) }
    if (old !== known.size) return { status: 409, contentType: 'text/x.tlog.size', body: `${known.size}\n` }
    if (old === 0 && proof.length > 0) return answer(400, 'the proof must be empty from size 0\n')
    if (old === checkpoint.size) {
      if (old > 0 && !checkpoint.hash.equals(known.root)) return answer(409, 'same size, different root: the log forked\n')
    } else if (old > 0 && !checkTree(proof, checkpoint.size, checkpoint.hash, old, known.root)) {
      return answer(422, 'the consistency proof does not verify\n')
    }
    await store.save(origin, { size: checkpoint.size, root: checkpoint.hash })
    const signed = signNote({ text }, [cosigner])
    return { status: 200, contentType: 'text/plain; charset=utf-8', body: signed.slice(text.length + 1) }
  }

  return {
    name: cosigner.name,
    verifierKey: cosigner.verifierKey,
    addCheckpoint(body) {
      const result = queue.then(() => add(body))
      queue = result.catch(() => undefined)
      return result
    },
  }
}

function answer(status: WitnessResponse['status'], body: string): WitnessResponse {
  return { status, contentType: 'text/plain; charset=utf-8', body }
}

/** `old <N>\n`, up to 63 base64 hash lines, an empty line, then the signed checkpoint. */
function parseRequest(body: string): { old: number; proof: Hash[]; checkpoint: string } | null {
  const blank = body.indexOf('\n\n')
  if (blank < 0) return null
  const [oldLine = '', ...proofLines] = body.slice(0, blank).split('\n')
  const size = oldLine.startsWith('old ') ? oldLine.slice(4) : ''
  if (!DECIMAL.test(size) || !Number.isSafeInteger(Number(size)) || proofLines.length > MAX_PROOF_LINES) return null
  const proof = proofLines.map(decodeBase64Std)
  if (proof.some((h) => !h || h.length !== 32)) return null
  return { old: Number(size), proof: proof as Hash[], checkpoint: body.slice(blank + 2) }
}

export function memoryWitnessStore(): WitnessStore {
  const states = new Map<string, WitnessState>()
  return {
    load: async (origin) => states.get(origin),
    save: async (origin, state) => void states.set(origin, state),
  }
}

/** A JSON file { origin: { size, root } }, replaced atomically on every save. */
export function fileWitnessStore(file: string): WitnessStore {
  const read = async (): Promise<Record<string, { size: number; root: string }>> => {
    try {
      return JSON.parse(await readFile(file, 'utf8'))
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {}
      throw error
    }
  }
  return {
    async load(origin) {
      const state = (await read())[origin]
      return state && { size: state.size, root: Buffer.from(state.root, 'base64') }
    },
    async save(origin, state) {
      const all = { ...(await read()), [origin]: { size: state.size, root: state.root.toString('base64') } }
      await writeFile(`${file}.tmp`, JSON.stringify(all, null, 2))
      await rename(`${file}.tmp`, file)
    },
  }
}

export interface ServedWitness {
  /** The submission prefix: POST <url>/add-checkpoint. */
  url: string
  server: Server
  close(): Promise<void>
}

/** Serves a witness over HTTP on a loopback port (tests, and the receiver kit behind its own TLS). */
export async function serveWitness(witness: Witness, options: { host?: string; port?: number } = {}): Promise<ServedWitness> {
  const server = createServer((req, res) => {
    if (req.method !== 'POST' || req.url !== '/add-checkpoint') {
      res.writeHead(404).end()
      return
    }
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > 64 * 1024) req.destroy()
      else chunks.push(chunk)
    })
    req.on('end', () => {
      witness.addCheckpoint(Buffer.concat(chunks).toString('utf8')).then(
        (answer) => res.writeHead(answer.status, { 'content-type': answer.contentType }).end(answer.body),
        () => res.writeHead(500).end(),
      )
    })
  })
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve))
  const { address, port } = server.address() as AddressInfo
  return {
    url: `http://${address}:${port}`,
    server,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}
