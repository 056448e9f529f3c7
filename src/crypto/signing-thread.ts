import type { KeyObject } from 'node:crypto'
import { Worker } from 'node:worker_threads'
import type { SigningAnswer, SigningRequest } from './signing-worker.ts'

/**
 * Ed25519 signatures made on a worker thread, a batch per message. Under load the request thread is
 * intake's bottleneck (event-loop utilisation ~0.9 on the 2-core bench) and a signature is ~40 µs
 * of it; crypto.sign with a callback (one thread-pool job per signature) measured slower than
 * signing inline, one message per batch of a few dozen does not. Keys are sent to the thread once.
 */
export interface SigningThread {
  sign(kid: string, key: KeyObject, message: string): Promise<Buffer>
  close(): Promise<void>
}

/**
 * The thread runs ./signing-worker, compiled beside this file in dist/. From the sources (tests, a
 * checkout without a build) it is TypeScript, and Node 20 does not apply the loader hooks of this
 * process (tsx) to a worker's entry: a bootstrap registers tsx in the thread, then imports it.
 */
function workerEntry(): URL {
  if (!import.meta.url.endsWith('.ts')) return new URL('./signing-worker.js', import.meta.url)
  const source = new URL('./signing-worker.ts', import.meta.url).href
  const tsx = import.meta.resolve('tsx/esm/api')
  const bootstrap = `import { register } from ${JSON.stringify(tsx)}\nregister()\nawait import(${JSON.stringify(source)})\n`
  return new URL(`data:text/javascript,${encodeURIComponent(bootstrap)}`)
}

interface Pending {
  message: string
  resolve(signature: Buffer): void
  reject(error: unknown): void
}

export function createSigningThread(): SigningThread {
  let worker: Worker | undefined
  let known = new Set<string>() // the kids the current thread has
  const keys = new Map<string, KeyObject>()
  let queued = new Map<string, Pending[]>()
  const inFlight = new Map<number, Pending[]>()
  let nextId = 0
  let closed = false

  function start(): Worker {
    const started = new Worker(workerEntry())
    started.unref() // never what keeps a process alive
    started.on('message', ({ id, signatures }: SigningAnswer) => {
      const batch = inFlight.get(id)!
      inFlight.delete(id)
      const all = Buffer.from(signatures.buffer, signatures.byteOffset, signatures.byteLength)
      batch.forEach((p, i) => p.resolve(all.subarray(64 * i, 64 * (i + 1))))
    })
    // a thread that fails takes its batches with it; the next signature starts a new one
    const fail = (error: unknown) => {
      if (worker === started) worker = undefined
      known = new Set()
      for (const batch of inFlight.values()) batch.forEach((p) => p.reject(error))
      inFlight.clear()
    }
    started.on('error', fail)
    started.on('exit', (code) => fail(new Error(`the signing thread exited (${code})`)))
    return started
  }

  function flush(): void {
    const batches = queued
    queued = new Map()
    worker ??= start()
    for (const [kid, batch] of batches) {
      if (!known.has(kid)) {
        worker.postMessage({ kid, key: keys.get(kid)! } satisfies SigningRequest)
        known.add(kid)
      }
      const id = nextId++
      inFlight.set(id, batch)
      worker.postMessage({ id, kid, messages: batch.map((p) => p.message) } satisfies SigningRequest)
    }
  }

  return {
    sign(kid, key, message) {
      if (closed) return Promise.reject(new Error('the signing thread is closed'))
      keys.set(kid, key)
      return new Promise((resolve, reject) => {
        if (queued.size === 0) setImmediate(flush)
        const batch = queued.get(kid) ?? []
        batch.push({ message, resolve, reject })
        queued.set(kid, batch)
      })
    },
    async close() {
      closed = true
      await worker?.terminate()
    },
  }
}
