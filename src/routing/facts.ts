import type { ParticipantKind } from '../directory/participant.ts'
import type { Annotation, Channel, ClassificationStatus, ContentType, IncidentType, LocatorType, SourceType } from '../contract/report.ts'
import type { ItemContext, RouteContext } from './context.ts'
import type { HostingConfidence, HostingSource } from './hosting.ts'

/**
 * The vocabulary rule conditions may use: a closed list of named facts, each with its type and,
 * where it has one, its closed set of values, so a misspelt fact or value is refused when the
 * rule set is compiled instead of silently never matching. The schema's fact enum is this list.
 */
type FactValue = string | boolean | readonly string[] | undefined
type FactType = 'boolean' | 'string' | 'country' | 'list'

export interface FactDefinition {
  scope: 'report' | 'item'
  type: FactType
  values?: readonly string[]
  get(route: RouteContext, item: ItemContext): FactValue
}

/** Lists every member of a string union, or fails to type-check: the vocabulary follows the report types. */
function every<T extends string>() {
  return <const A extends readonly T[]>(values: A & ([T] extends [A[number]] ? unknown : 'lists not every value')): A => values
}

const INCIDENT_TYPES = every<IncidentType>()([
  'child_pornography',
  'child_sex_trafficking',
  'child_sex_tourism',
  'child_sexual_molestation',
  'misleading_domain_name',
  'misleading_words_or_digital_images',
  'online_enticement',
  'unsolicited_obscene_material_to_child',
])
const ANNOTATIONS = every<Annotation>()([
  'sextortion',
  'csam_solicitation',
  'minor_to_minor',
  'spam',
  'sadistic_online_exploitation',
  'informational',
  'anime_drawing_virtual_hentai',
  'potential_meme',
  'viral',
  'possible_self_production',
  'physical_harm',
  'violence_gore',
  'bestiality',
  'live_streaming',
  'infant_toddler',
  'generative_ai',
])
const CHANNELS = every<Channel>()(['web_form', 'phone_operator', 'platform_escalation', 'trusted_flagger', 'hotline_referral', 'law_enforcement'])
const SOURCE_TYPES = every<SourceType>()(['article_16', 'trusted_flagger', 'voluntary', 'hotline', 'law_enforcement'])
const PARTICIPANT_KINDS = every<ParticipantKind>()(['hotline', 'law_enforcement', 'platform', 'auditor', 'operator'])
const STATUSES = every<ClassificationStatus>()(['baseline', 'nationally_illegal', 'not_illegal', 'unassessed'])
const CONTENT_TYPES = every<ContentType>()(['image', 'video', 'live_stream', 'text', 'comment', 'chat', 'profile', 'app', 'other'])
const LOCATOR_TYPES = every<LocatorType>()(['onion', 'magnet', 'ipfs', 'app_id', 'username', 'other'])
const SOURCES = every<HostingSource>()(['sender', 'hosting_ip', 'url_ip_literal', 'unknown'])
const CONFIDENCES = every<HostingConfidence>()(['high', 'medium', 'none'])

function report(type: FactType, get: (route: RouteContext) => FactValue, values?: readonly string[]): FactDefinition {
  return { scope: 'report', type, get, ...(values ? { values } : {}) }
}

function item(type: FactType, get: (route: RouteContext, item: ItemContext) => FactValue, values?: readonly string[]): FactDefinition {
  return { scope: 'item', type, get, ...(values ? { values } : {}) }
}

export const FACTS = {
  'urgency.imminent_danger': report('boolean', (r) => r.report.urgency?.imminent_danger === true),
  'incident.type': report('string', (r) => r.report.incident.type, INCIDENT_TYPES),
  'incident.annotations': report('list', (r) => r.report.incident.annotations ?? [], ANNOTATIONS),
  channel: report('string', (r) => r.report.channel, CHANNELS),
  'source.source_type': report('string', (r) => r.report.source.source_type, SOURCE_TYPES),
  'reporter.anonymous': report('boolean', (r) => r.report.reporter.anonymous),
  'reporter.consent_to_contact': report('boolean', (r) => r.report.reporter.consent_to_contact === true),
  reporter_country: report('country', (r) => r.report.reporter_country),
  victim_country: report('country', (r) => r.report.victim_country),
  'sender.kind': report('string', (r) => r.sender.kind, PARTICIPANT_KINDS),
  'sender.id': report('string', (r) => r.sender.id),
  'item.hosting_country': item('country', (_, i) => i.hosting.country),
  'item.hosting_source': item('string', (_, i) => i.hosting.source, SOURCES),
  'item.hosting_confidence': item('string', (_, i) => i.hosting.confidence, CONFIDENCES),
  'item.hosting_known': item('boolean', (_, i) => i.hosting.country !== undefined),
  'item.hosted_in_home': item('boolean', (r, i) => i.hosting.country === r.home),
  'item.hosting_country_has_hotline': item('boolean', (_, i) => i.hotlines.length > 0),
  'item.hosting_country_has_law_enforcement': item('boolean', (_, i) => i.lawEnforcement.length > 0),
  'item.classification.status': item('string', (_, i) => i.item.classification?.status, STATUSES),
  'item.classification.jurisdiction': item('country', (_, i) => i.item.classification?.jurisdiction),
  'item.content_type': item('string', (_, i) => i.item.content_type, CONTENT_TYPES),
  'item.locator.type': item('string', (_, i) => i.item.locator?.type, LOCATOR_TYPES),
  'item.labels': item('list', (_, i) => i.item.labels ?? []),
  'item.platform': item('string', (_, i) => i.item.hosting?.platform),
  'item.platform_in_directory': item('boolean', (_, i) => i.platform !== undefined),
  'item.platform_takes_notices': item('boolean', (_, i) => i.platform?.accepts_notices === true),
} satisfies Record<string, FactDefinition>

export type FactName = keyof typeof FACTS

export const FACT_NAMES = Object.keys(FACTS) as FactName[]

export function isFactName(name: string): name is FactName {
  return Object.hasOwn(FACTS, name)
}
