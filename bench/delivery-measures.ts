// What the push deliveries of an e2e run say about cost (pure): Cloud Run
// requests per device message, Pub/Sub billable bytes per message, and the
// instance time request-based Cloud Run would bill for the measured request
// spans (one instance per function locally, as a lightly loaded deployment).
import { FUNCTION_NAMES, type FunctionName } from '../functions/lib/names.js';
import type { DeliveryRecord } from '../tools/emulate/push-bridge.js';
import { billBusySpans } from './cost.js';
import type { BillingRules } from './prices.js';

export type Records = Readonly<Record<FunctionName, readonly DeliveryRecord[]>>;

/** Push deliveries (Cloud Run requests) per device message. */
export function requestsPerMessage(records: Records, messages: number): number {
  const n = FUNCTION_NAMES.reduce((s, fn) => s + records[fn].length, 0);
  return messages > 0 ? n / messages : Number.NaN;
}

/**
 * Pub/Sub billable bytes per device message: every push delivery, and every
 * publish, each at least the 1,000-byte minimum. Publishes are read off the
 * deliveries of one subscription per topic (validate: the devices' own
 * publishes, one message per request; enrich: events-valid; sinkBigquery:
 * events-enriched; sinkDeadletter: dead letters), each message taken as its
 * own publish request (the functions' client shares requests a little: an
 * upper bound).
 */
export function pubsubBytesPerMessage(records: Records, messages: number, rules: Pick<BillingRules, 'pubsubMinBytesPerRequest'>): number {
  const billed = (fn: FunctionName): number => records[fn].reduce((s, r) => s + Math.max(rules.pubsubMinBytesPerRequest, r.messageBytes), 0);
  const deliveries = FUNCTION_NAMES.reduce((s, fn) => s + billed(fn), 0);
  const publishes = (['validate', 'enrich', 'sinkBigquery', 'sinkDeadletter'] as const).reduce((s, fn) => s + billed(fn), 0);
  return messages > 0 ? (deliveries + publishes) / messages : Number.NaN;
}

/** Seconds request-based Cloud Run bills for one function's measured spans on one instance (100 ms rounding). */
export function billedSeconds(records: readonly DeliveryRecord[], rules: Pick<BillingRules, 'cloudRunBillingGranularitySeconds'>): number {
  return billBusySpans(
    records.map((r) => ({ start: r.startMs / 1000, end: r.endMs / 1000 })),
    rules.cloudRunBillingGranularitySeconds,
  ).billedSeconds;
}

/** Mean push request latency (ms) of one function. */
export function meanLatencyMs(records: readonly DeliveryRecord[]): number {
  return records.length > 0 ? records.reduce((s, r) => s + (r.endMs - r.startMs), 0) / records.length : Number.NaN;
}

/** Median push request latency (ms): the first requests of a fresh instance (connections, caches) do not move it. */
export function medianLatencyMs(records: readonly DeliveryRecord[]): number {
  const xs = records.map((r) => r.endMs - r.startMs).sort((a, b) => a - b);
  if (xs.length === 0) return Number.NaN;
  const mid = Math.floor(xs.length / 2);
  return xs.length % 2 ? (xs[mid] as number) : ((xs[mid - 1] as number) + (xs[mid] as number)) / 2;
}
