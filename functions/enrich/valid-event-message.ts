// Reads an event of an events-valid message back into a ValidEvent. validate wrote
// it, but enrich checks the shape anyway: a body that is not ours is
// dead-lettered as malformed-envelope, never enriched half-broken.
import { PermanentError } from '../lib/errors.js';
import type { StateValue, ValidEvent } from '../lib/events.js';
import { DEVICE_ID_PATTERN } from '../../schemas/device-message.v1.js';

const CANONICAL_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const DEVICE_ID = new RegExp(DEVICE_ID_PATTERN);

type Obj = Record<string, unknown>;

function bad(field: string): never {
  throw new PermanentError('malformed-envelope', `valid event: bad ${field}`);
}

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function record<T>(v: unknown, field: string, ok: (x: unknown) => x is T): Record<string, T> {
  if (!isObj(v)) bad(field);
  const out: Record<string, T> = {};
  for (const [k, x] of Object.entries(v)) {
    if (!ok(x)) bad(field);
    out[k] = x;
  }
  return out;
}

const isFiniteNumber = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
const isStateValue = (x: unknown): x is StateValue => x === null || typeof x === 'string' || typeof x === 'boolean' || isFiniteNumber(x);

/** A message body holding one event (the format before batching; replayed dead letters). */
export function parseValidEvent(data: Buffer): ValidEvent {
  let body: unknown;
  try {
    body = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(data));
  } catch {
    throw new PermanentError('malformed-envelope', 'valid event: not UTF-8 JSON');
  }
  return validEventFrom(body);
}

/** One event of an events-valid message, checked (functions/lib/event-message.ts splits the batch). */
export function validEventFrom(body: unknown): ValidEvent {
  if (!isObj(body)) bad('body');
  const { eventId, deviceId, seq, eventTime, readings, state, schemaVersion, receivedAt } = body;
  if (typeof deviceId !== 'string' || !DEVICE_ID.test(deviceId)) bad('deviceId');
  // deviceId:seq, deviceId:h:hash, or deviceId@boot:seq (a device that names its boot).
  if (typeof eventId !== 'string' || !(eventId.startsWith(`${deviceId}:`) || eventId.startsWith(`${deviceId}@`)) || eventId.length > 300) bad('eventId');
  if (seq !== null && !(typeof seq === 'number' && Number.isSafeInteger(seq) && seq >= 0)) bad('seq');
  if (typeof eventTime !== 'string' || !CANONICAL_TIME.test(eventTime)) bad('eventTime');
  if (typeof receivedAt !== 'string' || !CANONICAL_TIME.test(receivedAt)) bad('receivedAt');
  if (typeof schemaVersion !== 'string' || schemaVersion === '') bad('schemaVersion');
  return {
    eventId,
    deviceId,
    seq,
    eventTime,
    readings: record(readings, 'readings', isFiniteNumber),
    state: record(state, 'state', isStateValue),
    schemaVersion,
    receivedAt,
  };
}
