// Every bench in a row, each in its own process, in a short mode (BENCH_FULL=1: the benches' own
// defaults), then one table: each figure beside its baseline from the same run, and their ratio, with
// the machine and the versions. Also written as JSON to bench/results/ (git-ignored).
// Usage: npm run bench   (or node --import tsx bench/run.ts [bench ...], e.g. `intake audit`)
import { spawn } from 'node:child_process'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import { createInterface } from 'node:readline'
import pg from 'pg'
import { FIGURES_MARK, type Figure } from './result.ts'

const FULL = process.env.BENCH_FULL === '1'
/** name -> arguments in short mode (a few minutes in all) and in full mode (the benches' defaults). */
const BENCHES: Record<string, { short: string[]; full: string[] }> = {
  routing: { short: ['1'], full: [] },
  intake: { short: ['5', '50', '1'], full: [] },
  audit: { short: ['2', '16', '1', '100000'], full: [] },
  delivery: { short: ['drain', '2000'], full: ['drain'] },
}

interface Row extends Figure {
  bench: string
  ratio: number
  /** 1-minute load average when the bench started and when it ended: how busy the machine was. */
  load: [number, number]
}

function runBench(name: string, args: string[]): Promise<{ figures: Figure[]; code: number | null }> {
  const figures: Figure[] = []
  const child = spawn(process.execPath, ['--import', 'tsx', new URL(`./${name}.ts`, import.meta.url).pathname, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  createInterface({ input: child.stdout! }).on('line', (line) => {
    if (line.startsWith(FIGURES_MARK)) figures.push(...(JSON.parse(line.slice(FIGURES_MARK.length)) as Figure[]))
    else process.stderr.write(`[${name}] ${line}\n`)
  })
  return new Promise((resolve) => child.once('exit', (code) => resolve({ figures, code })))
}

async function postgresVersion(): Promise<string> {
  const client = new pg.Client(process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test')
  await client.connect()
  try {
    return (await client.query<{ server_version: string }>('SHOW server_version')).rows[0]!.server_version
  } finally {
    await client.end()
  }
}

function versionOf(pkg: string): string {
  return JSON.parse(readFileSync(new URL(`../node_modules/${pkg}/package.json`, import.meta.url), 'utf8')).version
}

function commit(): Promise<string> {
  return new Promise((resolve) => {
    const git = spawn('git', ['rev-parse', '--short', 'HEAD'], { stdio: ['ignore', 'pipe', 'ignore'] })
    let out = ''
    git.stdout.on('data', (chunk) => (out += chunk))
    git.once('close', () => resolve(out.trim() || 'unknown'))
    git.once('error', () => resolve('unknown'))
  })
}

const chosen = process.argv.slice(2).length > 0 ? process.argv.slice(2) : Object.keys(BENCHES)
for (const name of chosen) if (!BENCHES[name]) throw new Error(`no bench ${name}; there are: ${Object.keys(BENCHES).join(', ')}`)

const machine = {
  date: new Date().toISOString(),
  mode: FULL ? 'full' : 'short',
  commit: await commit(),
  cpus: os.cpus().length,
  cpu: os.cpus()[0]?.model.trim() ?? 'unknown',
  os: `${os.type()} ${os.release()}`,
  node: process.version,
  postgresql: await postgresVersion(),
  fastify: versionOf('fastify'),
  pg: versionOf('pg'),
}
const rows: Row[] = []
const failed: string[] = []
for (const name of chosen) {
  const loadBefore = os.loadavg()[0]!
  const { figures, code } = await runBench(name, FULL ? BENCHES[name]!.full : BENCHES[name]!.short)
  const load: [number, number] = [loadBefore, os.loadavg()[0]!]
  if (figures.length === 0) failed.push(`${name} (exit ${code}, no figures)`)
  for (const f of figures) rows.push({ bench: name, ...f, ratio: f.value / f.baselineValue, load })
}

const out = new URL('./results/', import.meta.url)
mkdirSync(out, { recursive: true })
const file = new URL(`bench-${machine.date.replace(/[:.]/g, '-')}.json`, out)
const json = JSON.stringify({ machine, rows, failed }, null, 2) + '\n'
writeFileSync(file, json)
writeFileSync(new URL('latest.json', out), json)
console.log(table())
console.log(`\nwritten to ${file.pathname} (and latest.json beside it)`)
if (failed.length > 0) {
  console.log(`no figures from: ${failed.join(', ')}`)
  process.exitCode = 1
}

function table(): string {
  const fmt = (n: number) => (n >= 100 ? Math.round(n).toLocaleString('en') : n.toFixed(n >= 10 ? 1 : 2))
  const header = ['bench', 'figure', 'value', 'baseline (same run)', 'baseline value', 'ratio', 'load avg']
  const body = rows.map((r) => [
    r.bench,
    r.figure,
    `${fmt(r.value)} ${r.unit}`,
    r.baseline,
    `${fmt(r.baselineValue)} ${r.unit}`,
    `${r.ratio.toFixed(2)}${r.lowerIsBetter ? ' (lower is better)' : ''}`,
    `${r.load[0].toFixed(1)}→${r.load[1].toFixed(1)}`,
  ])
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)))
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`
  return [
    `hotline-gateway benchmarks, ${machine.date} (${machine.mode} mode, commit ${machine.commit})`,
    `${machine.cpus} × ${machine.cpu}; ${machine.os}; Node ${machine.node}; PostgreSQL ${machine.postgresql}; fastify ${machine.fastify}; pg ${machine.pg}`,
    '',
    line(header),
    `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`,
    ...body.map(line),
  ].join('\n')
}
