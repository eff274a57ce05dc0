// Shared by the BigQuery sink integration suites (insertAll and the Storage
// Write API): a RowSink that counts requests, enriched events as enrich
// emits them, and the CloudEvent a Pub/Sub push becomes.
import type { CloudEvent } from '@google-cloud/functions-framework';
import type { EnrichedEvent } from '../../functions/lib/events.js';
import type { InsertResult, RowSink, RowToInsert } from '../../functions/sinks/row-sink.js';

/** Counts the insert requests that reach the RowSink (one per flushed batch and table). */
export class CountingSink implements RowSink {
  requests = 0;
  constructor(private readonly inner: RowSink) {}
  insert(table: string, rows: RowToInsert[]): Promise<InsertResult> {
    this.requests++;
    return this.inner.insert(table, rows);
  }
}

export const iso = (ms: number) => new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');

export function enriched(deviceId: string, seq: number, metrics: string[]): EnrichedEvent {
  const t = Date.now() - 60_000 + seq;
  return {
    eventId: `${deviceId}:${seq}`,
    deviceId,
    seq,
    eventTime: iso(t),
    readings: Object.fromEntries(metrics.map((m, i) => [m, seq + i / 10])),
    state: { door: seq % 2 ? 'open' : 'closed' },
    schemaVersion: '1',
    receivedAt: iso(t + 50),
    tenantId: 'acme',
    site: 'plant-1',
    model: null,
    units: { temperature: 'celsius' },
  };
}

export function pubsubEvent(body: unknown, messageId: string): CloudEvent<unknown> {
  return {
    specversion: '1.0',
    id: messageId,
    source: '//pubsub.googleapis.com/projects/p/topics/events-enriched',
    type: 'google.cloud.pubsub.topic.v1.messagePublished',
    data: { message: { data: Buffer.from(JSON.stringify(body)).toString('base64'), attributes: {}, messageId, publishTime: new Date().toISOString() } },
  };
}
