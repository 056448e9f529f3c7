import t from 'tap'
import { ConfigError, loadConfig } from '../../src/config/config.ts'

t.test('defaults make a runnable development configuration', async (t) => {
  const config = loadConfig({})
  t.match(config, { databaseUrl: undefined, host: '127.0.0.1', port: 3000, logLevel: 'info', nodeEnv: 'development', bodyLimit: 1048576 })
  t.ok(config.dataDir.endsWith('/data'), 'DATA_DIR is resolved to an absolute path')
})

t.test('values are read and coerced', async (t) => {
  const config = loadConfig({
    PORT: '8080',
    LOG_LEVEL: 'debug',
    NODE_ENV: 'production',
    DATABASE_URL: 'postgres://u@h/db',
    PUBLIC_URL: 'https://gw.example.org/',
  })
  t.match(config, { port: 8080, logLevel: 'debug', nodeEnv: 'production', databaseUrl: 'postgres://u@h/db', publicUrl: 'https://gw.example.org' })
})

t.test('an empty variable counts as unset', async (t) => {
  t.equal(loadConfig({ PORT: '', DATABASE_URL: '' }).port, 3000)
  t.equal(loadConfig({ DATABASE_URL: '' }).databaseUrl, undefined)
})

t.test('every bad variable is named, with what is wrong', async (t) => {
  const error = t.throws(() => loadConfig({ PORT: 'eighty', LOG_LEVEL: 'loud', NODE_ENV: 'staging' })) as ConfigError
  t.ok(error instanceof ConfigError)
  t.equal(error.code, 'CONFIG_INVALID')
  t.equal(error.problems.length, 3)
  t.match(error.message, /PORT must be .*integer.*\(got "eighty"\)/)
  t.match(error.message, /LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent \(got "loud"\)/)
  t.match(error.message, /NODE_ENV must be one of development, production, test/)
})

t.test('out-of-range numbers are refused', async (t) => {
  t.throws(() => loadConfig({ PORT: '70000' }), /PORT must be/)
  t.throws(() => loadConfig({ BODY_LIMIT: '10' }), /BODY_LIMIT must be/)
})

t.test('a bad DATABASE_URL is named but its value, which may hold a password, is not echoed', async (t) => {
  const error = t.throws(() => loadConfig({ DATABASE_URL: 'mysql://root:s3cret@db/x' })) as Error
  t.match(error.message, /DATABASE_URL must be a postgres:\/\/ URL/)
  t.notMatch(error.message, /s3cret/)
})

t.test('every wait on the database is bounded, a few seconds by default, and configurable', async (t) => {
  t.match(loadConfig({}), { dbConnectTimeoutMs: 5000, dbStatementTimeoutMs: 5000, dbQueryTimeoutMs: 6000 })
  t.match(loadConfig({ DB_CONNECT_TIMEOUT_MS: '1000', DB_STATEMENT_TIMEOUT_MS: '2000', DB_QUERY_TIMEOUT_MS: '2500' }), {
    dbConnectTimeoutMs: 1000,
    dbStatementTimeoutMs: 2000,
    dbQueryTimeoutMs: 2500,
  })
  const error = t.throws(() => loadConfig({ DB_QUERY_TIMEOUT_MS: '0', DB_CONNECT_TIMEOUT_MS: 'soon' })) as ConfigError
  t.match(error.problems.join('\n'), /DB_QUERY_TIMEOUT_MS must be an integer from 100 to 600000/)
  t.match(error.problems.join('\n'), /DB_CONNECT_TIMEOUT_MS must be/)
})
