// The de-dup views: the read side of exactly-once. The Storage Write API's
// default stream is at-least-once (a retried append stores its rows again)
// and insertAll's insertId de-dup is best effort, so analysts query these:
// one row per key, the earliest ingested copy. The key is what the writers
// use as insertId (functions/sink-bigquery/rows.ts, sink-deadletter/rows.ts).
// For readings and events, event_time is part of the key: it is the
// partitioning column, so BigQuery prunes partitions through the view, and a
// duplicate always repeats it. A dead letter's received_at is not: the same
// event failing again through another message has a new one. Created by infra/ (Terraform) and by the local stack
// (tools/emulate/provision.ts) from these definitions.
import { TABLES } from '../functions/lib/names.js';

export interface DedupView {
  viewId: string;
  table: string;
  description: string;
  /** PARTITION BY columns: the row's identity. */
  key: string[];
  /** Which copy is kept. */
  orderBy: string;
}

export const READINGS_DEDUP: DedupView = {
  viewId: 'readings_dedup',
  table: TABLES.readings,
  description: 'readings without duplicates (at-least-once writes): one row per (event_id, metric).',
  key: ['event_id', 'metric', 'event_time'],
  orderBy: 'ingest_time',
};

export const EVENTS_DEDUP: DedupView = {
  viewId: 'events_dedup',
  table: TABLES.events,
  description: 'events without duplicates (at-least-once writes): one row per event_id.',
  key: ['event_id', 'event_time'],
  orderBy: 'ingest_time',
};

// A dead letter's identity (rowFromDeadLetter's insertId): the event at a
// stage for a reason when the event is known, else the failing message and
// its bytes.
export const DEADLETTER_DEDUP: DedupView = {
  viewId: 'deadletter_dedup',
  table: TABLES.deadLetter,
  description: 'dead letters without duplicates: one row per (stage, reason, event) or, without an event id, per (stage, reason, message, payload).',
  key: ['stage', 'reason', "IFNULL(event_id, CONCAT(IFNULL(message_id, ''), '|', payload_sha256))"],
  orderBy: 'received_at',
};

export const DEDUP_VIEWS: readonly DedupView[] = [READINGS_DEDUP, EVENTS_DEDUP, DEADLETTER_DEDUP];

/** The view's GoogleSQL; `tableRef` is the base table as the caller names it (e.g. `project.telemetry.readings` in backticks). */
export function dedupViewSql(v: DedupView, tableRef: string): string {
  return [`SELECT *`, `FROM ${tableRef}`, `WHERE TRUE`, `QUALIFY ROW_NUMBER() OVER (PARTITION BY ${v.key.join(', ')} ORDER BY ${v.orderBy}) = 1`].join('\n');
}
