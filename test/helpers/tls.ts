import { execFileSync } from 'node:child_process'
import { mkdtemp, readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/**
 * A throwaway self-signed certificate for 127.0.0.1 (test only: the gateway is given it as an extra
 * CA, through an option in process or NODE_EXTRA_CA_CERTS for a gateway process). `file` holds the cert.
 */
export async function certificate(): Promise<{ key: string; cert: string; file: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'hg-tls-'))
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '1',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ],
    { stdio: 'ignore' },
  )
  const file = join(dir, 'cert.pem')
  return { key: await readFile(join(dir, 'key.pem'), 'utf8'), cert: await readFile(file, 'utf8'), file }
}
