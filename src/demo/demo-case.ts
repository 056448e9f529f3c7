// The case the demo plays, as data: who takes part, what each report says, and the status names it
// uses. References (example.org / example.net / example.com URLs) and metadata only, never media.

/** Who plays which part; ids are those of examples/directory.yaml, whose dev clients get tokens. */
export const CAST = {
  platform: 'exampletube',
  homeHotline: 'be-hotline',
  foreignHotline: 'nl-hotline',
  police: 'be-police',
  auditor: 'example-auditor',
} as const

/** The handoff status values the demo posts (schemas/defs/handoff.json#/$defs/status), in one place. */
export const STATUS = {
  assessing: 'assessing',
  contentRemoved: 'content_removed',
} as const

const GROUP_URL = 'https://chat.example.net/join/demo-group-7f3a'

/** 1. The platform escalates a video that looks innocent; its comments point to a group elsewhere. */
export const platformEscalation = {
  schema_version: '1',
  channel: 'platform_escalation',
  source: { source_type: 'voluntary', external_id: 'demo-escalation-1' },
  reporter: { anonymous: false, contact: { name: 'Trust and Safety Desk', email: 'safety-desk@example.com' }, consent_to_contact: true },
  incident: {
    type: 'online_enticement',
    description:
      'A video of a children’s gymnastics class, innocent in itself, draws comments from several accounts that invite viewers to a group on another messaging service.',
  },
  items: [
    {
      url: 'https://exampletube.example.com/watch?v=demo-gym-class',
      content_type: 'video',
      context: 'The escalated video; the comments under it are the concern, not the video.',
      hosting: { country: 'BE', platform: 'ExampleTube' },
      classification: { status: 'unassessed' },
    },
    {
      url: GROUP_URL,
      content_type: 'chat',
      context: 'Comment under the video: "more in the group, link in bio".',
      classification: { status: 'unassessed' },
    },
  ],
  reported_accounts: [{ service: 'ExampleTube', screen_name: 'demo_commenter_12' }],
  language: 'en',
}

/** 2. The home hotline's analyst follows the group's links: the material is hosted abroad (NL). */
export const analystReferral = {
  schema_version: '1',
  channel: 'hotline_referral',
  source: { source_type: 'hotline', external_id: 'demo-referral-1', prior_report_refs: ['demo-escalation-1'] },
  reporter: { anonymous: true },
  incident: {
    type: 'child_pornography',
    description: 'The group linked from the comments shares an album of abuse material hosted in the Netherlands.',
  },
  items: [
    {
      url: 'https://files.example.org/album/demo-4711',
      content_type: 'image',
      context: 'Album linked from the pinned message of the group.',
      hashes: [{ alg: 'sha256', value: '5d0f4a1c8e7b6a59d3c2b1a0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0' }],
      hosting: { country: 'NL', provider: 'Example Hosting B.V.' },
      classification: { status: 'baseline', classified_by: 'be-hotline/analyst-3' },
    },
  ],
  language: 'en',
}

/** 3. In the same group a message says a child is in danger now: the urgent path to the police. */
export const imminentDanger = {
  schema_version: '1',
  channel: 'hotline_referral',
  source: { source_type: 'hotline', external_id: 'demo-urgent-1' },
  reporter: { anonymous: true },
  incident: { type: 'online_enticement', description: 'A group member arranges to meet a child tonight.' },
  urgency: { imminent_danger: true, reason: 'The meeting is set for tonight; the child’s town is named in the group.' },
  items: [{ url: GROUP_URL, content_type: 'chat', context: 'Message in the group, posted an hour ago.' }],
  victim_country: 'BE',
  language: 'en',
}

/** 4. A second escalation the platform sends by mistake, and retracts. */
export const mistakenEscalation = {
  ...platformEscalation,
  source: { source_type: 'voluntary', external_id: 'demo-escalation-2' },
  incident: { type: 'online_enticement', description: 'Escalated by an automated classifier; a moderator found it harmless.' },
  items: [
    {
      url: 'https://exampletube.example.com/watch?v=demo-cooking-show',
      content_type: 'video',
      hosting: { country: 'BE', platform: 'ExampleTube' },
      classification: { status: 'unassessed' },
    },
  ],
}
