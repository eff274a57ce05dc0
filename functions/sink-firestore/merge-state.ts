// Live device state, merged per field by event time (pure), an event time
// capped at receive time (orderTime below). Each field keeps
// the value of the newest event that carried it: newer eventTime wins, an
// equal eventTime is broken by the greater eventId. That order is total and
// does not depend on arrival, so late, duplicate or reordered deliveries never
// roll a field back and every delivery order converges to the same document.
// Times are canonical text (fixed width: text order is time order).
import type { EnrichedEvent, StateValue } from '../lib/events.js';

export interface Stamp {
  /** Canonical UTC `YYYY-MM-DDTHH:MM:SS.ffffffZ`. */
  eventTime: string;
  eventId: string;
}

export interface MetricField extends Stamp {
  value: number;
  unit: string | null;
}

export interface StateField extends Stamp {
  value: StateValue;
}

/** deviceState/{deviceId} without updatedAt (the adapter adds it), times as canonical text. */
export interface DeviceState {
  tenantId: string;
  /** Newest event time seen. */
  lastSeen: string;
  /** eventId of the event that set lastSeen (the tie-break; tenantId follows it). */
  lastEventId: string;
  metrics: Record<string, MetricField>;
  state: Record<string, StateField>;
}

export type StateEvent = Pick<EnrichedEvent, 'eventId' | 'tenantId' | 'eventTime' | 'readings' | 'state' | 'units'> & Partial<Pick<EnrichedEvent, 'receivedAt'>>;

/**
 * The time an event is ordered by: its event time, capped at the time the
 * pipeline received it (validate's receivedAt, the Pub/Sub publish time).
 * validate accepts events up to MAX_FUTURE_SKEW_SECONDS (300 s) ahead, so one
 * device with a fast clock, or an unsigned spoofed message, would otherwise
 * stamp its fields minutes into the future and freeze them against every
 * true event until that time passes. Capped, a future event counts as
 * happening when it arrived, and the next true event replaces it.
 */
export function orderTime(e: Pick<StateEvent, 'eventTime' | 'receivedAt'>): string {
  return e.receivedAt !== undefined && e.receivedAt < e.eventTime ? e.receivedAt : e.eventTime;
}

/** True when `a` must replace `b`: newer time, or same time and greater eventId. */
export function isNewer(a: Stamp, b: Stamp | undefined): boolean {
  if (!b) return true;
  if (a.eventTime !== b.eventTime) return a.eventTime > b.eventTime;
  return a.eventId > b.eventId;
}

/**
 * The document after applying `events` to `current`, or null when no field
 * changes (nothing newer: skip the write).
 */
export function mergeState(current: DeviceState | undefined, events: readonly StateEvent[]): DeviceState | null {
  // Null-prototype copies: metric and state names come from devices.
  const next: DeviceState = current
    ? { ...current, metrics: Object.assign(Object.create(null), current.metrics), state: Object.assign(Object.create(null), current.state) }
    : { tenantId: '', lastSeen: '', lastEventId: '', metrics: Object.create(null), state: Object.create(null) };
  let changed = false;
  for (const e of events) {
    // Stored as the field's eventTime, so later merges compare like with like.
    const stamp: Stamp = { eventTime: orderTime(e), eventId: e.eventId };
    // A new document starts at ('', ''), older than any canonical time.
    if (isNewer(stamp, { eventTime: next.lastSeen, eventId: next.lastEventId })) {
      next.lastSeen = stamp.eventTime;
      next.lastEventId = e.eventId;
      next.tenantId = e.tenantId;
      changed = true;
    }
    for (const [name, value] of Object.entries(e.readings)) {
      if (isNewer(stamp, next.metrics[name])) {
        next.metrics[name] = { value, unit: e.units[name] ?? null, ...stamp };
        changed = true;
      }
    }
    for (const [key, value] of Object.entries(e.state)) {
      if (isNewer(stamp, next.state[key])) {
        next.state[key] = { value, ...stamp };
        changed = true;
      }
    }
  }
  return changed ? next : null;
}
