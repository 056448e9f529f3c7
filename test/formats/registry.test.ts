import { readFileSync } from 'node:fs'
import t from 'tap'
import { formatForMediaType, formatNamed, formatsSentTo, REPORT_FORMATS } from '../../src/formats/registry.ts'
import { loadContract } from '../../src/http/openapi-document.ts'

// openapi.yaml is the contract: intake reads exactly the media types its submitReport operation declares
t.test('every format intake reads is declared on submitReport in openapi.yaml, and every declared type is a format', async (t) => {
  const contract = await loadContract()
  const submit = contract.operations.find((op) => op.operationId === 'submitReport')
  const declared = Object.keys(submit?.requestBody?.content ?? {}).sort()
  t.same(REPORT_FORMATS.map((f) => f.mediaType).sort(), declared)
  for (const mediaType of declared) t.equal(formatForMediaType(mediaType)?.mediaType, mediaType, `${mediaType} is read by its format`)
})

t.test('every format a participant may list in the directory has one entry, under its own name', async (t) => {
  const schema = JSON.parse(readFileSync(new URL('../../schemas/participant.v1.json', import.meta.url), 'utf8'))
  const listed: string[] = schema.properties.formats.items.enum
  t.same(REPORT_FORMATS.map((f) => f.name).sort(), [...listed].sort())
  for (const name of REPORT_FORMATS.map((f) => f.name)) t.equal(formatNamed(name).name, name)
})

t.test('each kind of destination is sent the formats it can read, notices to platforms only', async (t) => {
  t.same(
    formatsSentTo('hotline').map((f) => f.name),
    ['canonical_v1', 'cybertipline_xml'],
  )
  t.same(
    formatsSentTo('law_enforcement').map((f) => f.name),
    ['canonical_v1', 'cybertipline_xml'],
  )
  t.same(
    formatsSentTo('platform').map((f) => f.name),
    ['dsa_notice_v1'],
  )
  t.same(formatsSentTo('auditor'), [], 'auditors read, they are not sent reports')
})
