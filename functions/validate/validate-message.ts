// validate's pure core: raw device message -> normalized events, or a
// PermanentError with a named reason. No I/O except the injected key lookup.
//
// Checks run cheapest and most fundamental first, and every one runs before
// anything is trusted: size (before decoding), schemaVersion, strict UTF-8,
// nesting depth (on the text, so a 10,000-level nest cannot blow the stack),
// JSON, forbidden keys and non-finite numbers (on the parsed value,
// iteratively), top-level object, schema, publisher, signature, limits,
// timestamps and clock skew, replay.
//
// Batches are all-or-nothing: one bad event dead-letters the whole message,
// with the failing event's index in the detail. A partly accepted batch could
// not be replayed cleanly from the dead-letter table (replaying it would
// duplicate the accepted part under seq-less hash ids only by luck), while a
// whole one can be fixed and replayed as is. Duplicate events inside one batch
// (same seq, or same content without seq) are kept once: the first wins.
import type { MaybePromise } from '../lib/checked-document.js';
import type { Config } from '../lib/config.js';
import { PermanentError } from '../lib/errors.js';
import type { StateValue, ValidEvent } from '../lib/events.js';
import type { PubSubMessage } from '../lib/pubsub-message.js';
import { instantFromDate, parseRfc3339 } from '../lib/canonical-time.js';
import { DEVICE_ID_PATTERN, type BatchEventV1, type BatchMessageV1, type SingleMessageV1 } from '../../schemas/device-message.v1.js';
import { eventIdFor } from './event-id.js';
import { FORBIDDEN_KEYS, checkParsedJson, jsonDepthExceeds, safePath } from './json-guards.js';
import type { ReplayGuard } from './replay-guard.js';
import { validatorsFor, type ErrorObject } from './schema-validators.js';
import { verifySignature, type DeviceKeyEntry } from './signature.js';

export type ValidateConfig = Pick<
  Config,
  | 'maxMessageBytes'
  | 'maxBatchEvents'
  | 'maxMetrics'
  | 'maxStateKeys'
  | 'maxKeyLength'
  | 'maxStringLength'
  | 'maxDepth'
  | 'maxFutureSkewSeconds'
  | 'maxEventAgeSeconds'
  | 'schemaVersions'
>;

export interface ValidateDeps {
  config: ValidateConfig;
  /** Fallback receive time when the message's publishTime is unusable. */
  now(): Date;
  /** The device's signing keys (null: the device does not sign). Absent: no signature checks at all. */
  lookupDeviceKey?(deviceId: string): MaybePromise<DeviceKeyEntry | null>;
  /** Per-instance newest-seq memory for signed devices. */
  replayGuard?: ReplayGuard;
}

export interface ValidateResult {
  events: ValidEvent[];
  /** True when the message carried a valid signature. */
  signed: boolean;
}

export const DEFAULT_SCHEMA_VERSION = '1';

// fatal: invalid UTF-8 throws instead of turning into U+FFFD.
const utf8 = new TextDecoder('utf-8', { fatal: true });
const DEVICE_ID = new RegExp(DEVICE_ID_PATTERN);
/** Deepest bracket nesting a schema-valid message can have: {"events":[{"readings":{...}}]}. */
const SCHEMA_MAX_DEPTH = 4;

type EventBody = SingleMessageV1 | BatchEventV1;

export async function validateMessage(msg: PubSubMessage, deps: ValidateDeps): Promise<ValidateResult> {
  const cfg = deps.config;
  if (msg.data.length > cfg.maxMessageBytes) throw new PermanentError('oversize', `${msg.data.length} bytes > ${cfg.maxMessageBytes}`);

  const schemaVersion = msg.attributes.schemaVersion ?? DEFAULT_SCHEMA_VERSION;
  const validators = cfg.schemaVersions.includes(schemaVersion) ? validatorsFor(schemaVersion) : undefined;
  if (!validators) {
    const shown = /^[A-Za-z0-9._-]{1,16}$/.test(schemaVersion) ? schemaVersion : '(not shown)';
    throw new PermanentError('unsupported-schema-version', `schemaVersion ${shown}; supported: ${cfg.schemaVersions.join(', ')}`);
  }

  let text: string;
  try {
    text = utf8.decode(msg.data);
  } catch {
    throw new PermanentError('not-utf8', 'body is not valid UTF-8');
  }
  let parsed: unknown;
  try {
    // V8's JSON.parse is iterative, so a 10,000-level nest parses without
    // blowing the stack; it defines "__proto__" as a plain own property (no
    // prototype change), and nothing copies the value before it is checked.
    parsed = JSON.parse(text);
  } catch {
    throw depthError(text, cfg.maxDepth) ?? new PermanentError('not-json', 'body is not JSON');
  }

  // The schema is the fast path: a message it accepts is at most
  // SCHEMA_MAX_DEPTH deep, has only finite numbers (ajv's strictNumbers) and
  // has no key outside the schema's properties except readings and state
  // names, which normalizeEvent checks. The slower whole-value checks run only
  // for a rejected message, to name the most specific reason.
  const isObject = parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed);
  const isBatch = isObject && Object.hasOwn(parsed as object, 'events');
  const validator = isBatch ? validators.batch : validators.single;
  if (!isObject || !validator(parsed) || (cfg.maxDepth < SCHEMA_MAX_DEPTH && jsonDepthExceeds(text, cfg.maxDepth))) {
    throw rejection(text, parsed, validator.errors?.[0], cfg.maxDepth);
  }
  let deviceId: string;
  let bodies: readonly EventBody[];
  let boot: string | null;
  if (isBatch) {
    const batch = parsed as BatchMessageV1;
    deviceId = batch.deviceId;
    bodies = batch.events;
    boot = batch.boot ?? null;
  } else {
    const single = parsed as SingleMessageV1;
    deviceId = single.deviceId;
    bodies = [single];
    boot = single.boot ?? null;
  }
  const ids = { deviceId };

  // A gateway that authenticated the publisher stamps the deviceId attribute.
  const attrDevice = msg.attributes.deviceId;
  if (attrDevice !== undefined && attrDevice !== deviceId) throw new PermanentError('publisher-mismatch', 'deviceId attribute differs from the body').withIds(ids);

  let signed = false;
  if (deps.lookupDeviceKey) {
    try {
      // A lookup failure (Firestore down) is transient and rethrown as is;
      // a malformed keys document is permanent.
      // Cache hits come back synchronously: no microtask per message.
      const found = deps.lookupDeviceKey(deviceId);
      const entry = found instanceof Promise ? await found : found;
      if (entry?.requireSignature) {
        verifySignature(msg.data, msg.attributes.signature, entry, deps.now());
        signed = true;
      }
    } catch (err) {
      throw err instanceof PermanentError ? err.withIds(ids) : err;
    }
  }

  if (bodies.length > cfg.maxBatchEvents) throw new PermanentError('too-many-events', `${bodies.length} events > ${cfg.maxBatchEvents}`).withIds(ids);

  const received = parseRfc3339(msg.publishTime) ?? instantFromDate(deps.now());
  const events: ValidEvent[] = [];
  // Duplicates can only occur inside a batch.
  const seen = isBatch ? new Set<string>() : undefined;
  for (let i = 0; i < bodies.length; i++) {
    const body = bodies[i] as EventBody;
    try {
      const { ev, epochMs } = normalizeEvent(body, deviceId, boot, schemaVersion, received.canonical, cfg);
      const skewMs = epochMs - received.epochMs;
      if (skewMs > cfg.maxFutureSkewSeconds * 1000) throw new PermanentError('clock-skew-future', `${Math.round(skewMs / 1000)} s ahead of publish time > ${cfg.maxFutureSkewSeconds}`);
      if (-skewMs > cfg.maxEventAgeSeconds * 1000) throw new PermanentError('clock-skew-past', `${Math.round(-skewMs / 1000)} s older than publish time > ${cfg.maxEventAgeSeconds}`);
      if (seen) {
        if (seen.has(ev.eventId)) continue;
        seen.add(ev.eventId);
      }
      events.push(ev);
    } catch (err) {
      if (err instanceof PermanentError) {
        const where = isBatch ? `event ${i}: ` : '';
        throw new PermanentError(err.reason, `${where}${err.detail}`).withIds(ids);
      }
      throw err;
    }
  }

  if (signed && deps.replayGuard) {
    const seqs = events.map((e) => e.seq);
    deps.replayGuard.check(deviceId, seqs, boot);
    deps.replayGuard.record(deviceId, seqs, boot);
  }
  return { events, signed };
}

/** too-deep when the text nests deeper than the limit (checked on the text: a 10,000-level nest must not recurse anywhere). */
function depthError(text: string, maxDepth: number): PermanentError | undefined {
  return jsonDepthExceeds(text, maxDepth) ? new PermanentError('too-deep', `nesting deeper than ${maxDepth}`) : undefined;
}

/** Why a message the schema (or the depth limit) refused was refused: the most specific reason first. */
function rejection(text: string, parsed: unknown, schemaErr: ErrorObject | undefined, maxDepth: number): PermanentError {
  const deep = depthError(text, maxDepth);
  if (deep) return deep;
  checkParsedJson(parsed);
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    return new PermanentError('not-object', `top level is ${parsed === null ? 'null' : Array.isArray(parsed) ? 'an array' : typeof parsed}`);
  }
  // A well-formed deviceId is worth keeping on a schema failure: analysts
  // filter the dead-letter table by device.
  const claimed = (parsed as { deviceId?: unknown }).deviceId;
  return schemaError(schemaErr).withIds({ deviceId: typeof claimed === 'string' && DEVICE_ID.test(claimed) ? claimed : null });
}

function normalizeEvent(body: EventBody, deviceId: string, boot: string | null, schemaVersion: string, receivedAt: string, cfg: ValidateConfig): { ev: ValidEvent; epochMs: number } {
  if (body.deviceId !== undefined && body.deviceId !== deviceId) throw new PermanentError('batch-device-mismatch', 'event deviceId differs from the batch deviceId');

  // The parsed objects are used as they are (JSON.parse made them, nothing
  // else holds them, and the schema typed every value): the limits are
  // checked on their keys, and nothing is copied.
  const readings: Record<string, number> = body.readings ?? {};
  const readingKeys = Object.keys(readings);
  if (readingKeys.length > cfg.maxMetrics) throw new PermanentError('too-many-metrics', `${readingKeys.length} readings > ${cfg.maxMetrics}`);
  for (const k of readingKeys) {
    if (FORBIDDEN_KEYS.has(k)) throw new PermanentError('forbidden-key', `${k} at /readings`);
    if (k.length > cfg.maxKeyLength) throw new PermanentError('key-too-long', `a readings key is longer than ${cfg.maxKeyLength}`);
  }

  const state: Record<string, StateValue> = body.state ?? {};
  const stateKeys = Object.keys(state);
  if (stateKeys.length > cfg.maxStateKeys) throw new PermanentError('too-many-state-keys', `${stateKeys.length} state keys > ${cfg.maxStateKeys}`);
  for (const k of stateKeys) {
    if (FORBIDDEN_KEYS.has(k)) throw new PermanentError('forbidden-key', `${k} at /state`);
    if (k.length > cfg.maxKeyLength) throw new PermanentError('key-too-long', `a state key is longer than ${cfg.maxKeyLength}`);
    const v = state[k];
    if (typeof v === 'string' && v.length > cfg.maxStringLength) throw new PermanentError('string-too-long', `/state/${k} longer than ${cfg.maxStringLength}`);
  }

  const t = parseRfc3339(body.ts);
  if (!t) throw new PermanentError('invalid-timestamp', 'ts is not an RFC 3339 date-time with a time zone in years 1..9999');

  const seq = body.seq ?? null;
  const eventId = eventIdFor(seq, { deviceId, eventTime: t.canonical, readings, state }, boot);
  return { ev: { eventId, deviceId, seq, eventTime: t.canonical, readings, state, schemaVersion, receivedAt }, epochMs: t.epochMs };
}

/** Maps the first ajv error to a reason; the detail names the path and keyword, never the value. */
export function schemaError(e: ErrorObject | undefined): PermanentError {
  if (!e) return new PermanentError('schema-violation', 'unknown');
  const path = safePath(e.instancePath);
  const kw = e.keyword;
  const detail = `${path} ${kw}${kw === 'required' ? ` ${String((e.params as { missingProperty?: unknown }).missingProperty)}` : ''}${kw === 'type' ? ` ${String((e.params as { type?: unknown }).type)}` : ''}`;
  if (/^(\/events\/\d+)?\/deviceId$/.test(path)) return new PermanentError('invalid-device-id', detail);
  if (/\/ts$/.test(path) && kw === 'format') return new PermanentError('invalid-timestamp', detail);
  if (path === '/events' && kw === 'minItems') return new PermanentError('empty-batch', detail);
  if (path === '/events' && kw === 'maxItems') return new PermanentError('too-many-events', detail);
  if (/\/readings$/.test(path) && kw === 'maxProperties') return new PermanentError('too-many-metrics', detail);
  if (/\/state$/.test(path) && kw === 'maxProperties') return new PermanentError('too-many-state-keys', detail);
  return new PermanentError('schema-violation', detail);
}
