/** The line prefix by which bench/run.ts picks a bench's figures out of its output. */
export const FIGURES_MARK = 'BENCH_FIGURES '

/** One figure of a bench beside its baseline measured in the same run. */
export interface Figure {
  figure: string
  value: number
  baseline: string
  baselineValue: number
  unit: string
  /** For times: a ratio below 1 is the good side. */
  lowerIsBetter?: boolean
}

/** Prints a bench's figures as one marked JSON line (the bench's own output stays as it is). */
export function recordFigures(figures: Figure[]): void {
  console.log(FIGURES_MARK + JSON.stringify(figures))
}
