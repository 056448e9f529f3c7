import { parseArgs } from 'node:util'
import { pino } from 'pino'
import { loadConfig } from '../config/config.ts'
import { openDatabase } from '../db/database.ts'
import { migrate, readMigrations } from '../db/migrate.ts'
import { loggerOptions } from '../logging/logger.ts'
import { describeDiff, isEmptyDiff } from '../directory/diff.ts'
import { readDirectoryFile } from '../directory/directory-file.ts'
import { createDirectoryService } from '../directory/directory-service.ts'

const DIRECTORY_HELP = `Usage:
  hotline-gateway directory import FILE [--dry-run]   publish FILE (YAML or JSON) as a new directory version;
                                                      --dry-run shows the changes and writes nothing`

/** `hotline-gateway directory import FILE [--dry-run]` */
export async function directoryCommand(args: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: { 'dry-run': { type: 'boolean', default: false } },
  })
  const [sub, file, ...extra] = positionals
  if (sub !== 'import' || !file || extra.length > 0) {
    console.error(DIRECTORY_HELP)
    return 2
  }
  const document = await readDirectoryFile(file)
  const config = loadConfig()
  const database = await openDatabase(config, pino({ ...loggerOptions(config), level: 'warn' }))
  try {
    await migrate(database.pool, await readMigrations())
    const directory = createDirectoryService({ pool: database.pool })
    const plan = await directory.plan(document)
    const lines = describeDiff(plan.summary)
    console.log(lines.length === 0 ? 'no changes against the directory in force' : lines.join('\n'))
    if (values['dry-run'] || (plan.base > 0 && isEmptyDiff(plan.summary))) {
      console.log(values['dry-run'] ? `dry run: directory stays at version ${plan.base}` : `directory stays at version ${plan.base}`)
      return 0
    }
    const published = await directory.publish(document, { actor: 'cli', expectedVersion: plan.base })
    console.log(`published directory version ${published.version} (sha256 ${published.digest})`)
    return 0
  } finally {
    await database.close()
  }
}
