// The adapter's device-key lookup: deviceKeys/{deviceId} in Firestore behind
// the in-instance TTL cache, so a burst from one device costs one read.
// Most devices have no keys document: "no keys" is cached as long as a found
// entry (not enrich's shorter negative TTL), so the cost is one read per
// active device per TTL per instance, like enrich's registry reads. The price:
// keys added to a device are enforced up to one TTL later.
import type { Firestore } from '@google-cloud/firestore';
import { LoadingCache } from '../enrich/device-cache.js';
import { DEVICE_KEYS_COLLECTION, parseDeviceKeyDoc } from './device-keys.js';
import type { DeviceKeyEntry } from './signature.js';

export function firestoreKeyLookup(db: Firestore, opts: { ttlMs: number; maxEntries: number }): (deviceId: string) => Promise<DeviceKeyEntry | null> {
  const cache = new LoadingCache<Record<string, unknown>>(async (deviceId) => {
    const snap = await db.collection(DEVICE_KEYS_COLLECTION).doc(deviceId).get();
    return snap.exists ? (snap.data() ?? {}) : null;
  }, { ...opts, negativeTtlMs: opts.ttlMs });
  // The raw document is cached and parsed per lookup: a malformed one is
  // reported on every message (dead letter), not cached as "no keys".
  return async (deviceId) => {
    const doc = await cache.get(deviceId);
    return doc === null ? null : parseDeviceKeyDoc(doc);
  };
}
