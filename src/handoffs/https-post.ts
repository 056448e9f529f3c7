import { request } from 'node:https'

export interface PostOptions {
  timeoutMs: number
  /** Extra trusted CA certificates (PEM); NODE_EXTRA_CA_CERTS works too. */
  ca?: string | Buffer
  signal?: AbortSignal
}

/** POSTs `body` over HTTPS: the answer's status and its body (up to 64 KiB; a larger answer is an error). */
export function httpsPost(
  url: string,
  body: string,
  headers: Record<string, string>,
  options: PostOptions,
): Promise<{ status: number; body: string }> {
  const { timeoutMs } = options
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        headers: { ...headers, 'content-length': Buffer.byteLength(body) },
        timeout: timeoutMs,
        ...(options.signal ? { signal: options.signal } : {}),
        ...(options.ca ? { ca: options.ca } : {}),
      },
      (res) => {
        let data = ''
        res.setEncoding('utf8')
        res.on('data', (chunk: string) => {
          data += chunk
          if (data.length > 65_536) req.destroy(new Error('the answer is larger than 64 KiB'))
        })
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: data }))
        res.on('error', reject)
      },
    )
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)))
    req.on('error', reject)
    req.end(body)
  })
}
