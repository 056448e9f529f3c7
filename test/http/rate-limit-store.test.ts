import t from 'tap'
import { buildTestApp } from '../helpers/app.ts'
import { insideOneWindow } from '../helpers/rate-window.ts'

t.test('concurrent requests at a window start are admitted up to the limit, not fewer', async (t) => {
  const limit = 200 // leases of 2: concurrent claims each lease a chunk the process must then spend
  const { app } = await buildTestApp(t, { env: { RATE_LIMIT_PUBLIC: String(limit) } })
  await insideOneWindow()
  const burst = await Promise.all(
    Array.from({ length: 300 }, () => app.inject({ method: 'GET', url: '/openapi.yaml', remoteAddress: '198.51.100.20' })),
  )
  const admitted = burst.filter((res) => res.statusCode !== 429).length
  t.equal(admitted, limit, 'exactly min(300, limit) of the burst are admitted')
  const after = await app.inject({ method: 'GET', url: '/openapi.yaml', remoteAddress: '198.51.100.20' })
  t.equal(after.statusCode, 429, 'and nothing more in that window')
})
