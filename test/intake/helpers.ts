import { readFileSync } from 'node:fs'
import { Ajv2020 } from 'ajv/dist/2020.js'
import addFormatsModule from 'ajv-formats'
import type { FormatError } from '../../src/formats/format-error.ts'
import type { CanonicalReport } from '../../src/intake/report.ts'

const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default
const FIXTURES = new URL('../fixtures/intake/', import.meta.url)

export function fixtureText(name: string): string {
  return readFileSync(new URL(name, FIXTURES), 'utf8')
}

/** A fresh, mutable copy of a JSON fixture. */
export function fixtureJson<T = CanonicalReport>(name: string): T {
  return JSON.parse(fixtureText(name)) as T
}

export const REPORT_FIXTURES = ['report-web-form.json', 'report-imminent-danger.json', 'report-anonymous.json', 'report-phone-operator.json'] as const

/** The server's body validator configuration, as the contract describes it. */
export function serverLikeAjv(): Ajv2020 {
  const ajv = new Ajv2020({ allErrors: true, strict: true, coerceTypes: false, useDefaults: false })
  addFormats(ajv)
  ajv.addKeyword('example')
  ajv.addVocabulary(['x-sensitive', 'x-projection'])
  return ajv
}

/** The FormatError `fn` throws; any other outcome fails the calling test. */
export function formatErrorOf(fn: () => unknown): FormatError {
  try {
    fn()
  } catch (error) {
    if ((error as Error).name === 'FormatError') return error as FormatError
    throw error
  }
  throw new Error('expected a FormatError')
}
