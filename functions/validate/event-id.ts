// Event ids: stable across Pub/Sub redelivery and client publish retries
// (which get new message ids), so they serve as the BigQuery insertId and the
// Firestore idempotency key.
import { createHash } from 'node:crypto';
import type { StateValue } from '../lib/events.js';

export interface CanonicalEventFields {
  deviceId: string;
  /** Canonical UTC time (YYYY-MM-DDTHH:MM:SS.ffffffZ): `+02:00` and `Z` spellings of one instant hash alike. */
  eventTime: string;
  readings: Record<string, number>;
  state: Record<string, StateValue>;
}

function sortedObject<V>(o: Record<string, V>): Record<string, V> {
  const out: Record<string, V> = {};
  for (const k of Object.keys(o).sort()) out[k] = o[k] as V;
  return out;
}

/** JSON with keys in a fixed order, so key order on the wire never changes the id. */
export function canonicalEventJson(e: CanonicalEventFields): string {
  return JSON.stringify({ deviceId: e.deviceId, eventTime: e.eventTime, readings: sortedObject(e.readings), state: sortedObject(e.state) });
}

/**
 * deviceId@boot:seq when the device numbers its events and names its boot,
 * deviceId:seq when it numbers them only, else deviceId:h:<first 32 hex of
 * sha256(canonical event)>. '@' appears in neither a device id nor a boot id,
 * so the forms cannot collide.
 */
export function eventIdFor(seq: number | null, e: CanonicalEventFields, boot: string | null = null): string {
  if (seq !== null) return boot !== null ? `${e.deviceId}@${boot}:${seq}` : `${e.deviceId}:${seq}`;
  const digest = createHash('sha256').update(canonicalEventJson(e)).digest('hex').slice(0, 32);
  return `${e.deviceId}:h:${digest}`;
}
