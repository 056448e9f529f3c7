/**
 * Server-rendered HTML without a template engine: `markup` is a tagged template that escapes every
 * interpolated value unless it is already Html (made by `markup` itself). Arrays are joined, and
 * null, undefined and false render as nothing, so conditionals and lists read naturally.
 */
export class Html {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text
  }
}

export type Renderable = Html | string | number | null | undefined | false | Renderable[]

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!)
}

function render(value: Renderable): string {
  if (value === null || value === undefined || value === false) return ''
  if (value instanceof Html) return value.text
  if (Array.isArray(value)) return value.map(render).join('')
  return escapeHtml(String(value))
}

export function markup(strings: TemplateStringsArray, ...values: Renderable[]): Html {
  let out = strings[0]!
  values.forEach((value, i) => (out += render(value) + strings[i + 1]!))
  return new Html(out)
}

/** An attribute that is present or absent (`checked`, `required`, `aria-invalid`...). */
export function flag(name: string, on: boolean): Html {
  return new Html(on ? ` ${name}` : '')
}
