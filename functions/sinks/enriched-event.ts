// Reads an events-enriched message body back into an EnrichedEvent. enrich
// wrote it, but the sinks check the shape anyway: a body that does not match
// is a PermanentError (malformed-envelope), dead-lettered rather than written
// half-broken or retried for ever.
import { PermanentError } from '../lib/errors.js';
import type { EnrichedEvent, StateValue } from '../lib/events.js';
import { DEVICE_ID_PATTERN } from '../../schemas/device-message.v1.js';

/** The canonical event-time form (fixed width, so it sorts as text). */
export const CANONICAL_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

// The device message schema's rules (schemas/device-message.v1.json), checked
// again here: the device id becomes a Firestore document id and the keys
// become Firestore map keys, where anything else could fail a whole
// coalesced write.
const DEVICE_ID = new RegExp(DEVICE_ID_PATTERN);
const KEY = /^[a-z][a-z0-9_]{0,63}$/;

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function bad(field: string): never {
  throw new PermanentError('malformed-envelope', `enriched event: bad ${field}`);
}

function str(o: Obj, k: string): string {
  const v = o[k];
  if (typeof v !== 'string' || v.length === 0) bad(k);
  return v;
}

function strOrNull(o: Obj, k: string): string | null {
  const v = o[k] ?? null;
  if (v !== null && typeof v !== 'string') bad(k);
  return v;
}

function deviceId(o: Obj): string {
  const v = str(o, 'deviceId');
  if (!DEVICE_ID.test(v)) bad('deviceId');
  return v;
}

function time(o: Obj, k: string): string {
  const v = str(o, k);
  if (!CANONICAL_TIME.test(v)) bad(k);
  return v;
}

function record<T>(o: Obj, k: string, ok: (v: unknown) => v is T): Record<string, T> {
  const v = o[k];
  if (!isObj(v)) bad(k);
  const out: Record<string, T> = Object.create(null);
  for (const [key, val] of Object.entries(v)) {
    if (!KEY.test(key)) bad(`${k} key`);
    if (!ok(val)) bad(`${k}.${key}`);
    out[key] = val;
  }
  return out;
}

const isFiniteNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isString = (v: unknown): v is string => typeof v === 'string';
const isStateValue = (v: unknown): v is StateValue => v === null || ['string', 'number', 'boolean'].includes(typeof v);

/** Parses the UTF-8 JSON body of an events-enriched message. */
export function parseEnrichedEvent(data: Buffer): EnrichedEvent {
  let body: unknown;
  try {
    body = JSON.parse(data.toString('utf8'));
  } catch {
    throw new PermanentError('malformed-envelope', 'enriched event: not JSON');
  }
  return enrichedEventFrom(body);
}

/** One event of an events-enriched message, checked (functions/lib/event-message.ts splits the batch). */
export function enrichedEventFrom(body: unknown): EnrichedEvent {
  if (!isObj(body)) bad('body');
  const seq = body.seq ?? null;
  if (seq !== null && !(typeof seq === 'number' && Number.isSafeInteger(seq))) bad('seq');
  const event: EnrichedEvent = {
    eventId: str(body, 'eventId'),
    deviceId: deviceId(body),
    seq,
    eventTime: time(body, 'eventTime'),
    readings: record(body, 'readings', isFiniteNumber),
    state: record(body, 'state', isStateValue),
    schemaVersion: str(body, 'schemaVersion'),
    receivedAt: time(body, 'receivedAt'),
    tenantId: str(body, 'tenantId'),
    site: strOrNull(body, 'site'),
    model: strOrNull(body, 'model'),
    units: record(body, 'units', isString),
  };
  return event;
}
