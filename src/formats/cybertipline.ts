/**
 * NCMEC CyberTipline-style ESP report XML <-> canonical report. Element names and order follow the
 * CyberTipline reporting API XSD; `<fileDetails>` inside `<report>` is the gateway's extension for
 * file metadata and hashes (in the NCMEC API it is a separate document sent after a file upload,
 * and the gateway never handles files).
 */
import { parseCyberTiplineXml } from './cybertipline-read.ts'
import { toCyberTiplineXml } from './cybertipline-write.ts'
import type { ReportFormatOf } from './report-format.ts'

export { parseCyberTiplineXml, type CyberTiplineParseOptions } from './cybertipline-read.ts'
export { toCyberTiplineXml } from './cybertipline-write.ts'

/** What platforms send NCMEC, read from any sender (its kind says the channel) and written to hotlines and police. */
export const CYBERTIPLINE_XML: ReportFormatOf<'report'> = {
  name: 'cybertipline_xml',
  mediaType: 'application/xml',
  channel: {
    hotline: 'hotline_referral',
    law_enforcement: 'law_enforcement',
    platform: 'platform_escalation',
    operator: 'phone_operator',
    auditor: undefined,
  },
  read: (body, context) => parseCyberTiplineXml(body as string, { channel: context.channel, validator: context.validateReport }),
  sentTo: ['hotline', 'law_enforcement'],
  projection: 'report',
  write: toCyberTiplineXml,
  urlsOnly: false,
}
