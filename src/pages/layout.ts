import { markup, type Html, type Renderable } from './html.ts'
import { LANGUAGE_NAMES, LANGUAGES, type Language } from './messages.ts'

export interface PageShell {
  language: Language
  title: string
  /** Shown at the top of every page: who runs it. */
  brand: string
  /** `?lang=` links to this path switch the language; omitted on pages that are not translated. */
  languagePath?: string
  languageLabel?: string
  /** A navigation (the console's) beside the brand. */
  nav?: Html
  skipLabel?: string
  /** Tables (the console, the auditor's view) need the width. */
  wide?: boolean
  body: Renderable
}

/** Every page's frame: one stylesheet, no script, a skip link, a main landmark. */
export function page(shell: PageShell): Html {
  return markup`<!doctype html>
    <html lang="${shell.language}">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="no-referrer" />
        <title>${shell.title}</title>
        <link rel="stylesheet" href="/assets/pages.css" />
      </head>
      <body>
        <a class="skip" href="#main">${shell.skipLabel ?? 'Skip to content'}</a>
        <header class="site">
          <p class="brand">${shell.brand}</p>
          ${shell.nav} ${shell.languagePath && languageSwitch(shell.language, shell.languagePath, shell.languageLabel ?? 'Language')}
        </header>
        <main id="main"${shell.wide ? markup` class="wide"` : ''}>${shell.body}</main>
      </body>
    </html> `
}

function languageSwitch(current: Language, path: string, label: string): Html {
  return markup`<nav class="langs" aria-label="${label}">
    <ul>
      ${LANGUAGES.map((language) =>
        language === current
          ? markup`<li><span aria-current="true" lang="${language}">${LANGUAGE_NAMES[language]}</span></li>`
          : markup`<li><a href="${path}?lang=${language}" hreflang="${language}" lang="${language}">${LANGUAGE_NAMES[language]}</a></li>`,
      )}
    </ul>
  </nav>`
}
