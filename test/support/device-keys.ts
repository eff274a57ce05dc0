// Device key material for gateway tests, made fresh per run: EC P-256 and
// RSA key pairs (node:crypto), X.509 certificates (the openssl CLI, as IoT
// Core's docs had users make them), and device JWTs signed with jose.
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SignJWT } from 'jose';
import type { KeyFormat, StoredCredential } from '../../gateway/credentials.js';

export interface TestKey {
  alg: 'ES256' | 'RS256';
  privateKey: KeyObject;
  privatePem: string;
  publicPem: string;
}

export function ecKey(): TestKey {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return { alg: 'ES256', privateKey, privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
}

export function rsaKey(): TestKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { alg: 'RS256', privateKey, privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
}

/** A self-signed certificate for `key`, valid for `days` (openssl req -x509, as in IoT Core's docs). */
export function selfSignedCert(key: TestKey, days = 30): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'gw-cert-'));
  const keyFile = path.join(dir, 'key.pem');
  const certFile = path.join(dir, 'cert.pem');
  writeFileSync(keyFile, key.privatePem, { mode: 0o600 });
  execFileSync('openssl', ['req', '-x509', '-key', keyFile, '-out', certFile, '-days', String(days), '-subj', '/CN=unused'], { stdio: 'ignore' });
  return readFileSync(certFile, 'utf8');
}

export function credential(key: TestKey, opts: { x509?: string; expirationTime?: string | null } = {}): StoredCredential {
  const format: KeyFormat = opts.x509 ? (key.alg === 'ES256' ? 'ES256_X509_PEM' : 'RSA_X509_PEM') : key.alg === 'ES256' ? 'ES256_PEM' : 'RSA_PEM';
  return { publicKey: { format, key: opts.x509 ?? key.publicPem }, expirationTime: opts.expirationTime ?? null };
}

export interface TokenClaims {
  aud?: string | string[];
  /** Epoch seconds; default now. */
  iat?: number;
  /** Epoch seconds; default iat + 1 h. */
  exp?: number;
  omit?: ('iat' | 'exp' | 'aud')[];
}

/** A device JWT as IoT Core's samples made one: {iat, exp, aud: project}. */
export async function deviceToken(key: TestKey, projectId: string, c: TokenClaims = {}): Promise<string> {
  const iat = c.iat ?? Math.floor(Date.now() / 1000);
  const claims: Record<string, unknown> = { iat, exp: c.exp ?? iat + 3600, aud: c.aud ?? projectId };
  for (const k of c.omit ?? []) delete claims[k];
  return new SignJWT(claims).setProtectedHeader({ alg: key.alg, typ: 'JWT' }).sign(key.privateKey);
}
