#!/usr/bin/env node
// Fails when the folders under src/ import each other in a new cycle: the import graph between folders
// must become one-way (issue 13). The edges of the cycles that exist today are listed in
// scripts/folder-cycles.allowed, a ratchet: an edge not listed that closes a cycle fails, and so does a
// listed edge that no longer does (delete its line: the list only shrinks). File-level cycles inside one
// folder are that folder's own business.
// Reads every relative import (static, dynamic and `export ... from`) of src/**/*.ts; type-only
// imports count too, since a cycle of types is still a cycle of knowledge.
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'

const SRC = fileURLToPath(new URL('../src/', import.meta.url))
const IMPORT = /(?:import|export)\s[^'"]*?from\s*['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)/g

/** The folder a file belongs to: its first path segment below src/ ("." for src/*.ts itself). */
const folderOf = (file) => {
  const parts = relative(SRC, file).split(sep)
  return parts.length > 1 ? parts[0] : '.'
}

function sourceFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return sourceFiles(path)
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : []
  })
}

/** folder -> folder -> one file import that makes the edge (to name it in the message) */
function folderGraph() {
  const graph = new Map()
  for (const file of sourceFiles(SRC)) {
    for (const match of readFileSync(file, 'utf8').matchAll(IMPORT)) {
      const target = resolve(dirname(file), match[1] ?? match[2])
      const [from, to] = [folderOf(file), folderOf(target)]
      if (from === to || from === '.' || to === '.') continue // src/*.ts compose everything, by design
      if (!graph.has(from)) graph.set(from, new Map())
      if (!graph.get(from).has(to)) graph.get(from).set(to, `${relative(SRC, file)} -> ${relative(SRC, target)}`)
    }
  }
  return graph
}

/** Tarjan's strongly connected components: every component of two or more folders is a cycle. */
function cycles(graph) {
  let index = 0
  const stack = []
  const state = new Map()
  const found = []
  const visit = (node) => {
    state.set(node, { index, low: index, onStack: true })
    index += 1
    stack.push(node)
    for (const next of graph.get(node)?.keys() ?? []) {
      if (!state.has(next)) {
        visit(next)
        state.get(node).low = Math.min(state.get(node).low, state.get(next).low)
      } else if (state.get(next).onStack) state.get(node).low = Math.min(state.get(node).low, state.get(next).index)
    }
    if (state.get(node).low !== state.get(node).index) return
    const component = []
    let member
    do {
      member = stack.pop()
      state.get(member).onStack = false
      component.push(member)
    } while (member !== node)
    if (component.length > 1) found.push(component.sort())
  }
  for (const node of graph.keys()) if (!state.has(node)) visit(node)
  return found
}

const ALLOWED_FILE = fileURLToPath(new URL('folder-cycles.allowed', import.meta.url))
const allowed = new Set(
  existsSync(ALLOWED_FILE)
    ? readFileSync(ALLOWED_FILE, 'utf8')
        .split('\n')
        .map((line) => line.replace(/#.*/, '').trim())
        .filter(Boolean)
    : [],
)

const graph = folderGraph()
/** Every edge between two folders of one strongly connected component closes a cycle. */
const cyclic = new Map()
for (const component of cycles(graph)) {
  for (const from of component) {
    for (const [to, example] of graph.get(from) ?? []) if (component.includes(to)) cyclic.set(`${from} -> ${to}`, example)
  }
}
const added = [...cyclic].filter(([edge]) => !allowed.has(edge))
const gone = [...allowed].filter((edge) => !cyclic.has(edge))
if (process.argv.includes('--print')) for (const edge of [...cyclic.keys()].sort()) console.log(edge)
if (added.length === 0 && gone.length === 0) process.exit(0)
if (added.length > 0) {
  console.error('src/ folders: these imports close a new cycle between folders; make the dependency one-way:')
  for (const [edge, example] of added) console.error(`  ${edge}   (${example})`)
}
if (gone.length > 0) {
  console.error('src/ folders: these edges no longer close a cycle; delete them from scripts/folder-cycles.allowed:')
  for (const edge of gone) console.error(`  ${edge}`)
}
process.exit(1)
