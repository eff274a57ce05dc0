// validate's adapter: device-events push -> validateMessage -> one message per
// event on events-valid (ordering key = deviceId when PUBLISH_ORDERING_KEYS). Permanent failures go to
// events-deadletter via handlePubSubEvent; publish failures are thrown, so
// Pub/Sub redelivers the device message (eventIds are stable, so the events
// a retry publishes again are duplicates the sinks absorb).
import * as functions from '@google-cloud/functions-framework';
import { config } from '../lib/config.js';
import { firestore } from '../lib/firestore-client.js';
import { handlePubSubEvent } from '../lib/handle-message.js';
import { publishJson, publisher } from '../lib/pubsub-clients.js';
import { validateMessage, type ValidateDeps } from './validate-message.js';
import { firestoreKeyLookup } from './key-store.js';
import { ReplayGuard } from './replay-guard.js';

let deps: ValidateDeps | undefined;

function instanceDeps(): ValidateDeps {
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

functions.cloudEvent('validate', (event: functions.CloudEvent<unknown>) =>
  handlePubSubEvent('validate', event, async (msg, ctx) => {
    const d = instanceDeps();
    const { events } = await validateMessage(msg, d);
    const ordering = config().publishOrderingKeys;
    const topic = publisher(config().topicValid, { ordering });
    // Published concurrently (with ordering on, the client keeps one key's messages in order).
    await Promise.all(
      events.map((ev) => {
        ctx.deviceId = ev.deviceId;
        return publishJson(topic, ev, {
          attributes: { eventId: ev.eventId, deviceId: ev.deviceId, schemaVersion: ev.schemaVersion },
          ...(ordering ? { orderingKey: ev.deviceId } : {}),
        });
      }),
    );
  }),
);
