import type { RuleProblem } from './errors.ts'

/**
 * Reason templates: plain text with {placeholders} from a closed list. Rendering is string
 * concatenation of precompiled parts: no expression in a template is ever evaluated.
 */
const PLACEHOLDERS = {
  destination: 'report',
  destination_id: 'report',
  country: 'report',
  country_basis: 'report',
  incident_type: 'report',
  home_country: 'report',
  hosting_country: 'item',
  hosting_source: 'item',
  platform: 'item',
} as const

type Placeholder = keyof typeof PLACEHOLDERS
export type ReasonValues = Partial<Record<Placeholder, string>>
export type Template = (values: ReasonValues) => string

const TOKEN = /\{([a-z_]+)\}/g

export function compileTemplate(text: string, at: string, scope: 'report' | 'item', problems: RuleProblem[]): Template {
  const literals: string[] = []
  const names: Placeholder[] = []
  let last = 0
  for (const match of text.matchAll(TOKEN)) {
    const name = match[1] as string
    const placeholderScope = (PLACEHOLDERS as Record<string, 'report' | 'item'>)[name]
    if (placeholderScope === undefined) {
      problems.push({ pointer: at, message: `unknown placeholder {${name}} (${Object.keys(PLACEHOLDERS).join(', ')})` })
    } else if (placeholderScope === 'item' && scope === 'report') {
      problems.push({ pointer: at, message: `{${name}} is known only in a rule with scope "item"` })
    }
    literals.push(text.slice(last, match.index))
    names.push(name as Placeholder)
    last = match.index + match[0].length
  }
  const tail = text.slice(last)
  if (names.length === 0) return () => tail
  return (values) => {
    let out = ''
    for (let k = 0; k < names.length; k++) out += literals[k] + (values[names[k] as Placeholder] ?? 'unknown')
    return out + tail
  }
}
