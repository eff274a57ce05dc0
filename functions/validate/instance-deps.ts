// validate's dependencies, built once per instance: config, the device-key
// lookup (Firestore, cached) and the replay guard. Shared by the deployed
// adapter and the benchmark's publish-less twin, so both run the same checks.
import { config } from '../lib/config.js';
import { firestore } from '../lib/firestore-client.js';
import { firestoreKeyLookup } from './key-store.js';
import { ReplayGuard } from './replay-guard.js';
import type { ValidateDeps } from './validate-message.js';
import { parsedDocumentLookup } from '../enrich/device-cache.js';
import { COLLECTIONS } from '../lib/names.js';
import type { GatewayDeps } from './gateway-path.js';
import { parsePayloadMapping } from './gateway-mapping.js';

let deps: ValidateDeps | undefined;

export function validateInstanceDeps(): ValidateDeps {
  if (!deps) {
    const cfg = config();
    deps = {
      config: cfg,
      now: () => new Date(),
      lookupDeviceKey: firestoreKeyLookup(firestore(), { ttlMs: cfg.deviceCacheTtlMs, maxEntries: cfg.deviceCacheMax }),
      replayGuard: new ReplayGuard(cfg.replayWindow, cfg.deviceCacheMax),
    };
  }
  return deps;
}

let gatewayDeps: GatewayDeps | undefined;

/** The trusted gateway path's dependencies: validate's own plus the registries' payload mappings (cached like device keys). */
export function gatewayInstanceDeps(): GatewayDeps {
  if (!gatewayDeps) {
    const cfg = config();
    const db = firestore();
    gatewayDeps = {
      ...validateInstanceDeps(),
      lookupMapping: parsedDocumentLookup(
        async (registryId) => {
          const snap = await db.collection(COLLECTIONS.registries).doc(registryId).get();
          return snap.exists ? (snap.data() ?? {}) : null;
        },
        parsePayloadMapping,
        { ttlMs: cfg.deviceCacheTtlMs, maxEntries: cfg.deviceCacheMax },
      ),
    };
  }
  return gatewayDeps;
}
