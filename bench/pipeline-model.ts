// What the pipeline does with a given traffic, computed in process with the
// real cores (validateMessage, enrichEvent, row building): the events, the
// message bodies each topic carries and the rows each table gets, with their
// billable sizes. The cost section multiplies these by the deliveries the
// e2e run counted; the e2e run checks its row counts against them.
import { loadConfig } from '../functions/lib/config.js';
import type { EnrichedEvent, ValidEvent } from '../functions/lib/events.js';
import { LOCAL_PROJECT_ID } from '../functions/lib/names.js';
import type { PubSubMessage } from '../functions/lib/pubsub-message.js';
import { enrichEvent } from '../functions/enrich/enrich-event.js';
import { parseDeviceRecord } from '../functions/enrich/device-record.js';
import { validateMessage } from '../functions/validate/validate-message.js';
import { eventRows } from '../functions/sink-bigquery/rows.js';
import { EVENTS, READINGS } from '../schemas/bigquery-tables.js';
import { SEED_DEVICES, deviceDocument } from '../tools/emulate/seed.js';
import { bigQueryRowBytes, pubsubMessageBytes } from './cost.js';
import type { DeviceMessage } from './messages.js';
import type { BillingRules } from './prices.js';

export interface TrafficModel {
  messages: number;
  events: number;
  readingsRows: number;
  eventsRows: number;
  /** Pub/Sub message sizes (data + attributes + ordering key + overhead) per topic, one entry per message. */
  deviceEventBytes: number[];
  validBytes: number[];
  enrichedBytes: number[];
  /** JSON of each event as it sits inside a batched events-valid / events-enriched message. */
  validEventJsonBytes: number[];
  enrichedEventJsonBytes: number[];
  /** BigQuery logical row sizes. */
  readingsRowBytes: number[];
  eventsRowBytes: number[];
}

/** The same attributes and ordering key the adapters publish with (functions/validate/function.ts, functions/enrich/function.ts). */
function validAttributes(ev: ValidEvent): Record<string, string> {
  return { eventId: ev.eventId, deviceId: ev.deviceId, schemaVersion: ev.schemaVersion };
}
function enrichedAttributes(ev: EnrichedEvent): Record<string, string> {
  return { eventId: ev.eventId, deviceId: ev.deviceId, tenantId: ev.tenantId };
}

export async function modelTraffic(traffic: readonly DeviceMessage[], publishTime: Date, rules: BillingRules): Promise<TrafficModel> {
  const cfg = loadConfig({ GOOGLE_CLOUD_PROJECT: LOCAL_PROJECT_ID });
  const registry = new Map(SEED_DEVICES.map((d) => [d.deviceId, deviceDocument(d)]));
  const m: TrafficModel = { messages: traffic.length, events: 0, readingsRows: 0, eventsRows: 0, deviceEventBytes: [], validBytes: [], enrichedBytes: [], validEventJsonBytes: [], enrichedEventJsonBytes: [], readingsRowBytes: [], eventsRowBytes: [] };
  // Ordering keys count toward a message's size like attributes do.
  const withKey = (bytes: number, key: string): number => bytes + Buffer.byteLength(key);
  for (const [i, d] of traffic.entries()) {
    m.deviceEventBytes.push(pubsubMessageBytes(d.data.length, d.attributes, rules));
    const msg: PubSubMessage = { data: d.data, attributes: d.attributes, messageId: String(i + 1), publishTime: publishTime.toISOString() };
    const { events } = await validateMessage(msg, { config: cfg, now: () => publishTime });
    for (const ev of events) {
      m.events++;
      m.validEventJsonBytes.push(Buffer.byteLength(JSON.stringify(ev)));
      m.validBytes.push(withKey(pubsubMessageBytes(Buffer.byteLength(JSON.stringify(ev)), validAttributes(ev), rules), ev.deviceId));
      const doc = registry.get(ev.deviceId);
      const enriched = await enrichEvent(ev, { getDevice: async () => (doc ? parseDeviceRecord(doc as unknown as Record<string, unknown>) : null) });
      m.enrichedEventJsonBytes.push(Buffer.byteLength(JSON.stringify(enriched)));
      m.enrichedBytes.push(withKey(pubsubMessageBytes(Buffer.byteLength(JSON.stringify(enriched)), enrichedAttributes(enriched), rules), ev.deviceId));
      const rows = eventRows(enriched);
      m.readingsRows += rows.readings.length;
      m.eventsRows += rows.events.length;
      for (const r of rows.readings) m.readingsRowBytes.push(bigQueryRowBytes(r.json, READINGS));
      for (const r of rows.events) m.eventsRowBytes.push(bigQueryRowBytes(r.json, EVENTS));
    }
  }
  return m;
}
