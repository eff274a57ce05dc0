// The thin part of every adapter: a Pub/Sub CloudEvent
// (google.cloud.pubsub.topic.v1.messagePublished) turned into plain data.
// Anything malformed here is the platform's envelope, not the device's bytes.
import type { CloudEvent } from '@google-cloud/functions-framework';
import { PermanentError } from './errors.js';

export interface PubSubMessage {
  /** Raw message bytes, decoded from base64 exactly once. */
  data: Buffer;
  attributes: Record<string, string>;
  messageId: string;
  /** RFC 3339 publish time as given by Pub/Sub. */
  publishTime: string;
  orderingKey?: string;
}

interface MessagePublishedData {
  message?: {
    data?: unknown;
    attributes?: unknown;
    messageId?: unknown;
    message_id?: unknown;
    publishTime?: unknown;
    publish_time?: unknown;
    orderingKey?: unknown;
  };
  subscription?: string;
}

function stringRecord(v: unknown): Record<string, string> {
  const out: Record<string, string> = Object.create(null);
  if (v === null || v === undefined) return out;
  if (typeof v !== 'object' || Array.isArray(v)) throw new PermanentError('bad-attributes', 'attributes is not an object');
  for (const [k, val] of Object.entries(v)) {
    if (typeof val !== 'string') throw new PermanentError('bad-attributes', `attribute ${k.slice(0, 64)} is not a string`);
    out[k] = val;
  }
  return out;
}

/**
 * The push body, from the CloudEvent the functions-framework built, or the
 * raw push body itself: the framework converts a push only when
 * message.data is non-empty, so a message with an empty body (Pub/Sub allows
 * it when attributes are set) arrives unconverted, with `message` at the top.
 */
function pushBody(event: CloudEvent<unknown>): MessagePublishedData | undefined {
  const data = event.data as MessagePublishedData | undefined;
  if (data !== undefined && data !== null) return data;
  const raw = event as unknown as MessagePublishedData;
  return raw.message !== undefined && typeof raw.subscription === 'string' ? raw : undefined;
}

export function fromCloudEvent(event: CloudEvent<unknown>): PubSubMessage {
  const body = pushBody(event);
  const m = body?.message;
  if (!m || typeof m !== 'object') throw new PermanentError('malformed-envelope', 'no message in CloudEvent data');
  const rawData = m.data ?? '';
  if (typeof rawData !== 'string') throw new PermanentError('malformed-envelope', 'message.data is not a base64 string');
  const messageId = String(m.messageId ?? m.message_id ?? event.id ?? '');
  const publishTime = String(m.publishTime ?? m.publish_time ?? event.time ?? new Date().toISOString());
  return {
    data: Buffer.from(rawData, 'base64'),
    attributes: stringRecord(m.attributes),
    messageId,
    publishTime,
    ...(typeof m.orderingKey === 'string' && m.orderingKey ? { orderingKey: m.orderingKey } : {}),
  };
}
