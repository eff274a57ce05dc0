// The thin part of every adapter: a Pub/Sub CloudEvent
// (google.cloud.pubsub.topic.v1.messagePublished) turned into plain data.
// Anything malformed here is the platform's envelope, not the device's bytes.
import type { CloudEvent } from '@google-cloud/functions-framework';
import { createHash } from 'node:crypto';
import { PermanentError } from './errors.js';

export interface PubSubMessage {
  /** Raw message bytes, decoded from base64 exactly once (only a prefix when `oversize`). */
  data: Buffer;
  /**
   * Set when the encoded data alone shows the message is over the caller's
   * limit: `data` then holds only a prefix, and the whole message's size and
   * sha256 (computed in small chunks, never decoded whole) are here.
   */
  oversize?: { size: number; sha256: string };
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

/**
 * Bytes that base64 text decodes to, from its length and padding alone.
 * Pub/Sub sends canonical base64; characters Buffer.from would skip (only in
 * a forged envelope) make this an overestimate, never an underestimate.
 */
export function base64DecodedLength(b64: string): number {
  const pad = b64.endsWith('==') ? 2 : b64.endsWith('=') ? 1 : 0;
  return Math.max(0, Math.floor((b64.length * 3) / 4) - pad);
}

/** 64 KiB of base64 at a time: 4 characters make 3 bytes, so chunks split cleanly. */
const CHUNK_CHARS = 64 * 1024;

function oversizeMessage(b64: string, keepBytes: number): { prefix: Buffer; size: number; sha256: string } {
  const hash = createHash('sha256');
  let size = 0;
  for (let i = 0; i < b64.length; i += CHUNK_CHARS) {
    const part = Buffer.from(b64.slice(i, i + CHUNK_CHARS), 'base64');
    size += part.length;
    hash.update(part);
  }
  const prefix = Buffer.from(b64.slice(0, Math.ceil(keepBytes / 3) * 4), 'base64').subarray(0, keepBytes);
  return { prefix, size, sha256: hash.digest('hex') };
}

export interface DecodeLimits {
  /** Messages whose data would decode to more are not decoded (see PubSubMessage.oversize). */
  maxDataBytes: number;
  /** How much of an oversize message to decode and keep (the dead letter's payload prefix). */
  keepBytes: number;
}

export function fromCloudEvent(event: CloudEvent<unknown>, limits?: DecodeLimits): PubSubMessage {
  const body = pushBody(event);
  const m = body?.message;
  if (!m || typeof m !== 'object') throw new PermanentError('malformed-envelope', 'no message in CloudEvent data');
  const rawData = m.data ?? '';
  if (typeof rawData !== 'string') throw new PermanentError('malformed-envelope', 'message.data is not a base64 string');
  const messageId = String(m.messageId ?? m.message_id ?? event.id ?? '');
  const publishTime = String(m.publishTime ?? m.publish_time ?? event.time ?? new Date().toISOString());
  // Checked on the encoded text, before decoding: an oversize message never exists decoded in memory.
  const over = limits && base64DecodedLength(rawData) > limits.maxDataBytes ? oversizeMessage(rawData, limits.keepBytes) : undefined;
  return {
    data: over ? over.prefix : Buffer.from(rawData, 'base64'),
    ...(over ? { oversize: { size: over.size, sha256: over.sha256 } } : {}),
    attributes: stringRecord(m.attributes),
    messageId,
    publishTime,
    ...(typeof m.orderingKey === 'string' && m.orderingKey ? { orderingKey: m.orderingKey } : {}),
  };
}
