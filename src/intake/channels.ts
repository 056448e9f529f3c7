import type { Participant, ParticipantKind } from '../directory/participant.ts'
import { problem } from '../http/problems.ts'
import type { Channel } from './report-types.ts'

/**
 * The channels each kind of sender may claim: a platform cannot file a law-enforcement report, a
 * police contact cannot pose as the public web form. Hotlines relay their own web-form and phone
 * reports, referrals and trusted-flagger notices.
 */
const CHANNELS: Readonly<Record<ParticipantKind, readonly Channel[]>> = {
  hotline: ['hotline_referral', 'web_form', 'phone_operator', 'trusted_flagger'],
  law_enforcement: ['law_enforcement'],
  platform: ['platform_escalation', 'trusted_flagger'],
  operator: ['phone_operator', 'web_form'],
  auditor: [],
}

export function assertChannelAllowed(sender: Participant, channel: Channel): void {
  const allowed = CHANNELS[sender.kind]
  if (allowed.includes(channel)) return
  throw problem('HG_UNPROCESSABLE', `a ${sender.kind} may send reports on the channels ${allowed.join(', ') || '(none)'}, not ${channel}`, {
    errors: [{ in: 'body', pointer: '/channel', message: `must be one of: ${allowed.join(', ')}` }],
  })
}

/** Foreign formats do not say which channel they came through; the sender's kind does. */
const FOREIGN_FORMAT_CHANNEL: Readonly<Record<ParticipantKind, Record<'cybertipline' | 'dsa_notice', Channel | undefined>>> = {
  hotline: { cybertipline: 'hotline_referral', dsa_notice: 'trusted_flagger' },
  law_enforcement: { cybertipline: 'law_enforcement', dsa_notice: 'law_enforcement' },
  platform: { cybertipline: 'platform_escalation', dsa_notice: 'trusted_flagger' },
  operator: { cybertipline: 'phone_operator', dsa_notice: 'web_form' },
  auditor: { cybertipline: undefined, dsa_notice: undefined },
}

export function channelForFormat(sender: Participant, format: 'cybertipline' | 'dsa_notice'): Channel {
  return FOREIGN_FORMAT_CHANNEL[sender.kind][format] ?? 'web_form'
}
