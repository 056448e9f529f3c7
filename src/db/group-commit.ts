/**
 * Groups the work submitted in the same event-loop turn into one call of `run` (one round trip, one
 * commit), at most `max` items a call. Each caller gets its own result once its group has run; if the
 * call fails, every caller of that group gets the error. Nothing is held across turns: a crash loses
 * only work whose callers have not been answered yet.
 */
export function createGroupCommit<I, R>(run: (items: I[]) => Promise<R[]>, max = 100): (item: I) => Promise<R> {
  const pending: Array<{ item: I; resolve: (r: R) => void; reject: (e: unknown) => void }> = []
  let scheduled = false

  function flush(): void {
    scheduled = false
    while (pending.length > 0) {
      const group = pending.splice(0, max)
      run(group.map((g) => g.item)).then(
        (results) => group.forEach((g, i) => g.resolve(results[i]!)),
        (error: unknown) => group.forEach((g) => g.reject(error)),
      )
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
