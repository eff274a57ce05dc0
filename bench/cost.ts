// Cost arithmetic (pure): operations counted in a benchmark run, turned into
// dollars per million device messages with the price table of bench/prices.ts.
import type { BqField, BqTable } from '../schemas/bigquery-tables.js';
import { costOf, type BillingRules, type PriceTable } from './prices.js';

/** Operations counted over one run (totals, not per message). */
export interface OperationCounts {
  /** Device messages published (the unit the result is per million of). */
  messages: number;
  /** Pub/Sub bytes billed for publishing (devices and functions), minimums applied. */
  pubsubPublishBytes: number;
  /** Pub/Sub bytes billed for push deliveries to the functions, minimums applied. */
  pubsubDeliverBytes: number;
  functionInvocations: number;
  /** CPU time the function processes used (user + system). */
  functionCpuSeconds: number;
  bigqueryRows: number;
  /** Streaming-insert bytes billed (each row at least the minimum). */
  bigqueryInsertBytes: number;
  /** Logical bytes the rows add to storage. */
  bigqueryStoredBytes: number;
  firestoreWrites: number;
  firestoreReads: number;
}

export interface CostLine {
  service: string;
  item: string;
  /** Quantity per device message, in `unit`. */
  perMessage: number;
  unit: string;
  usdPerMillion: number;
}

export interface CostEstimate {
  lines: CostLine[];
  usdPerMillion: number;
}

/**
 * Dollars per million device messages. Cloud Run bills instance time while
 * requests are in flight, not CPU used: with concurrency packing requests,
 * busy instances bill about the CPU they use, so CPU-seconds stand in for
 * instance-seconds (a lower bound when instances idle between requests).
 * Storage is one month of the rows a million messages add.
 */
export function estimateCost(c: OperationCounts, prices: PriceTable, rules: BillingRules): CostEstimate {
  const per = (total: number): number => (c.messages > 0 ? total / c.messages : 0);
  const line = (service: string, item: string, total: number, unit: string, usdPerUnitTotal: (q: number) => number): CostLine => {
    const perMessage = per(total);
    return { service, item, perMessage, unit, usdPerMillion: usdPerUnitTotal(perMessage * 1_000_000) };
  };
  const lines: CostLine[] = [
    line('Pub/Sub', 'publish throughput', c.pubsubPublishBytes, 'byte', (q) => costOf(prices.pubsubThroughput, q)),
    line('Pub/Sub', 'push delivery throughput', c.pubsubDeliverBytes, 'byte', (q) => costOf(prices.pubsubThroughput, q)),
    line('Cloud Run functions', 'invocations', c.functionInvocations, 'request', (q) => costOf(prices.cloudRunRequests, q)),
    line('Cloud Run functions', 'CPU', c.functionCpuSeconds, 'vCPU-second', (q) => costOf(prices.cloudRunCpu, q)),
    line('Cloud Run functions', 'memory', c.functionCpuSeconds * rules.functionMemoryGiB, 'GiB-second', (q) => costOf(prices.cloudRunMemory, q)),
    line('BigQuery', 'streaming inserts', c.bigqueryInsertBytes, 'byte', (q) => costOf(prices.bigqueryStreamingInsert, q)),
    line('BigQuery', 'storage (1 month)', c.bigqueryStoredBytes, 'byte', (q) => costOf(prices.bigqueryActiveStorage, q)),
    line('Firestore', 'document writes', c.firestoreWrites, 'write', (q) => costOf(prices.firestoreWrites, q)),
    line('Firestore', 'document reads', c.firestoreReads, 'read', (q) => costOf(prices.firestoreReads, q)),
  ];
  return { lines, usdPerMillion: lines.reduce((s, l) => s + l.usdPerMillion, 0) };
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
