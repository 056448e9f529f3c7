import { flag, markup, type Html, type Renderable } from './html.ts'

/** A form control with its label, hint and error tied to it (aria-describedby, aria-invalid). */
export interface Control {
  name: string
  label: string
  hint?: string | undefined
  error?: string | undefined
  required?: boolean
  /** Shown after the label: "(required)" / "(optional)". */
  marker?: string | undefined
}

const idOf = (name: string) => `f-${name}`

/** The attributes every control carries: id, name, required, and what describes it. */
function common(control: Control): Html {
  const ids = [control.hint && `${idOf(control.name)}-hint`, control.error && `${idOf(control.name)}-error`].filter(Boolean)
  const describedBy = ids.length > 0 && markup` aria-describedby="${ids.join(' ')}"`
  return markup`id="${idOf(control.name)}" name="${control.name}"${flag('required', Boolean(control.required))}${describedBy}${flag(
    'aria-invalid="true"',
    Boolean(control.error),
  )}`
}

function label(control: Control): Html {
  const marker = control.marker && markup` <span class="marker">(${control.marker})</span>`
  return markup`<label for="${idOf(control.name)}">${control.label}${marker}</label>`
}

function notes(control: Control): Html {
  const hint = control.hint && markup`<p class="hint" id="${idOf(control.name)}-hint">${control.hint}</p>`
  const error = control.error && markup`<p class="error" id="${idOf(control.name)}-error">${control.error}</p>`
  return markup`${hint}${error}`
}

function field(control: Control, inner: Renderable): Html {
  return markup`<div class="field${control.error ? ' has-error' : ''}">${inner}</div>\n`
}

type Valued = Control & { value?: string | undefined }

export function textInput(control: Valued & { type?: string; maxlength: number; autocomplete?: string }): Html {
  const autocomplete = control.autocomplete && markup` autocomplete="${control.autocomplete}"`
  const input = markup`<input ${common(control)} type="${control.type ?? 'text'}" value="${control.value ?? ''}" maxlength="${control.maxlength}"${autocomplete}>`
  return field(control, [label(control), notes(control), input])
}

export function textArea(control: Valued & { maxlength: number; rows?: number }): Html {
  const area = markup`<textarea ${common(control)} rows="${control.rows ?? 4}" maxlength="${control.maxlength}">${control.value ?? ''}</textarea>`
  return field(control, [label(control), notes(control), area])
}

export function select(control: Valued & { options: Array<{ value: string; label: string }> }): Html {
  const options = control.options.map(
    (option) => markup`<option value="${option.value}"${flag('selected', option.value === (control.value ?? ''))}>${option.label}</option>`,
  )
  return field(control, [label(control), notes(control), markup`<select ${common(control)}>${options}</select>`])
}

export function checkbox(control: Control & { checked: boolean }): Html {
  const box = markup`<input ${common(control)} type="checkbox" value="yes"${flag('checked', control.checked)}>`
  return field(control, [markup`<div class="check">${box}${label(control)}</div>`, notes(control)])
}

/** The list of what to correct, at the top, each linking to its field. */
export function errorSummary(title: string, errors: Array<{ field: string; text: string }>): Html | false {
  if (errors.length === 0) return false
  const items = errors.map((error) => markup`<li><a href="#${idOf(error.field)}">${error.text}</a></li>`)
  return markup`<div class="error-summary" role="alert" aria-labelledby="error-summary-title"><h2 id="error-summary-title">${title}</h2><ul>${items}</ul></div>`
}
