#!/usr/bin/env node
// Runs the TypeScript sources through tsx, so a fresh clone needs no build step.
import { register } from 'tsx/esm/api'

register()
const { main } = await import('../src/cli.ts')
const code = await main(process.argv.slice(2))
// a finished command exits even if a library left a timer behind; `serve` (-1) runs until a signal
if (code >= 0) process.exit(code)
