import type { FieldError } from '../http/field-errors.ts'
import { decodeXmlText, XmlTextError, type XmlContent } from './safe-xml.ts'

/**
 * Collects every problem found while mapping one document (so a sender fixes them in one round)
 * and remembers which XML path each canonical field came from, so schema errors on the mapped
 * report can be reported against the sender's own document.
 */
export class XmlReadContext {
  readonly errors: FieldError[] = []
  private readonly origins = new Map<string, string>()

  report(path: string, message: string): void {
    this.errors.push({ pointer: path, message })
  }

  /** Records that canonical `pointer` was read from XML `path`. */
  trace(pointer: string, path: string): void {
    this.origins.set(pointer, path)
  }

  /** The XML path of the closest traced ancestor of `pointer` (the document root if none). */
  originOf(pointer: string, fallback: string): string {
    for (let at = pointer; at !== ''; at = at.slice(0, at.lastIndexOf('/'))) {
      const origin = this.origins.get(at)
      if (origin !== undefined) return origin
    }
    return fallback
  }
}

export interface XmlText {
  value: string
  path: string
}

function contentOf(value: unknown): XmlContent {
  if (typeof value === 'string') return value === '' ? {} : { '#text': value }
  return value as XmlContent
}

function isChildElement(key: string): boolean {
  return !key.startsWith('@_') && key !== '#text' && key !== '#cdata'
}

/** One element being read: its children are checked against the vocabulary once, on opening. */
export class XmlScope {
  private constructor(
    readonly ctx: XmlReadContext,
    readonly path: string,
    private readonly content: XmlContent,
  ) {}

  /** Opens an element that holds child elements from `allowed`, or text when `allowed` is 'text'. */
  static open(ctx: XmlReadContext, path: string, value: unknown, allowed: ReadonlySet<string> | 'text'): XmlScope {
    const scope = new XmlScope(ctx, path, contentOf(value))
    scope.checkChildren(allowed)
    return scope
  }

  private checkChildren(allowed: ReadonlySet<string> | 'text'): void {
    for (const key of Object.keys(this.content)) {
      if (key === '#text' || key === '#cdata') {
        if (allowed !== 'text') this.ctx.report(this.path, 'text is not allowed here, only child elements')
      } else if (isChildElement(key) && (allowed === 'text' || !allowed.has(key))) {
        this.ctx.report(`${this.path}/${key}`, 'is not an element of this format here')
      }
    }
  }

  private raw(name: string): unknown[] {
    const children = Object.hasOwn(this.content, name) ? this.content[name] : undefined
    return Array.isArray(children) ? children : []
  }

  has(name: string): boolean {
    return this.raw(name).length > 0
  }

  /** Every `<name>` child, each opened with its own vocabulary ('text' for text with attributes). */
  children(name: string, allowed: ReadonlySet<string> | 'text'): XmlScope[] {
    return this.raw(name).map((value, i) => XmlScope.open(this.ctx, `${this.path}/${name}[${i + 1}]`, value, allowed))
  }

  /** The single `<name>` child, if any; a repeated one is an error. */
  child(name: string, allowed: ReadonlySet<string>): XmlScope | undefined {
    const values = this.single(name)
    return values === undefined ? undefined : XmlScope.open(this.ctx, `${this.path}/${name}`, values, allowed)
  }

  /** The text of every non-empty `<name>` child. */
  texts(name: string): XmlText[] {
    const out: XmlText[] = []
    this.raw(name).forEach((value, i) => {
      const text = this.textOf(value, `${this.path}/${name}[${i + 1}]`)
      if (text !== undefined) out.push(text)
    })
    return out
  }

  /** The text of the single `<name>` child; absent or empty gives undefined. */
  text(name: string): XmlText | undefined {
    const value = this.single(name)
    return value === undefined ? undefined : this.textOf(value, `${this.path}/${name}`)
  }

  /** The text of this element itself (opened with 'text'). */
  ownText(): XmlText | undefined {
    return this.textOf(this.content, this.path)
  }

  attribute(name: string): XmlText | undefined {
    const raw = this.content[`@_${name}`]
    if (typeof raw !== 'string') return undefined
    return this.decoded(raw, `${this.path}/@${name}`)
  }

  private single(name: string): unknown {
    const values = this.raw(name)
    if (values.length > 1) this.ctx.report(`${this.path}/${name}[2]`, `<${name}> may appear only once here`)
    return values[0]
  }

  private textOf(value: unknown, path: string): XmlText | undefined {
    const content = contentOf(value)
    if (Object.keys(content).some(isChildElement)) {
      this.ctx.report(path, 'must contain text, not elements')
      return undefined
    }
    const cdata = content['#cdata'] as string[] | undefined
    const text = content['#text'] as string | undefined
    if (cdata !== undefined && text !== undefined) {
      this.ctx.report(path, 'mixing text and CDATA in one element is not supported')
      return undefined
    }
    // CDATA is literal: its "&" is not a reference
    if (cdata !== undefined) return cdata.join('') === '' ? undefined : { value: cdata.join(''), path }
    return text === undefined || text === '' ? undefined : this.decoded(text, path)
  }

  private decoded(raw: string, path: string): XmlText | undefined {
    try {
      return { value: decodeXmlText(raw), path }
    } catch (error) {
      if (!(error instanceof XmlTextError)) throw error
      this.ctx.report(path, error.message)
      return undefined
    }
  }
}
