// A device's public key or certificate from a PEM file, with its IoT Core
// format worked out from the PEM itself when --format is not given.
import { X509Certificate, createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { KEY_FORMATS, type KeyFormat, type StoredCredential } from '../../gateway/credentials.js';
import { UsageError } from '../lib/cli.js';

export function detectFormat(pem: string): KeyFormat {
  const cert = pem.includes('BEGIN CERTIFICATE');
  const key = cert ? new X509Certificate(pem).publicKey : createPublicKey(pem);
  const type = key.asymmetricKeyType;
  if (type === 'rsa') return cert ? 'RSA_X509_PEM' : 'RSA_PEM';
  if (type === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return cert ? 'ES256_X509_PEM' : 'ES256_PEM';
  throw new UsageError(`the key is ${type ?? 'unknown'}${type === 'ec' ? ` on ${key.asymmetricKeyDetails?.namedCurve}` : ''}; IoT Core devices use RSA (RS256) or EC P-256 (ES256)`);
}

export function credentialFromFile(file: string, format: string | undefined, expires: Date | undefined): StoredCredential {
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`--key ${file}: ${(err as Error).message}`);
  }
  if (format !== undefined && !(KEY_FORMATS as readonly string[]).includes(format)) throw new UsageError(`--format: expected one of ${KEY_FORMATS.join(', ')}`);
  let fmt: KeyFormat;
  try {
    fmt = (format as KeyFormat | undefined) ?? detectFormat(pem);
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(`--key ${file}: not a PEM public key or certificate`);
  }
  return { publicKey: { format: fmt, key: pem }, expirationTime: expires ? expires.toISOString() : null };
}
