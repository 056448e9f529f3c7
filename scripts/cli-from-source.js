#!/usr/bin/env node
// The CLI from the TypeScript sources, whatever dist/ holds: what the tests and benches run, so that
// an edit is tested without a build. Production runs bin/hotline-gateway.js (dist/).
import { register } from 'tsx/esm/api'

register()
const { main } = await import('../src/cli/index.ts')
const code = await main(process.argv.slice(2))
if (code >= 0) process.exit(code)
