/**
 * Groups work into calls of `run` (one round trip, one commit), at most `max` items a call. Each caller
 * gets its own result once its group has run; if the call fails, every caller of that group gets the
 * error. Nothing is held across a commit: a crash loses only work whose callers have not been answered.
 *
 * By default the work submitted in one event-loop turn goes in one call, and calls run side by side.
 * With `inFlight`, at most that many calls run at once, and what arrives meanwhile waits for the next:
 * the classic group commit, whose groups grow with the load (one statement for many answers when the
 * database is busy) and cost nothing when it is idle (the first item goes at once).
 */
export function createGroupCommit<I, R>(run: (items: I[]) => Promise<R[]>, max = 100, inFlight = Infinity): (item: I) => Promise<R> {
  const pending: Array<{ item: I; resolve: (r: R) => void; reject: (e: unknown) => void }> = []
  let scheduled = false
  let running = 0

  function flush(): void {
    scheduled = false
    while (pending.length > 0 && running < inFlight) {
      const group = pending.splice(0, max)
      running++
      run(group.map((g) => g.item))
        .then(
          (results) => group.forEach((g, i) => g.resolve(results[i]!)),
          (error: unknown) => group.forEach((g) => g.reject(error)),
        )
        .finally(() => {
          running--
          flush()
        })
    }
  }

  return (item) =>
    new Promise<R>((resolve, reject) => {
      pending.push({ item, resolve, reject })
      if (!scheduled) {
        scheduled = true
        setImmediate(flush)
      }
    })
}
