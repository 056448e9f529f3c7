import { randomBytes } from 'node:crypto'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Logger } from 'pino'
import { createSealer, type Sealer } from './sealer.ts'
import { ConfigError, type Config } from '../config/config.ts'

/**
 * The key that seals private keys and reporter contact data at rest. Production must configure it
 * (ENCRYPTION_KEY); development generates one beside the embedded database, once, and reuses it.
 */
async function resolveEncryptionKey(config: Config, logger: Logger): Promise<Buffer> {
  if (config.encryptionKey) return Buffer.from(config.encryptionKey, 'base64')
  if (config.nodeEnv === 'production') {
    throw new ConfigError(['ENCRYPTION_KEY must be set when NODE_ENV=production: 32 random bytes, base64 (openssl rand -base64 32)'])
  }
  const file = join(config.dataDir, 'encryption.key')
  await mkdir(config.dataDir, { recursive: true })
  try {
    // 'wx': of two processes starting at once, one creates the file and the other reads it
    await writeFile(file, randomBytes(32).toString('base64'), { flag: 'wx', mode: 0o600 })
    logger.warn({ file }, 'development: generated ENCRYPTION_KEY; set ENCRYPTION_KEY in production')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
  }
  const key = Buffer.from((await readFile(file, 'utf8')).trim(), 'base64')
  if (key.length !== 32) throw new ConfigError([`${file} must hold 32 bytes, base64`])
  return key
}

/** The sealer for this configuration's ENCRYPTION_KEY: a process makes one and hands it to what needs it. */
export async function configuredSealer(config: Config, logger: Logger): Promise<Sealer> {
  return createSealer(await resolveEncryptionKey(config, logger))
}
