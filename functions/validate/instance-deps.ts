// validate's dependencies, built once per instance: config, the device-key
// lookup (Firestore, cached) and the replay guard. Shared by the deployed
// adapter and the benchmark's publish-less twin, so both run the same checks.
import { config } from '../lib/config.js';
import { firestore } from '../lib/firestore-client.js';
import { firestoreKeyLookup } from './key-store.js';
import { ReplayGuard } from './replay-guard.js';
import type { ValidateDeps } from './validate-message.js';

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
