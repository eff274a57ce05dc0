// EnrichedEvent -> BigQuery rows (pure). Columns follow schemas/bigquery-tables.ts
// exactly (a unit test checks every key and type against it). Values are in
// the JSON shape insertAll accepts: TIMESTAMP as canonical RFC 3339 text, JSON
// columns as JSON text, INT64 as a number (seq stays within 2^53).
import type { EnrichedEvent } from '../lib/events.js';
import type { RowToInsert } from '../sinks/row-sink.js';

export interface EventRows {
  readings: RowToInsert[];
  events: RowToInsert[];
}

export function readingsRows(e: EnrichedEvent): RowToInsert[] {
  return Object.entries(e.readings).map(([metric, value]) => ({
    insertId: `${e.eventId}:${metric}`,
    json: {
      event_id: e.eventId,
      tenant_id: e.tenantId,
      device_id: e.deviceId,
      metric,
      value,
      unit: e.units[metric] ?? null,
      event_time: e.eventTime,
      ingest_time: e.receivedAt,
      site: e.site,
      model: e.model,
      seq: e.seq,
    },
  }));
}

export function eventRow(e: EnrichedEvent): RowToInsert {
  const hasState = Object.keys(e.state).length > 0;
  return {
    insertId: e.eventId,
    json: {
      event_id: e.eventId,
      tenant_id: e.tenantId,
      device_id: e.deviceId,
      seq: e.seq,
      event_time: e.eventTime,
      ingest_time: e.receivedAt,
      site: e.site,
      model: e.model,
      metric_count: Object.keys(e.readings).length,
      state: hasState ? JSON.stringify(e.state) : null,
      schema_version: e.schemaVersion,
    },
  };
}

export function eventRows(e: EnrichedEvent): EventRows {
  return { readings: readingsRows(e), events: [eventRow(e)] };
}
