import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'

export const BIN = fileURLToPath(new URL('../../scripts/cli-from-source.js', import.meta.url))

export interface Finished {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

/** Runs the CLI to completion. */
export function runCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...baseEnv(), ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
    collect(child).then(resolve, reject)
  })
}

export interface RunningGateway {
  url: string
  child: ChildProcess
  logs: () => Array<Record<string, unknown>>
  stderr: () => string
  stop(signal?: NodeJS.Signals): Promise<Finished>
}

/** Starts `hotline-gateway serve` and waits for the line announcing its address. */
export async function startGateway(env: NodeJS.ProcessEnv, args: string[] = [], timeoutMs = 60_000): Promise<RunningGateway> {
  const child = spawn(process.execPath, [BIN, 'serve', ...args], {
    env: { ...baseEnv(), HOST: '127.0.0.1', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stderr = ''
  child.stderr!.on('data', (chunk) => (stderr += chunk))
  const finished = collect(child)
  const lines: Array<Record<string, unknown>> = []
  const url = await new Promise<string>((resolve, reject) => {
    let buffer = ''
    const timer = setTimeout(() => reject(new Error(`gateway did not start in ${timeoutMs} ms`)), timeoutMs)
    child.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk
      let newline
      while ((newline = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, newline)
        buffer = buffer.slice(newline + 1)
        try {
          const parsed = JSON.parse(line)
          lines.push(parsed)
          if (typeof parsed.address === 'string' && /is up/.test(parsed.msg)) {
            clearTimeout(timer)
            resolve(parsed.address)
          }
        } catch {
          // not a JSON log line
        }
      }
    })
    finished.then((f) => {
      clearTimeout(timer)
      reject(new Error(`gateway exited early (${f.code}): ${f.stderr}`))
    })
  })
  return {
    url,
    child,
    logs: () => lines,
    stderr: () => stderr,
    async stop(signal = 'SIGTERM') {
      child.kill(signal)
      return finished
    },
  }
}

/**
 * Starts a long-running CLI command (`partner serve`, say) and waits until its output matches `ready`:
 * the match, and the output so far. Stopped (SIGTERM) at the end of the test.
 */
export async function startCommand(
  t: { teardown(fn: () => unknown): void },
  args: string[],
  env: NodeJS.ProcessEnv,
  ready: RegExp,
  timeoutMs = 60_000,
): Promise<{ match: RegExpExecArray; stdout: () => string; child: ChildProcess }> {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...baseEnv(), ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  const finished = collect(child)
  t.teardown(() => void child.kill('SIGTERM'))
  let stdout = ''
  let stderr = ''
  child.stderr!.on('data', (chunk) => (stderr += chunk))
  const match = await new Promise<RegExpExecArray>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${args.join(' ')}: no ${ready} in ${timeoutMs} ms: ${stdout}${stderr}`)), timeoutMs)
    child.stdout!.on('data', (chunk) => {
      stdout += chunk
      const found = ready.exec(stdout)
      if (!found) return
      clearTimeout(timer)
      resolve(found)
    })
    finished.then((f) => {
      clearTimeout(timer)
      reject(new Error(`${args.join(' ')} exited (${f.code}): ${f.stderr}`))
    })
  })
  return { match, stdout: () => stdout, child }
}

function collect(child: ChildProcess): Promise<Finished> {
  let stdout = ''
  let stderr = ''
  child.stdout?.on('data', (chunk) => (stdout += chunk))
  child.stderr?.on('data', (chunk) => (stderr += chunk))
  return new Promise((resolve, reject) => {
    child.on('error', reject)
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }))
  })
}

// NODE_V8_COVERAGE (set by c8 in `npm test`) passes through, so that the processes a test starts count
// towards the coverage of src/ too.
function baseEnv(): NodeJS.ProcessEnv {
  const { PATH, HOME, TMPDIR, NODE_V8_COVERAGE } = process.env
  return { PATH, HOME, TMPDIR, NODE_V8_COVERAGE, NODE_ENV: 'test', LOG_LEVEL: 'info' }
}

/** Waits (polling every 100 ms) until `check` holds; gives up after `ms`, naming `what`. */
export async function until(what: string, check: () => Promise<boolean>, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting: ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}
