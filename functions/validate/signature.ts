// Device authenticity: HMAC-SHA256 over the exact message bytes with one of
// the device's current keys. Several keys may be valid at once (rotation
// overlap); each may carry a notAfter after which it is refused.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { PermanentError } from '../lib/errors.js';

export interface DeviceKey {
  id: string;
  secret: Buffer;
  /** Epoch ms after which the key is no longer accepted; null = no end. */
  notAfterMs: number | null;
}

/** The device's entry in deviceKeys/{deviceId} (outside the client-readable devices collection). */
export interface DeviceKeyEntry {
  keys: DeviceKey[];
  requireSignature: boolean;
}

const HMAC_BYTES = 32;

/** Decodes a hex (64 chars) or base64/base64url (43-44 chars) signature, or null. */
export function decodeSignature(text: string): Buffer | null {
  const t = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(t)) return Buffer.from(t, 'hex');
  if (/^[A-Za-z0-9+/_-]{43}={0,1}$/.test(t)) {
    const buf = Buffer.from(t.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    return buf.length === HMAC_BYTES ? buf : null;
  }
  return null;
}

export function hmacSha256(secret: Buffer, data: Buffer): Buffer {
  return createHmac('sha256', secret).update(data).digest();
}

/**
 * Throws missing-signature / bad-signature unless `signature` is a valid
 * HMAC of `data` under a key current at `now`. Every current key is tried
 * with a constant-time comparison.
 */
export function verifySignature(data: Buffer, signature: string | undefined, entry: DeviceKeyEntry, now: Date): void {
  if (signature === undefined || signature === '') throw new PermanentError('missing-signature', 'device requires a signature attribute');
  const given = decodeSignature(signature);
  if (!given) throw new PermanentError('bad-signature', 'signature is not 32 bytes of hex or base64');
  const current = entry.keys.filter((k) => k.notAfterMs === null || now.getTime() <= k.notAfterMs);
  if (current.length === 0) throw new PermanentError('bad-signature', 'device has no current key');
  let ok = false;
  // No early exit: the time taken does not tell which key (if any) matched.
  for (const k of current) {
    if (timingSafeEqual(hmacSha256(k.secret, data), given)) ok = true;
  }
  if (!ok) throw new PermanentError('bad-signature', `no current key matches (${current.length} tried)`);
}
