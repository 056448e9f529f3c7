import type { Logger } from 'pino'
import type { LoopHealth } from './loop-health.ts'

export interface LoopOptions {
  /** What the loop is, for its log lines. */
  name: string
  /** One unit of work; how much it did. The loop goes straight on while there is work. */
  step(): Promise<number>
  logger: Logger
  /** Pause after a step that found nothing to do (default 200 ms); doubles per consecutive failure, up to 64×. */
  intervalMs?: number
  /** Told of every completed step, so that /readyz can tell a stuck loop. */
  health?: LoopHealth | undefined
}

export interface BackgroundLoop {
  /** Cuts the current pause short (new work has arrived). */
  wake(): void
  /** Lets the step in progress finish, then stops. */
  stop(): Promise<void>
}

/**
 * A background loop: step while there is work, pause when there is none, back off when a step
 * fails (the database is away, say) and carry on when it works again. One shape for every loop of a
 * process, so that each stops cleanly before the pool it uses is closed.
 */
export function startLoop(options: LoopOptions): BackgroundLoop {
  const intervalMs = options.intervalMs ?? 200
  const beat = options.health?.register(options.name)
  let stopped = false
  // a wake that comes while a step runs skips the next pause: the step may have looked before the new work
  let woken = false
  let cutShort: (() => void) | undefined
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms)
      cutShort = () => {
        clearTimeout(timer)
        resolve()
      }
    }).finally(() => (cutShort = undefined))
  const running = (async () => {
    let failures = 0
    while (!stopped) {
      let done = 0
      woken = false
      try {
        done = await options.step()
        failures = 0
        beat?.completed()
      } catch (error) {
        failures++
        options.logger.error({ err: error, loop: options.name, failures }, `${options.name} failed; retrying`)
      }
      if (stopped || ((done > 0 || woken) && failures === 0)) continue
      await pause(intervalMs * 2 ** Math.min(failures, 6))
    }
  })()
  return {
    wake() {
      woken = true
      cutShort?.()
    },
    async stop() {
      stopped = true
      cutShort?.()
      await running
    },
  }
}
