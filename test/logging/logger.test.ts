import t from 'tap'
import { loggerOptions } from '../../src/logging/logger.ts'
import { capturingLogger } from '../helpers/app.ts'

t.test('report contents, contact data and credentials are redacted wherever they are logged', async (t) => {
  const { logger, raw } = capturingLogger()
  logger.info(
    {
      report: { items: [{ url: 'https://example.org/x' }] },
      reporter: { contact: { email: 'person@example.net', phone: '+3200000000' } },
      req: { headers: { authorization: 'Bearer abc.def.ghi', cookie: 'sid=1' } },
      details: { description: 'free text', explanation: 'why', urls: ['https://example.net/y'], token: 'tok' },
      keep: 'visible',
    },
    'x',
  )
  const line = raw.join('')
  for (const secret of ['example.org/x', 'person@example.net', '+3200000000', 'abc.def.ghi', 'sid=1', 'free text', 'example.net/y', '"tok"']) {
    t.notOk(line.includes(secret), `${secret} is not in the log`)
  }
  t.match(line, /"keep":"visible"/)
})

t.test('pretty output only on a TTY outside production', async (t) => {
  t.ok(loggerOptions({ logLevel: 'info', nodeEnv: 'development' }, { isTTY: true } as never).transport)
  t.notOk(loggerOptions({ logLevel: 'info', nodeEnv: 'production' }, { isTTY: true } as never).transport)
  t.notOk(loggerOptions({ logLevel: 'info', nodeEnv: 'development' }, { isTTY: false } as never).transport)
})
