import { access } from 'node:fs/promises'
import t from 'tap'
import { runCli } from '../helpers/process.ts'

// The demo starts a gateway on embedded PGlite and four partner processes, within the per-file 120 s
// (.taprc): a new PGlite cluster starts from the template of an empty one (src/db/embedded.ts), not
// from initdb, which alone took 10-15 s of the gateway's start on a busy machine.

t.test('hotline-gateway demo plays the whole case and exits 0 only when every step held', async (t) => {
  const run = await runCli(['demo'])
  if (run.code !== 0) t.comment(run.stdout.slice(-4000), run.stderr.slice(-2000))
  t.equal(run.code, 0, 'exit status 0')
  const out = run.stdout
  for (const [what, shown] of [
    ['the receipt verified', /receipt: JWS signed by gateway key \S+, verifies against \/\.well-known\/jwks\.json/],
    ['routing with reasons', /→ be-hotline\n\s+Rule hosting-country-hotline: /],
    ['the referral abroad', /→ nl-hotline\n\s+Rule hosting-country-hotline: The material is hosted in NL/],
    ['the urgent path', /→ be-police \(URGENT\)\n\s+Rule imminent-danger: /],
    ['the push and its receipt', /pushed to be-hotline, which receipts it[\s\S]+?receipt: signed by be-hotline key/],
    ['the pull and its receipt', /pulled by nl-hotline, which receipts it[\s\S]+?receipt: signed by nl-hotline key/],
    ['content removed', /nl-hotline: received, latest status content_removed/],
    ['the retraction receipted', /retraction receipt signed by be-hotline key/],
    ['audit verify --full', /OK: the audit log \S+ at tree size \d+ verifies/],
    ['verify-evidence', /status 2: content_removed, signed by nl-hotline key[\s\S]+OK: handoff \S+ to nl-hotline/],
  ] as const) {
    t.match(out, shown, what)
  }
  t.notMatch(out, /✗/, 'no step failed')
  const dir = /working directory (\S+)\)/.exec(out)?.[1]
  t.ok(dir, 'it names its working directory')
  await t.rejects(access(dir!), 'and removes it after a run where every step held')
})
