import { execFile } from 'node:child_process'
import { access, chmod, mkdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { rootCertificates } from 'node:tls'
import { promisify } from 'node:util'

/** A certificate and its private key, as PEM files. */
export interface TlsFiles {
  cert: string
  key: string
}

/**
 * A throwaway self-signed certificate for 127.0.0.1 and localhost (one day, or `days`), made with
 * openssl as `cert.pem` and `key.pem` (0600) in `dir`. Undefined when openssl is not installed: the
 * callers then do without (a partner pulls instead of taking pushes).
 */
export async function selfSignedCertificate(dir: string, days = 1): Promise<TlsFiles | undefined> {
  const files = { cert: join(dir, 'cert.pem'), key: join(dir, 'key.pem') }
  const args = ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', String(days)]
  const subject = ['-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost']
  await mkdir(dir, { recursive: true, mode: 0o700 })
  try {
    await promisify(execFile)('openssl', [...args, '-keyout', files.key, '-out', files.cert, ...subject])
    await chmod(files.key, 0o600) // whatever the umask and the openssl version
    return files
  } catch {
    return undefined
  }
}

/**
 * Development mode: the certificate `partner serve --participant` listens with, made once under
 * DATA_DIR/partner-tls (a year), so that a partner on this machine takes pushes from the development
 * gateway, which trusts it (devTrust). Undefined without openssl.
 */
export async function devPartnerTls(dataDir: string): Promise<TlsFiles | undefined> {
  const dir = join(dataDir, 'partner-tls')
  const files = { cert: join(dir, 'cert.pem'), key: join(dir, 'key.pem') }
  const made = await access(files.cert).then(
    () => true,
    () => false,
  )
  return made ? files : selfSignedCertificate(dir, 365)
}

/**
 * The CA certificates a development gateway trusts for its outbound requests: the usual ones (Node's
 * bundled roots and NODE_EXTRA_CA_CERTS, which an explicit list would otherwise replace) and the
 * development partners' certificate.
 */
export async function devTrust(tls: TlsFiles): Promise<string> {
  const extra = process.env.NODE_EXTRA_CA_CERTS ? await readFile(process.env.NODE_EXTRA_CA_CERTS, 'utf8').catch(() => '') : ''
  return [...rootCertificates, extra, await readFile(tls.cert, 'utf8')].filter(Boolean).join('\n')
}
