// @peculiar/x509 resolves its ASN.1 serialisers through tsyringe, which needs the Reflect metadata API.
import 'reflect-metadata';
import { webcrypto, X509Certificate as NodeX509 } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import {
  BasicConstraintsExtension,
  ExtendedKeyUsage,
  ExtendedKeyUsageExtension,
  KeyUsageFlags,
  KeyUsagesExtension,
  PemConverter,
  SubjectAlternativeNameExtension,
  X509CertificateGenerator,
} from '@peculiar/x509';
import { type Clock, systemClock } from '../../domain/clock.js';
import { DbxopsError } from '../../domain/errors.js';

/** Where the simulator keeps its generated certificates unless told otherwise. */
const DEFAULT_TLS_DIR = '.dbxops/tls';
/** Names the server certificate is valid for: what `localhost` and loopback clients dial. */
const DEFAULT_TLS_HOSTS: readonly string[] = ['localhost', '127.0.0.1', '::1'];

const DAY_MS = 86_400_000;
const CA_DAYS = 3650;
const SERVER_DAYS = 825;
// Regenerate a little before expiry so a long `sim serve` never starts with a dying certificate.
const RENEW_BEFORE_MS = 7 * DAY_MS;

/** A local certificate authority and a server certificate it signed, as PEM text and file paths. */
export interface LocalTls {
  readonly dir: string;
  /** The CA certificate: trust this (`NODE_EXTRA_CA_CERTS`, `customCaCert`, an `https.Agent`'s `ca`). */
  readonly caCertPath: string;
  readonly caCert: string;
  /** Server certificate followed by the CA certificate (the chain a TLS server presents). */
  readonly certPath: string;
  readonly cert: string;
  /** The server's private key (PKCS#8, file mode 0600). */
  readonly keyPath: string;
  readonly key: string;
  readonly hosts: readonly string[];
}

export interface EnsureLocalTlsOptions {
  /** Directory for `ca.pem`, `server.pem`, `server-key.pem`, `ca-key.pem`. Default `.dbxops/tls`. */
  readonly dir?: string;
  /** DNS names and IP addresses for the server certificate. Default `localhost`, `127.0.0.1`, `::1`. */
  readonly hosts?: readonly string[];
  /** Validity is measured on this clock (real time, not the simulated one). */
  readonly clock?: Clock;
}

/** Generating or loading the simulator's certificates failed (unwritable directory, corrupt files). */
class TlsSetupError extends DbxopsError {
  constructor(message: string, details: Record<string, unknown> = {}, options?: ErrorOptions) {
    super('SIM_TLS_SETUP_FAILED', message, details, options);
  }
}

const isIp = (host: string): boolean => /^[\d.]+$/.test(host) || host.includes(':');

const algorithm = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

async function exportKeyPem(key: webcrypto.CryptoKey): Promise<string> {
  const der = await webcrypto.subtle.exportKey('pkcs8', key);
  return PemConverter.encode(der, 'PRIVATE KEY');
}

/** True when the stored server certificate is unexpired for a while, chains to the CA and covers `hosts`. */
function stillUsable(caCert: string, cert: string, hosts: readonly string[], nowMs: number): boolean {
  try {
    const ca = new NodeX509(caCert);
    const leaf = new NodeX509(cert);
    if (
      Date.parse(leaf.validTo) - RENEW_BEFORE_MS < nowMs ||
      Date.parse(ca.validTo) - RENEW_BEFORE_MS < nowMs
    )
      return false;
    if (!leaf.checkIssued(ca) || !leaf.verify(ca.publicKey)) return false;
    return hosts.every((host) =>
      isIp(host) ? leaf.checkIP(host) !== undefined : leaf.checkHost(host) !== undefined,
    );
  } catch {
    return false;
  }
}

async function generate(
  hosts: readonly string[],
  nowMs: number,
): Promise<{ caCert: string; caKey: string; cert: string; key: string }> {
  const crypto = webcrypto as unknown as Parameters<typeof X509CertificateGenerator.createSelfSigned>[1];
  const caKeys = (await webcrypto.subtle.generateKey(algorithm, true, [
    'sign',
    'verify',
  ])) as webcrypto.CryptoKeyPair;
  const notBefore = new Date(nowMs - DAY_MS);
  const ca = await X509CertificateGenerator.createSelfSigned(
    {
      name: 'CN=dbxops simulator local CA, O=dbxops',
      keys: caKeys,
      notBefore,
      notAfter: new Date(nowMs + CA_DAYS * DAY_MS),
      signingAlgorithm: algorithm,
      extensions: [
        new BasicConstraintsExtension(true, 0, true),
        new KeyUsagesExtension(KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign, true),
      ],
    },
    crypto,
  );
  const serverKeys = (await webcrypto.subtle.generateKey(algorithm, true, [
    'sign',
    'verify',
  ])) as webcrypto.CryptoKeyPair;
  const server = await X509CertificateGenerator.create(
    {
      subject: `CN=${hosts[0] ?? 'localhost'}, O=dbxops`,
      issuer: ca.subject,
      publicKey: serverKeys.publicKey,
      signingKey: caKeys.privateKey,
      notBefore,
      // Browsers and macOS refuse leaf certificates valid for more than 825 days.
      notAfter: new Date(nowMs + SERVER_DAYS * DAY_MS),
      signingAlgorithm: algorithm,
      extensions: [
        new BasicConstraintsExtension(false, undefined, true),
        new KeyUsagesExtension(KeyUsageFlags.digitalSignature | KeyUsageFlags.keyEncipherment, true),
        new ExtendedKeyUsageExtension([ExtendedKeyUsage.serverAuth]),
        new SubjectAlternativeNameExtension(hosts.map((h) => ({ type: isIp(h) ? 'ip' : 'dns', value: h }))),
      ],
    },
    crypto,
  );
  const caCert = ca.toString('pem');
  return {
    caCert,
    caKey: await exportKeyPem(caKeys.privateKey),
    cert: `${server.toString('pem')}\n${caCert}\n`,
    key: await exportKeyPem(serverKeys.privateKey),
  };
}

async function writeAtomic(path: string, text: string, mode: number): Promise<void> {
  const temp = `${path}.${process.pid}.tmp`;
  await writeFile(temp, text, { mode });
  await rename(temp, path);
}

/**
 * Loads the simulator's local CA and server certificate from `dir`, generating both (ECDSA P-256)
 * when missing, expiring within a week, or not covering `hosts`. Print `caCertPath` for users: it is
 * what `NODE_EXTRA_CA_CERTS` and `@databricks/sql`'s `customCaCert` need.
 */
export async function ensureLocalTls(options: EnsureLocalTlsOptions = {}): Promise<LocalTls> {
  const dir = options.dir ?? DEFAULT_TLS_DIR;
  const hosts = options.hosts ?? DEFAULT_TLS_HOSTS;
  const nowMs = (options.clock ?? systemClock).now();
  const paths = {
    caCertPath: join(dir, 'ca.pem'),
    caKeyPath: join(dir, 'ca-key.pem'),
    certPath: join(dir, 'server.pem'),
    keyPath: join(dir, 'server-key.pem'),
  };
  try {
    const [caCert, cert, key] = await Promise.all([
      readFile(paths.caCertPath, 'utf8'),
      readFile(paths.certPath, 'utf8'),
      readFile(paths.keyPath, 'utf8'),
    ]);
    if (stillUsable(caCert, cert, hosts, nowMs)) {
      return {
        dir,
        caCertPath: paths.caCertPath,
        caCert,
        certPath: paths.certPath,
        cert,
        keyPath: paths.keyPath,
        key,
        hosts,
      };
    }
  } catch {
    // Missing or unreadable: generate below.
  }
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const made = await generate(hosts, nowMs);
    await writeAtomic(paths.caKeyPath, made.caKey, 0o600);
    await writeAtomic(paths.keyPath, made.key, 0o600);
    await writeAtomic(paths.certPath, made.cert, 0o644);
    await writeAtomic(paths.caCertPath, made.caCert, 0o644);
    return {
      dir,
      caCertPath: paths.caCertPath,
      caCert: made.caCert,
      certPath: paths.certPath,
      cert: made.cert,
      keyPath: paths.keyPath,
      key: made.key,
      hosts,
    };
  } catch (error) {
    throw new TlsSetupError(
      `Cannot create the simulator's TLS certificates in ${dir}: ${error instanceof Error ? error.message : String(error)}. Choose a writable directory with --tls-dir.`,
      { dir },
      { cause: error },
    );
  }
}

/** An HTTPS server presenting the local certificate; `listener` is any Node request listener. */
export function createTlsServer(
  tls: Pick<LocalTls, 'cert' | 'key'>,
  listener: (req: IncomingMessage, res: ServerResponse) => void,
): HttpsServer {
  return createHttpsServer({ cert: tls.cert, key: tls.key, minVersion: 'TLSv1.2' }, listener);
}
