// enrich's adapter: events-valid push -> registry lookup (cached) -> one
// EnrichedEvent on events-enriched (ordering key = deviceId when PUBLISH_ORDERING_KEYS). Unknown,
// disabled and malformed registry entries are dead-lettered by
// handlePubSubEvent with the events-valid bytes; Firestore or publish
// failures are thrown and retried.
import * as functions from '@google-cloud/functions-framework';
import { config } from '../lib/config.js';
import { COLLECTIONS } from '../lib/names.js';
import { firestore } from '../lib/firestore-client.js';
import { handlePubSubEvent } from '../lib/handle-message.js';
import { publishJson, publisher } from '../lib/pubsub-clients.js';
import { parsedDocumentLookup } from './device-cache.js';
import { parseDeviceRecord } from './device-record.js';
import { enrichEvent, type EnrichDeps } from './enrich-event.js';
import { parseValidEvent } from './valid-event-message.js';

let deps: EnrichDeps | undefined;

function instanceDeps(): EnrichDeps {
  if (!deps) {
    const cfg = config();
    const db = firestore();
    // Parsed once per read; hits answer synchronously.
    const getDevice = parsedDocumentLookup(
      async (deviceId) => {
        const snap = await db.collection(COLLECTIONS.devices).doc(deviceId).get();
        return snap.exists ? (snap.data() ?? {}) : null;
      },
      parseDeviceRecord,
      { ttlMs: cfg.deviceCacheTtlMs, maxEntries: cfg.deviceCacheMax },
    );
    deps = { getDevice };
  }
  return deps;
}

functions.cloudEvent('enrich', (event: functions.CloudEvent<unknown>) =>
  handlePubSubEvent('enrich', event, async (msg, ctx) => {
    const valid = parseValidEvent(msg.data);
    ctx.deviceId = valid.deviceId;
    ctx.eventId = valid.eventId;
    const enriched = await enrichEvent(valid, instanceDeps());
    const ordering = config().publishOrderingKeys;
    await publishJson(publisher(config().topicEnriched, { ordering }), enriched, {
      attributes: { eventId: enriched.eventId, deviceId: enriched.deviceId, tenantId: enriched.tenantId },
      ...(ordering ? { orderingKey: enriched.deviceId } : {}),
    });
  }),
);
