// Billing arithmetic (pure): how Google turns usage into billable units.
// Cloud Run request-based billing bills busy spans (at least one request in
// flight on an instance), each rounded up to 100 ms; Pub/Sub bills at least
// 1,000 bytes per request; insertAll bills at least 1 KB per row. The cost
// model (bench/cost-model.ts) and the e2e bench both go through these.
import type { BqField, BqTable } from '../schemas/bigquery-tables.js';
import type { BillingRules } from './prices.js';

/** One request on one instance, from arrival to response (seconds). */
export interface Span {
  start: number;
  end: number;
}

export interface BusyBill {
  /** Seconds with at least one request in flight. */
  busySeconds: number;
  /** The same, each busy period rounded up to the billing granularity. */
  billedSeconds: number;
  /** Busy periods (maximal intervals with a request in flight). */
  periods: number;
}

/**
 * Request-based Cloud Run billing for one instance: the union of its request
 * spans, each maximal busy period rounded up to `granularity` seconds. Two
 * requests overlapping or touching bill once; a request alone bills at least
 * the granularity.
 */
export function billBusySpans(spans: readonly Span[], granularity: number): BusyBill {
  const sorted = [...spans].sort((a, b) => a.start - b.start);
  let busy = 0;
  let billed = 0;
  let periods = 0;
  let open: Span | undefined;
  const close = (p: Span): void => {
    const d = p.end - p.start;
    busy += d;
    // 1e-9 absorbs float noise so that 0.3 s is 3 units, not 4.
    billed += Math.max(1, Math.ceil(d / granularity - 1e-9)) * granularity;
    periods++;
  };
  for (const s of sorted) {
    if (s.end < s.start) throw new RangeError(`span ends before it starts: ${s.start} .. ${s.end}`);
    if (open && s.start <= open.end) open.end = Math.max(open.end, s.end);
    else {
      if (open) close(open);
      open = { start: s.start, end: s.end };
    }
  }
  if (open) close(open);
  return { busySeconds: busy, billedSeconds: billed, periods };
}

/** Billable bytes of one Pub/Sub publish, push or pull request carrying messages of these sizes. */
export function billedRequestBytes(messageBytes: readonly number[], rules: Pick<BillingRules, 'pubsubMinBytesPerRequest'>): number {
  return Math.max(rules.pubsubMinBytesPerRequest, messageBytes.reduce((s, b) => s + b, 0));
}


/** Bytes Pub/Sub counts for one message: data, attribute keys and values, and a fixed overhead. */
export function pubsubMessageBytes(dataBytes: number, attributes: Readonly<Record<string, string>>, rules: BillingRules): number {
  let n = dataBytes + rules.pubsubMessageOverheadBytes;
  for (const [k, v] of Object.entries(attributes)) n += Buffer.byteLength(k) + Buffer.byteLength(v);
  return n;
}

/** Billed bytes when every message is its own request (device publishes, push deliveries): each at least the minimum. */
export function billedOnePerRequest(messageBytes: readonly number[], rules: BillingRules): number {
  return messageBytes.reduce((s, b) => s + Math.max(rules.pubsubMinBytesPerRequest, b), 0);
}

/**
 * BigQuery's logical size of a row, by its data size rules: STRING and BYTES
 * 2 bytes + length, INT64, FLOAT64, TIMESTAMP 8, BOOL 1, JSON its text,
 * NULL 0. `json` is a row as the sinks build it.
 */
export function bigQueryRowBytes(json: Readonly<Record<string, unknown>>, table: Pick<BqTable, 'fields'>): number {
  let n = 0;
  for (const f of table.fields) n += fieldBytes(f, json[f.name]);
  return n;
}

function fieldBytes(f: BqField, v: unknown): number {
  if (v === null || v === undefined) return 0;
  switch (f.type) {
    case 'STRING':
      return 2 + Buffer.byteLength(String(v));
    case 'BYTES':
      // Rows carry BYTES as base64 text: count the decoded bytes.
      return 2 + Buffer.from(String(v), 'base64').length;
    case 'JSON':
      return Buffer.byteLength(typeof v === 'string' ? v : JSON.stringify(v));
    case 'BOOL':
      return 1;
    case 'NUMERIC':
      return 16;
    case 'RECORD':
      return f.fields && typeof v === 'object' ? bigQueryRowBytes(v as Record<string, unknown>, { fields: f.fields }) : 0;
    default:
      // INT64, FLOAT64, TIMESTAMP, DATE
      return 8;
  }
}

/** Streaming-insert billed bytes for rows of the given logical sizes. */
export function billedInsertBytes(rowBytes: readonly number[], rules: BillingRules): number {
  return rowBytes.reduce((s, b) => s + Math.max(rules.bigqueryMinRowBytes, b), 0);
}
