// Device signing keys, kept in deviceKeys/{deviceId}, a collection that
// firestore.rules keeps away from clients (devices/{id} is client-readable):
//   { keys: [{ id, secret: base64, notAfter?: Timestamp | RFC 3339 | epoch ms }], requireSignature: true }
import { PermanentError } from '../lib/errors.js';
import { parseRfc3339 } from '../lib/canonical-time.js';
import type { DeviceKey, DeviceKeyEntry } from './signature.js';

export const DEVICE_KEYS_COLLECTION = 'deviceKeys';

function malformed(detail: string): PermanentError {
  // Permanent: the message is kept in the dead-letter table and can be
  // replayed once the registry entry is fixed.
  return new PermanentError('malformed-device-record', `${DEVICE_KEYS_COLLECTION}: ${detail}`);
}

function notAfterMs(v: unknown, i: number): number | null {
  if (v === undefined || v === null) return null;
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string') {
    const t = parseRfc3339(v);
    if (t) return t.epochMs;
  }
  if (typeof v === 'object' && typeof (v as { toMillis?: unknown }).toMillis === 'function') {
    return (v as { toMillis(): number }).toMillis();
  }
  throw malformed(`keys[${i}].notAfter is not a time`);
}

/** Turns a deviceKeys document into a key entry, or throws malformed-device-record. */
export function parseDeviceKeyDoc(doc: Record<string, unknown>): DeviceKeyEntry {
  const rawKeys = doc.keys ?? [];
  if (!Array.isArray(rawKeys)) throw malformed('keys is not an array');
  const keys: DeviceKey[] = rawKeys.map((k: unknown, i) => {
    if (!k || typeof k !== 'object') throw malformed(`keys[${i}] is not an object`);
    const { id, secret, notAfter } = k as Record<string, unknown>;
    if (typeof id !== 'string' || !id) throw malformed(`keys[${i}].id missing`);
    if (typeof secret !== 'string' || !/^[A-Za-z0-9+/]+={0,2}$/.test(secret)) throw malformed(`keys[${i}].secret is not base64`);
    const bytes = Buffer.from(secret, 'base64');
    if (bytes.length < 16) throw malformed(`keys[${i}].secret is shorter than 16 bytes`);
    return { id, secret: bytes, notAfterMs: notAfterMs(notAfter, i) };
  });
  const requireSignature = doc.requireSignature ?? keys.length > 0;
  if (typeof requireSignature !== 'boolean') throw malformed('requireSignature is not a boolean');
  if (requireSignature && keys.length === 0) throw malformed('requireSignature without keys');
  return { keys, requireSignature };
}
