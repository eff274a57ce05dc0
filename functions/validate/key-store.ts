// The adapter's device-key lookup: deviceKeys/{deviceId} in Firestore behind
// the in-instance TTL cache, so a burst from one device costs one read.
// Most devices have no keys document: "no keys" is cached as long as a found
// entry (not enrich's shorter negative TTL), so the cost is one read per
// active device per TTL per instance, like enrich's registry reads. The price:
// keys added to a device are enforced up to one TTL later.
import type { Firestore } from '@google-cloud/firestore';
import type { MaybePromise } from '../lib/checked-document.js';
import { parsedDocumentLookup } from '../enrich/device-cache.js';
import { DEVICE_KEYS_COLLECTION, parseDeviceKeyDoc } from './device-keys.js';
import type { DeviceKeyEntry } from './signature.js';

export function firestoreKeyLookup(db: Firestore, opts: { ttlMs: number; maxEntries: number }): (deviceId: string) => MaybePromise<DeviceKeyEntry | null> {
  // The document is parsed (secrets decoded) once per read; a malformed one
  // is reported on every message (dead letter), never cached as "no keys".
  return parsedDocumentLookup(
    async (deviceId) => {
      const snap = await db.collection(DEVICE_KEYS_COLLECTION).doc(deviceId).get();
      return snap.exists ? (snap.data() ?? {}) : null;
    },
    parseDeviceKeyDoc,
    { ...opts, negativeTtlMs: opts.ttlMs },
  );
}
