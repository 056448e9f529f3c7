import type { Participant, ParticipantKind } from '../directory/participant.ts'
import { IntakeError } from './intake-error.ts'
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
  throw new IntakeError(
    'INTAKE_CHANNEL_NOT_ALLOWED',
    `a ${sender.kind} may send reports on the channels ${allowed.join(', ') || '(none)'}, not ${channel}`,
    {
      fieldErrors: [{ in: 'body', pointer: '/channel', message: `must be one of: ${allowed.join(', ')}` }],
    },
  )
}
