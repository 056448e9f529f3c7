// CPU accounting for the benches: where the CPU went during a load, read from /proc (Linux only).
import type { ChildProcess } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'

/** CPU seconds used so far by a process (utime + stime from /proc, Linux only; 0 elsewhere). */
function cpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
    return (Number(fields[11]) + Number(fields[12])) / 100
  } catch {
    return 0
  }
}

/** CPU seconds of every PostgreSQL process now running, by pid. */
function postgresCpu(): Map<number, number> {
  const cpu = new Map<number, number>()
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    try {
      if (readFileSync(`/proc/${name}/comm`, 'utf8').trim() === 'postgres') cpu.set(Number(name), cpuSeconds(Number(name)))
    } catch {
      // the process ended while we looked
    }
  }
  return cpu
}

/**
 * Where the CPU went during a load: the server process, PostgreSQL (all its processes) and the load
 * generator (this process), in µs per unit of work (a request, a receipt). On a shared machine the rates move with other load;
 * CPU time per request moves much less, so it shows what a change saved even when rates are noisy.
 */
export function cpuMeter(servers: ChildProcess[]) {
  const client = () => {
    const usage = process.cpuUsage()
    return (usage.user + usage.system) / 1e6
  }
  const serverCpu = () => servers.reduce((sum, server) => sum + cpuSeconds(server.pid!), 0)
  const before = { server: serverCpu(), postgres: postgresCpu(), client: client() }
  return (units: number) => {
    const postgresAfter = postgresCpu()
    let postgres = 0
    for (const [pid, seconds] of postgresAfter) postgres += seconds - (before.postgres.get(pid) ?? 0)
    const per = (seconds: number) => Math.round((seconds * 1e6) / units)
    return { server: per(serverCpu() - before.server), postgres: per(postgres), client: per(client() - before.client) }
  }
}
