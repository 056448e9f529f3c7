import { spawn, type ChildProcess } from 'node:child_process'
import { createWriteStream } from 'node:fs'
import { fileURLToPath } from 'node:url'

/** The CLI every actor of the demo runs: the same `hotline-gateway` a hotline installs. */
const BIN = fileURLToPath(new URL('../../bin/hotline-gateway.js', import.meta.url))

export interface Finished {
  code: number | null
  stdout: string
  stderr: string
}

/** Runs a CLI command to its end. */
export function runCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout!.on('data', (chunk) => (stdout += chunk))
    child.stderr!.on('data', (chunk) => (stderr += chunk))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

/** The long-running actors (the gateway, the partners' receivers): started, their output in a log file, stopped at the end. */
export function createCast() {
  const running: Array<{ name: string; child: ChildProcess; exited: Promise<void> }> = []
  return {
    start(name: string, args: string[], env: NodeJS.ProcessEnv, logFile: string): ChildProcess {
      const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
      const log = createWriteStream(logFile)
      child.stdout!.pipe(log, { end: false })
      child.stderr!.pipe(log, { end: false })
      const exited = new Promise<void>((resolve) => child.on('close', () => (log.end(), resolve())))
      running.push({ name, child, exited })
      return child
    },
    /** Whoever has died already (a step waiting on it would wait in vain). */
    dead(): string[] {
      return running.filter((r) => r.child.exitCode !== null || r.child.signalCode !== null).map((r) => r.name)
    },
    async stopAll(): Promise<void> {
      for (const { child } of running.reverse()) if (child.exitCode === null) child.kill('SIGTERM')
      await Promise.all(running.map((r) => r.exited))
    },
  }
}

export type Cast = ReturnType<typeof createCast>
