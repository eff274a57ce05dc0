// Messages on events-deadletter -> telemetry.deadletter rows (pure). Three
// kinds arrive there and none is ever lost:
//  1. our envelope (DeadLetterEnvelope), published by a failing stage;
//  2. a message Pub/Sub itself dead-lettered after maxDeliveryAttempts: the
//     original bytes plus CloudPubSubDeadLetter* attributes;
//  3. anything else: stored as-is with reason malformed-envelope.
import { createHash } from 'node:crypto';
import { canonicalNow, parseRfc3339 } from '../lib/canonical-time.js';
import { buildDeadLetter } from '../lib/dead-letter.js';
import { PermanentError } from '../lib/errors.js';
import type { DeadLetterEnvelope } from '../lib/events.js';
import { FUNCTIONS, FUNCTION_NAMES } from '../lib/names.js';
import type { PubSubMessage } from '../lib/pubsub-message.js';
import type { RowToInsert } from '../sinks/row-sink.js';

/** An envelope whose stage may also be a subscription name (max-delivery-attempts). */
export type StoredDeadLetter = Omit<DeadLetterEnvelope, 'stage' | 'kind'> & { stage: string };

export interface DeadLetterRowDeps {
  payloadMaxBytes: number;
  now(): Date;
}

export const PUBSUB_DLQ_ATTRS = {
  deliveryCount: 'CloudPubSubDeadLetterSourceDeliveryCount',
  subscription: 'CloudPubSubDeadLetterSourceSubscription',
  publishTime: 'CloudPubSubDeadLetterSourceTopicPublishTime',
} as const;

const sha256 = (s: string | Buffer): string => createHash('sha256').update(s).digest('hex');

/** The row for one stored dead letter; `fallbackMessageId` is the events-deadletter message's own id. */
export function rowFromDeadLetter(d: StoredDeadLetter, fallbackMessageId: string): RowToInsert {
  // Stable across redelivery and across a stage re-publishing the same
  // failure (new message id on events-deadletter, same failing message).
  // With an eventId the event itself is the key: when an upstream stage ran
  // twice, the failing stage saw two messages (two ids) for one event, and
  // that is still one dead letter.
  const key = d.eventId
    ? [d.stage, d.reason, 'event', d.eventId].join('\u0000')
    : [d.stage, d.reason, d.messageId ?? `dl:${fallbackMessageId}`, '', d.payloadSha256].join('\u0000');
  return {
    insertId: `dl:${sha256(key)}`,
    json: {
      received_at: d.receivedAt,
      stage: d.stage,
      reason: d.reason,
      detail: d.detail || null,
      device_id: d.deviceId,
      event_id: d.eventId,
      message_id: d.messageId,
      attributes: JSON.stringify(d.attributes),
      payload: d.payload,
      payload_size: d.payloadSize,
      payload_sha256: d.payloadSha256,
      payload_truncated: d.payloadTruncated,
    },
  };
}

/** The raw message stored as malformed-envelope (also sinkDeadletter's own fallback). */
export function malformedRow(msg: PubSubMessage, detail: string, deps: DeadLetterRowDeps): RowToInsert {
  return rowFromDeadLetter(rawDeadLetter(msg, 'sinkDeadletter', new PermanentError('malformed-envelope', detail), deps), msg.messageId);
}

/** Classifies one events-deadletter message and builds its row. Never throws on bad input. */
export function deadLetterRow(msg: PubSubMessage, deps: DeadLetterRowDeps): RowToInsert {
  const sourceSub = msg.attributes[PUBSUB_DLQ_ATTRS.subscription];
  const deliveryCount = msg.attributes[PUBSUB_DLQ_ATTRS.deliveryCount];
  if (sourceSub !== undefined || deliveryCount !== undefined) {
    const subName = (sourceSub ?? '').split('/').pop() ?? '';
    // Only when our own subscription gave up is the body one of our envelopes.
    if (subName === FUNCTIONS.sinkDeadletter.subscription) {
      const env = parseEnvelope(msg.data);
      if (typeof env !== 'string') return rowFromDeadLetter(env, msg.messageId);
    }
    return rowFromDeadLetter(pubsubDeadLettered(msg, subName, deliveryCount, deps), msg.messageId);
  }
  const env = parseEnvelope(msg.data);
  if (typeof env !== 'string') return rowFromDeadLetter(env, msg.messageId);
  return malformedRow(msg, env, deps);
}

function pubsubDeadLettered(msg: PubSubMessage, subName: string, deliveryCount: string | undefined, deps: DeadLetterRowDeps): StoredDeadLetter {
  const stage = FUNCTION_NAMES.find((f) => FUNCTIONS[f].subscription === subName) ?? (subName.slice(0, 255) || 'unknown-subscription');
  const detail = `delivery count ${/^\d{1,9}$/.test(deliveryCount ?? '') ? deliveryCount : 'unknown'}`;
  const ids = idsFromBody(msg.data);
  const sourcePublish = parseRfc3339(msg.attributes[PUBSUB_DLQ_ATTRS.publishTime] ?? '');
  const d = rawDeadLetter(msg, stage, new PermanentError('max-delivery-attempts', detail), deps, ids);
  return sourcePublish ? { ...d, receivedAt: sourcePublish.canonical } : d;
}

function rawDeadLetter(
  msg: PubSubMessage,
  stage: string,
  err: PermanentError,
  deps: DeadLetterRowDeps,
  ids: { deviceId?: string | null; eventId?: string | null } = {},
): StoredDeadLetter {
  const receivedAt = parseRfc3339(msg.publishTime)?.canonical ?? canonicalNow(deps.now());
  // buildDeadLetter caps payload and attributes the same way every stage does.
  const built = buildDeadLetter('sinkDeadletter', err, msg, { receivedAt, payloadMaxBytes: deps.payloadMaxBytes, ...ids });
  return { ...built, stage };
}

/** deviceId / eventId from a JSON body when present and plausible (best effort, for filtering). */
function idsFromBody(data: Buffer): { deviceId: string | null; eventId: string | null } {
  try {
    const body: unknown = JSON.parse(data.toString('utf8'));
    if (typeof body !== 'object' || body === null) return { deviceId: null, eventId: null };
    const o = body as Record<string, unknown>;
    const pick = (v: unknown): string | null => (typeof v === 'string' && v.length > 0 && v.length <= 256 ? v : null);
    return { deviceId: pick(o.deviceId), eventId: pick(o.eventId) };
  } catch {
    return { deviceId: null, eventId: null };
  }
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const HEX64 = /^[0-9a-f]{64}$/;

/** Our envelope, or a short reason why the bytes are not one. */
export function parseEnvelope(data: Buffer): StoredDeadLetter | string {
  let body: unknown;
  try {
    body = JSON.parse(data.toString('utf8'));
  } catch {
    return 'not a dead-letter envelope: not JSON';
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return 'not a dead-letter envelope: not an object';
  const o = body as Record<string, unknown>;
  if (o.kind !== 'iot.deadletter.v1') return 'not a dead-letter envelope: kind';
  const s = (k: string, max: number): string | null => (typeof o[k] === 'string' && (o[k] as string).length <= max ? (o[k] as string) : null);
  const sOrNull = (k: string): string | null | undefined => (o[k] === null || o[k] === undefined ? null : (s(k, 1024) ?? undefined));
  const stage = s('stage', 255);
  const reason = s('reason', 255);
  const detail = s('detail', 1000);
  const deviceId = sOrNull('deviceId');
  const eventId = sOrNull('eventId');
  const messageId = sOrNull('messageId');
  const receivedAt = parseRfc3339(s('receivedAt', 64) ?? '');
  const payload = s('payload', 16 * 1024 * 1024);
  const payloadSha256 = s('payloadSha256', 64);
  const { payloadSize, payloadTruncated, attributes } = o;
  const bad = (field: string) => `dead-letter envelope: bad ${field}`;
  if (!stage) return bad('stage');
  if (!reason) return bad('reason');
  if (detail === null) return bad('detail');
  if (deviceId === undefined) return bad('deviceId');
  if (eventId === undefined) return bad('eventId');
  if (messageId === undefined) return bad('messageId');
  if (!receivedAt) return bad('receivedAt');
  if (payload === null || !BASE64.test(payload) || payload.length % 4 !== 0) return bad('payload');
  if (payloadSha256 === null || !HEX64.test(payloadSha256)) return bad('payloadSha256');
  if (typeof payloadSize !== 'number' || !Number.isSafeInteger(payloadSize) || payloadSize < 0) return bad('payloadSize');
  if (typeof payloadTruncated !== 'boolean') return bad('payloadTruncated');
  if (typeof attributes !== 'object' || attributes === null || Array.isArray(attributes)) return bad('attributes');
  const attrs: Record<string, string> = Object.create(null);
  for (const [k, v] of Object.entries(attributes)) {
    if (typeof v !== 'string') return bad('attributes');
    attrs[k] = v;
  }
  return { stage, reason, detail, deviceId, eventId, messageId, receivedAt: receivedAt.canonical, attributes: attrs, payload, payloadSize, payloadSha256, payloadTruncated };
}
