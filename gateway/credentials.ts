// Device public keys as IoT Core took them: up to three per device, each an
// RS256 or ES256 key in PEM (SPKI) or a self-signed or CA-signed X.509
// certificate, each with an optional expiration time. Parsed with jose (and
// node's X509Certificate for a certificate's validity period), once per
// registry read, not per token.
import { X509Certificate } from 'node:crypto';
import { importSPKI, importX509, type CryptoKey } from 'jose';
import { GatewayError } from './errors.js';
import { LIMITS } from './names.js';

export const KEY_FORMATS = ['RSA_PEM', 'ES256_PEM', 'RSA_X509_PEM', 'ES256_X509_PEM'] as const;
export type KeyFormat = (typeof KEY_FORMATS)[number];

/** As stored in Firestore (and as IoT Core's DeviceCredential took it). */
export interface StoredCredential {
  publicKey: { format: KeyFormat; key: string };
  /** RFC 3339, or null for none. */
  expirationTime: string | null;
}

export interface DeviceKey {
  alg: 'RS256' | 'ES256';
  key: CryptoKey;
  /** Epoch ms after which the key is refused (the earlier of expirationTime and the certificate's notAfter). */
  notAfterMs: number | null;
  /** A certificate's notBefore (epoch ms), else null. */
  notBeforeMs: number | null;
}

export const algOf = (f: KeyFormat): 'RS256' | 'ES256' => (f.startsWith('RSA') ? 'RS256' : 'ES256');

function invalid(msg: string): GatewayError {
  return new GatewayError('INVALID_ARGUMENT', msg);
}

/** Checks a credential list from an admin request; the same checks guard what is read back. */
export function checkCredentials(raw: unknown): StoredCredential[] {
  if (!Array.isArray(raw)) throw invalid('credentials must be a list');
  if (raw.length > LIMITS.maxCredentials) throw invalid(`a device has at most ${LIMITS.maxCredentials} credentials, got ${raw.length}`);
  return raw.map((c: unknown, i) => {
    const o = (c ?? {}) as Record<string, unknown>;
    const pk = (o.publicKey ?? o.public_key ?? {}) as Record<string, unknown>;
    const format = pk.format;
    if (typeof format !== 'string' || !(KEY_FORMATS as readonly string[]).includes(format)) {
      throw invalid(`credentials[${i}].publicKey.format must be one of ${KEY_FORMATS.join(', ')}`);
    }
    if (typeof pk.key !== 'string' || !pk.key.includes('-----BEGIN')) throw invalid(`credentials[${i}].publicKey.key must be PEM text`);
    const exp = o.expirationTime ?? o.expiration_time ?? null;
    if (exp !== null && (typeof exp !== 'string' || Number.isNaN(Date.parse(exp)))) throw invalid(`credentials[${i}].expirationTime must be an RFC 3339 time`);
    return { publicKey: { format: format as KeyFormat, key: pk.key }, expirationTime: exp as string | null };
  });
}

/** Imports one credential; a key that does not parse, or does not match its format, is an INVALID_ARGUMENT. */
export async function importCredential(c: StoredCredential, i = 0): Promise<DeviceKey> {
  const alg = algOf(c.publicKey.format);
  const x509 = c.publicKey.format.endsWith('X509_PEM');
  let notAfterMs = c.expirationTime ? Date.parse(c.expirationTime) : null;
  let notBeforeMs: number | null = null;
  try {
    const key = x509 ? await importX509(c.publicKey.key, alg) : await importSPKI(c.publicKey.key, alg);
    if (x509) {
      const cert = new X509Certificate(c.publicKey.key);
      const certEnd = Date.parse(cert.validTo);
      notBeforeMs = Date.parse(cert.validFrom);
      notAfterMs = notAfterMs === null ? certEnd : Math.min(notAfterMs, certEnd);
    }
    return { alg, key, notAfterMs, notBeforeMs };
  } catch (err) {
    throw new GatewayError('INVALID_ARGUMENT', `credentials[${i}]: not a valid ${c.publicKey.format} key for ${alg}`, { cause: err });
  }
}

export function importCredentials(list: StoredCredential[]): Promise<DeviceKey[]> {
  return Promise.all(list.map((c, i) => importCredential(c, i)));
}
