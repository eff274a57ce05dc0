// BigQuery tables: the one source of truth. The sinks build rows against it,
// the local stack creates tables from it, infra/ gets its schema JSON from it
// (`npm run gen:infra`), and a test checks they agree.
import { TABLES } from '../functions/lib/names.js';

export type BqType = 'STRING' | 'INT64' | 'FLOAT64' | 'BOOL' | 'TIMESTAMP' | 'DATE' | 'JSON' | 'BYTES' | 'NUMERIC' | 'RECORD';
export type BqMode = 'REQUIRED' | 'NULLABLE' | 'REPEATED';

export interface BqField {
  name: string;
  type: BqType;
  mode: BqMode;
  description: string;
  fields?: BqField[];
}

export interface BqTable {
  tableId: string;
  description: string;
  fields: BqField[];
  timePartitioning: { type: 'DAY'; field: string };
  clustering: string[];
}

const f = (name: string, type: BqType, mode: BqMode, description: string): BqField => ({ name, type, mode, description });

export const READINGS: BqTable = {
  tableId: TABLES.readings,
  description: 'One row per (event, metric). Row insertId = event_id:metric.',
  fields: [
    f('event_id', 'STRING', 'REQUIRED', 'deviceId:seq, or a hash of the canonical event'),
    f('tenant_id', 'STRING', 'REQUIRED', 'tenant owning the device (from the registry)'),
    f('device_id', 'STRING', 'REQUIRED', 'device id'),
    f('metric', 'STRING', 'REQUIRED', 'metric name, e.g. temperature'),
    f('value', 'FLOAT64', 'REQUIRED', 'reading value'),
    f('unit', 'STRING', 'NULLABLE', 'unit from the registry, e.g. celsius'),
    f('event_time', 'TIMESTAMP', 'REQUIRED', 'when the device measured it'),
    f('ingest_time', 'TIMESTAMP', 'REQUIRED', 'when Pub/Sub received the device message'),
    f('site', 'STRING', 'NULLABLE', 'site from the registry'),
    f('model', 'STRING', 'NULLABLE', 'device model from the registry'),
    f('seq', 'INT64', 'NULLABLE', 'per-device sequence number'),
  ],
  timePartitioning: { type: 'DAY', field: 'event_time' },
  clustering: ['tenant_id', 'device_id', 'metric'],
};

export const EVENTS: BqTable = {
  tableId: TABLES.events,
  description: 'One row per event, with its non-numeric state. Row insertId = event_id.',
  fields: [
    f('event_id', 'STRING', 'REQUIRED', 'deviceId:seq, or a hash of the canonical event'),
    f('tenant_id', 'STRING', 'REQUIRED', 'tenant owning the device'),
    f('device_id', 'STRING', 'REQUIRED', 'device id'),
    f('seq', 'INT64', 'NULLABLE', 'per-device sequence number'),
    f('event_time', 'TIMESTAMP', 'REQUIRED', 'when the device measured it'),
    f('ingest_time', 'TIMESTAMP', 'REQUIRED', 'when Pub/Sub received the device message'),
    f('site', 'STRING', 'NULLABLE', 'site from the registry'),
    f('model', 'STRING', 'NULLABLE', 'device model from the registry'),
    f('metric_count', 'INT64', 'REQUIRED', 'number of readings in the event'),
    f('state', 'JSON', 'NULLABLE', 'non-numeric state, e.g. {"door":"open"}'),
    f('schema_version', 'STRING', 'REQUIRED', 'device message schema version'),
  ],
  timePartitioning: { type: 'DAY', field: 'event_time' },
  clustering: ['tenant_id', 'device_id'],
};

export const DEADLETTER: BqTable = {
  tableId: TABLES.deadLetter,
  description: 'Messages a stage could never process, with the reason and the raw bytes for replay.',
  fields: [
    f('received_at', 'TIMESTAMP', 'REQUIRED', 'when the failing stage received the message'),
    f('stage', 'STRING', 'REQUIRED', 'validate, enrich, sinkBigquery, sinkFirestore, or a subscription for max-delivery-attempts'),
    f('reason', 'STRING', 'REQUIRED', 'named reason, e.g. schema-violation'),
    f('detail', 'STRING', 'NULLABLE', 'safe detail: schema path, limit'),
    f('device_id', 'STRING', 'NULLABLE', 'device id when it could be read'),
    f('event_id', 'STRING', 'NULLABLE', 'event id when known'),
    f('message_id', 'STRING', 'NULLABLE', 'Pub/Sub message id of the failing message'),
    f('attributes', 'JSON', 'NULLABLE', 'attributes of the failing message'),
    f('payload', 'BYTES', 'NULLABLE', 'raw bytes of the failing message (truncated when payload_truncated)'),
    f('payload_size', 'INT64', 'REQUIRED', 'size of the original payload in bytes'),
    f('payload_sha256', 'STRING', 'REQUIRED', 'sha256 of the original payload, hex'),
    f('payload_truncated', 'BOOL', 'REQUIRED', 'true when payload holds only a prefix'),
  ],
  timePartitioning: { type: 'DAY', field: 'received_at' },
  clustering: ['stage', 'reason'],
};

export const ALL_TABLES: readonly BqTable[] = [READINGS, EVENTS, DEADLETTER];

/** The table resource (REST shape) for tables.insert. */
export function tableResource(t: BqTable, partitionExpirationMs?: number): Record<string, unknown> {
  return {
    description: t.description,
    schema: { fields: t.fields },
    timePartitioning: { type: t.timePartitioning.type, field: t.timePartitioning.field, ...(partitionExpirationMs ? { expirationMs: String(partitionExpirationMs) } : {}) },
    clustering: { fields: t.clustering },
  };
}
