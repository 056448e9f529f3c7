/**
 * The rate limiter's windows are whole minutes: a test that counts admissions starts well inside one
 * (waiting for the next when less than 15 s are left), so its burst never straddles two budgets.
 */
export async function insideOneWindow(): Promise<void> {
  const intoMinute = Date.now() % 60_000
  if (intoMinute > 45_000) await new Promise((resolve) => setTimeout(resolve, 60_000 - intoMinute + 50))
}
