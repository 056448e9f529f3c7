import { mkdtemp, readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { selfSignedCertificate } from '../../src/dev/dev-tls.ts'

/**
 * A throwaway self-signed certificate for 127.0.0.1 (test only: the gateway is given it as an extra
 * CA, through an option in process or NODE_EXTRA_CA_CERTS for a gateway process). `file` holds the cert.
 */
export async function certificate(): Promise<{ key: string; cert: string; file: string }> {
  const made = await selfSignedCertificate(await mkdtemp(join(tmpdir(), 'hg-tls-')))
  if (!made) throw new Error('these tests need openssl to make a TLS certificate')
  return { key: await readFile(made.key, 'utf8'), cert: await readFile(made.cert, 'utf8'), file: made.cert }
}
