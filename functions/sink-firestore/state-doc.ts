// DeviceState (canonical text times) <-> the deviceState/{id} Firestore
// document (Timestamps, microsecond precision: exactly what Firestore keeps,
// so a stored time reads back as the same canonical text).
import { Timestamp, type DocumentData } from '@google-cloud/firestore';
import { fromEpoch, parseRfc3339 } from '../lib/canonical-time.js';
import type { StateValue } from '../lib/events.js';
import type { DeviceState, MetricField, StateField } from './merge-state.js';

export function toTimestamp(canonical: string): Timestamp {
  const t = parseRfc3339(canonical);
  if (!t) throw new RangeError(`not a timestamp: ${canonical.slice(0, 40)}`);
  return new Timestamp(t.epochSeconds, t.micros * 1000);
}

export function fromTimestamp(ts: unknown): string | null {
  if (!(ts instanceof Timestamp)) return null;
  return fromEpoch(ts.seconds, Math.floor(ts.nanoseconds / 1000))?.canonical ?? null;
}

/** The document to store (updatedAt is supplied by the caller). */
export function toDoc(s: DeviceState, updatedAt: unknown): DocumentData {
  const metrics: Record<string, unknown> = {};
  for (const [k, m] of Object.entries(s.metrics)) metrics[k] = { value: m.value, unit: m.unit, eventTime: toTimestamp(m.eventTime), eventId: m.eventId };
  const state: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(s.state)) state[k] = { value: v.value, eventTime: toTimestamp(v.eventTime), eventId: v.eventId };
  return { tenantId: s.tenantId, lastSeen: toTimestamp(s.lastSeen), lastEventId: s.lastEventId, updatedAt, metrics, state };
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isStateValue = (v: unknown): v is StateValue => v === null || ['string', 'number', 'boolean'].includes(typeof v);

/**
 * Reads a stored document back. Entries that do not have the expected shape
 * are dropped, so the next event simply overwrites them instead of the
 * device's state being stuck.
 */
export function fromDoc(data: DocumentData | undefined): DeviceState | undefined {
  if (!data) return undefined;
  const metrics: Record<string, MetricField> = Object.create(null);
  for (const [k, m] of Object.entries(isObj(data.metrics) ? data.metrics : {})) {
    if (!isObj(m)) continue;
    const eventTime = fromTimestamp(m.eventTime);
    if (eventTime && typeof m.value === 'number' && typeof m.eventId === 'string') {
      metrics[k] = { value: m.value, unit: typeof m.unit === 'string' ? m.unit : null, eventTime, eventId: m.eventId };
    }
  }
  const state: Record<string, StateField> = Object.create(null);
  for (const [k, v] of Object.entries(isObj(data.state) ? data.state : {})) {
    if (!isObj(v)) continue;
    const eventTime = fromTimestamp(v.eventTime);
    if (eventTime && isStateValue(v.value) && typeof v.eventId === 'string') state[k] = { value: v.value, eventTime, eventId: v.eventId };
  }
  return {
    tenantId: typeof data.tenantId === 'string' ? data.tenantId : '',
    lastSeen: fromTimestamp(data.lastSeen) ?? '',
    lastEventId: typeof data.lastEventId === 'string' ? data.lastEventId : '',
    metrics,
    state,
  };
}
