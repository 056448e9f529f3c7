#!/usr/bin/env node
// Runs the compiled CLI from dist/ (built by `npm ci` through `prepare`, or `npm run build`). A
// development checkout without a build runs the TypeScript sources through tsx (a dev dependency).
import { existsSync } from 'node:fs'

const compiled = new URL('../dist/cli/index.js', import.meta.url)
const { main } = existsSync(compiled) ? await import(compiled.href) : await fromSource()
const code = await main(process.argv.slice(2))
// a finished command exits even if a library left a timer behind; `serve` (-1) runs until a signal
if (code >= 0) process.exit(code)

async function fromSource() {
  const tsx = await import('tsx/esm/api').catch(() => {
    console.error('hotline-gateway: dist/ is missing and tsx is not installed: run `npm run build` (or `npm ci`) first')
    process.exit(1)
  })
  tsx.register()
  return import('../src/cli/index.ts')
}
