// enrich's adapter: an events-valid message (a batch of events, possibly from
// many devices) -> registry lookup per event (cached) -> the enriched events
// on events-enriched, batched with those of concurrent requests on this
// instance. An event that fails for good (unknown or disabled device, a
// malformed registry entry or event) is dead-lettered on its own, with its
// own bytes and ids; the rest go on. Firestore or publish failures are thrown
// and the whole delivery retried (eventIds make the repeats harmless).
import * as functions from '@google-cloud/functions-framework';
import { config } from '../lib/config.js';
import { isPermanent } from '../lib/errors.js';
import { configuredBatcher, eventFailure, parseEventMessage, type EventBatcher } from '../lib/event-message.js';
import type { EnrichedEvent } from '../lib/events.js';
import { COLLECTIONS } from '../lib/names.js';
import { firestore } from '../lib/firestore-client.js';
import { handlePubSubEvent, type EventFailure } from '../lib/handle-message.js';
import { parsedDocumentLookup } from './device-cache.js';
import { parseDeviceRecord } from './device-record.js';
import { enrichEvent, type EnrichDeps } from './enrich-event.js';
import { validEventFrom } from './valid-event-message.js';

let deps: { enrich: EnrichDeps; out: EventBatcher<EnrichedEvent> } | undefined;

function instanceDeps(): { enrich: EnrichDeps; out: EventBatcher<EnrichedEvent> } {
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
    const out = configuredBatcher<EnrichedEvent>(cfg.topicEnriched);
    deps = { enrich: { getDevice }, out };
  }
  return deps;
}

functions.cloudEvent('enrich', (event: functions.CloudEvent<unknown>) =>
  handlePubSubEvent('enrich', event, async (msg, ctx) => {
    const message = parseEventMessage(msg.data, validEventFrom, 'valid event');
    const d = instanceDeps();
    const failures: EventFailure[] = [];
    const enriched: EnrichedEvent[] = [];
    // Registry misses are looked up side by side; order is kept.
    const results = await Promise.all(
      message.slots.map(async (slot): Promise<EnrichedEvent | undefined> => {
        if (!slot.ok) {
          failures.push(eventFailure(message, slot.error, slot.raw));
          return undefined;
        }
        ctx.deviceId = slot.event.deviceId;
        if (!message.batch) ctx.eventId = slot.event.eventId;
        try {
          return await enrichEvent(slot.event, d.enrich);
        } catch (err) {
          if (!isPermanent(err)) throw err;
          failures.push(eventFailure(message, err, slot.raw));
          return undefined;
        }
      }),
    );
    for (const e of results) if (e) enriched.push(e);
    await Promise.all([ctx.deadLetterEvents(failures), d.out.publish(enriched)]);
  }),
);
