import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import t from 'tap'
import * as kit from '../../src/receiver/index.ts'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))

t.test('plain Node imports hotline-gateway/receiver (the build in dist/, no loader flag) with everything the kit exports', async (t) => {
  const script = `const kit = await import('hotline-gateway/receiver'); console.log(JSON.stringify(Object.keys(kit).sort()))`
  // a child without tsx registered, run from the package (self-reference through package.json "exports")
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
    cwd: ROOT,
    env: { PATH: process.env.PATH },
  })
  t.same(JSON.parse(stdout), Object.keys(kit).sort())
})
