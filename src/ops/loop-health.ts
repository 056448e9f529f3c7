/** A loop's heartbeat: `completed()` after every step that ran to its end, whether it found work or not. */
interface LoopBeat {
  completed(): void
}

/**
 * When each background loop of this process (audit sequencer, handoff signing, push, escalation) last
 * completed a step. A healthy loop completes one at least every few seconds, idle or busy; one that
 * has not for longer than a bound is stuck (a step hanging, or failing again and again), and the
 * process says so at /readyz and in the metrics. In process memory on purpose: it is this process's
 * own loops that are stuck or not.
 */
export interface LoopHealth {
  register(loop: string): LoopBeat
  /** Seconds since each registered loop last completed a step (since it started, before the first). */
  ages(): Array<{ loop: string; seconds: number }>
  /** The loops whose last completed step is older than `boundMs`. */
  stalled(boundMs: number): string[]
}

export function createLoopHealth(): LoopHealth {
  const last = new Map<string, number>()
  const ages = () => [...last].map(([loop, at]) => ({ loop, seconds: (performance.now() - at) / 1000 }))
  return {
    register(loop) {
      last.set(loop, performance.now())
      return { completed: () => void last.set(loop, performance.now()) }
    },
    ages,
    stalled: (boundMs) => ages().flatMap(({ loop, seconds }) => (seconds * 1000 > boundMs ? [loop] : [])),
  }
}
