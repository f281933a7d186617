// Certificates made at test time, so no test depends on a checked-in key or on today's date.
// ECDSA P-256 keys: generating one takes well under a millisecond (RSA 2048 takes ~100 ms), and
// every TLS version from 1.0 to 1.3 has ECDSA cipher suites, so the same helpers serve the
// legacy-TLS tests. Other test areas reuse these helpers: keep the exports stable.
// @peculiar/x509 resolves its ASN.1 helpers through tsyringe, which needs the Reflect metadata API.
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY_MS = 86_400_000;

/** A certificate and its private key, both PEM. */
export interface CertificatePair {
  cert: string;
  key: string;
}

/** A certificate authority that can sign leaves. */
export interface CertificateAuthority extends CertificatePair {
  /** Distinguished name, e.g. `CN=Vigil Test CA`. */
  name: string;
  /** For signing; not serialisable. */
  signingKey: CryptoKey;
  certificate: x509.X509Certificate;
}

export interface Validity {
  /** Default: one day ago. */
  notBefore?: Date;
  /** Default: 90 days from now. */
  notAfter?: Date;
}

export interface LeafOptions extends Validity {
  /** Subject alternative names: host names and IP literals (IPv6 without brackets). Default: localhost, 127.0.0.1, ::1. */
  sans?: string[];
  /** Subject common name; default the first SAN. */
  commonName?: string;
}

const DEFAULT_SANS = ['localhost', '127.0.0.1', '::1'];

async function generateKeys(): Promise<CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify'])) as CryptoKeyPair;
}

async function privateKeyPem(key: CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key));
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN PRIVATE KEY-----\n${lines.join('\n')}\n-----END PRIVATE KEY-----\n`;
}

function serial(): string {
  // Positive, non-zero, 16 bytes: unique enough that OpenSSL never sees two certs with one serial.
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  bytes[0] = (bytes[0]! & 0x7f) | 0x01;
  return Buffer.from(bytes).toString('hex');
}

function sanExtension(sans: string[]): x509.SubjectAlternativeNameExtension {
  const isIp = (name: string) => /^[0-9.]+$/.test(name) || name.includes(':');
  return new x509.SubjectAlternativeNameExtension(
    sans.map((name) => ({ type: isIp(name) ? 'ip' : 'dns', value: name }) as x509.JsonGeneralName),
  );
}

function validity(options: Validity): { notBefore: Date; notAfter: Date } {
  const now = Date.now();
  return {
    notBefore: options.notBefore ?? new Date(now - DAY_MS),
    notAfter: options.notAfter ?? new Date(now + 90 * DAY_MS),
  };
}

/** A CA certificate (self-signed, basicConstraints CA:true) that can sign leaves. */
export async function createCa(
  options: Validity & { commonName?: string } = {},
): Promise<CertificateAuthority> {
  const keys = await generateKeys();
  const name = `CN=${options.commonName ?? 'Vigil Test CA'}`;
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name,
    ...validity(options),
    signingAlgorithm: ALGORITHM,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 1, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return {
    name,
    cert: certificate.toString('pem'),
    key: await privateKeyPem(keys.privateKey),
    signingKey: keys.privateKey,
    certificate,
  };
}

/** A server certificate for `sans`, signed by `ca`. Set notBefore/notAfter for expired or not-yet-valid leaves. */
export async function createLeaf(
  ca: CertificateAuthority,
  options: LeafOptions = {},
): Promise<CertificatePair> {
  const sans = options.sans ?? DEFAULT_SANS;
  const keys = await generateKeys();
  const certificate = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: `CN=${options.commonName ?? sans[0] ?? 'localhost'}`,
    issuer: ca.name,
    ...validity(options),
    signingAlgorithm: ALGORITHM,
    publicKey: keys.publicKey,
    signingKey: ca.signingKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      sanExtension(sans),
      await x509.AuthorityKeyIdentifierExtension.create(ca.certificate),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { cert: certificate.toString('pem'), key: await privateKeyPem(keys.privateKey) };
}

/** A self-signed server certificate (no CA): what `tls_self_signed` is about. */
export async function createSelfSigned(options: LeafOptions = {}): Promise<CertificatePair> {
  const sans = options.sans ?? DEFAULT_SANS;
  const keys = await generateKeys();
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `CN=${options.commonName ?? sans[0] ?? 'localhost'}`,
    ...validity(options),
    signingAlgorithm: ALGORITHM,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      sanExtension(sans),
    ],
  });
  return { cert: certificate.toString('pem'), key: await privateKeyPem(keys.privateKey) };
}

/** A leaf signed by `ca` that expired `daysAgo` days ago (valid for the 30 days before). */
export function createExpiredLeaf(ca: CertificateAuthority, daysAgo = 3, options: LeafOptions = {}) {
  const notAfter = new Date(Date.now() - daysAgo * DAY_MS);
  return createLeaf(ca, { ...options, notBefore: new Date(notAfter.getTime() - 30 * DAY_MS), notAfter });
}

/** A leaf signed by `ca` that becomes valid in `daysAhead` days. */
export function createNotYetValidLeaf(ca: CertificateAuthority, daysAhead = 2, options: LeafOptions = {}) {
  const notBefore = new Date(Date.now() + daysAhead * DAY_MS);
  return createLeaf(ca, { ...options, notBefore, notAfter: new Date(notBefore.getTime() + 90 * DAY_MS) });
}

/** A temp directory for PEM files (CA bundles for `--ca-file`/extraCaFile); `cleanup()` removes it. */
export function pemDirectory(): { write(name: string, pem: string): string; cleanup(): void; path: string } {
  const path = mkdtempSync(join(tmpdir(), 'vigil-certs-'));
  return {
    path,
    write(name, pem) {
      const file = join(path, name);
      writeFileSync(file, pem);
      return file;
    },
    cleanup() {
      rmSync(path, { recursive: true, force: true });
    },
  };
}
