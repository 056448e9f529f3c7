/** A step of the demo that did not hold: the demo stops there and exits 1. */
export class DemoFailure extends Error {}

export interface Narrator {
  /** Runs one numbered step: its title, then its detail lines, then ✓ (or ✗ and why, and the demo stops). */
  step(title: string, work: () => Promise<string[]>): Promise<void>
  say(line: string): void
  readonly failed: boolean
}

export function narrator(write: (line: string) => void): Narrator {
  let n = 0
  let failed = false
  return {
    async step(title, work) {
      n++
      write(`\n[${n}] ${title}`)
      const started = Date.now()
      try {
        const lines = await work()
        for (const line of lines) write(`      ${line}`)
        write(`    ✓ ${((Date.now() - started) / 1000).toFixed(1)} s`)
      } catch (error) {
        failed = true
        write(`    ✗ ${(error as Error).message}`)
        throw error
      }
    },
    say: (line) => write(line),
    get failed() {
      return failed
    },
  }
}

/** Polls `check` until it answers something (a condition, not a timer: it returns as soon as it holds). */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await check()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new DemoFailure(`gave up after ${timeoutMs / 1000} s waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
}

export function expect(condition: unknown, message: string): asserts condition {
  if (!condition) throw new DemoFailure(message)
}
