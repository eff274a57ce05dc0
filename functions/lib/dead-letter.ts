// Building dead-letter envelopes. Every stage uses this, so the deadletter
// table has one shape whatever failed: stage, named reason, safe detail and
// the raw bytes (capped, with size and hash so a truncated one is still
// identifiable).
import { createHash } from 'node:crypto';
import type { DeadLetterEnvelope } from './events.js';
import type { PermanentError } from './errors.js';
import type { PubSubMessage } from './pubsub-message.js';

export function buildDeadLetter(
  stage: DeadLetterEnvelope['stage'],
  err: PermanentError,
  msg: PubSubMessage,
  opts: { receivedAt: string; payloadMaxBytes: number; deviceId?: string | null; eventId?: string | null },
): DeadLetterEnvelope {
  // An oversize message arrives as a prefix with the whole message's size and hash.
  const size = msg.oversize?.size ?? msg.data.length;
  const truncated = size > opts.payloadMaxBytes || (msg.oversize !== undefined && size > msg.data.length);
  const kept = msg.data.length > opts.payloadMaxBytes ? msg.data.subarray(0, opts.payloadMaxBytes) : msg.data;
  return {
    kind: 'iot.deadletter.v1',
    stage,
    reason: err.reason,
    detail: err.detail.slice(0, 500),
    deviceId: opts.deviceId ?? null,
    eventId: opts.eventId ?? null,
    messageId: msg.messageId || null,
    receivedAt: opts.receivedAt,
    attributes: capAttributes(msg.attributes),
    payload: kept.toString('base64'),
    payloadSize: size,
    payloadSha256: msg.oversize?.sha256 ?? createHash('sha256').update(msg.data).digest('hex'),
    payloadTruncated: truncated,
  };
}

/** Attributes are attacker-controlled too: keep at most 100, with bounded keys and values. */
function capAttributes(attrs: Record<string, string>): Record<string, string> {
  // Null prototype: a key named __proto__ is kept as data, not a prototype change.
  const out: Record<string, string> = Object.create(null);
  let n = 0;
  for (const [k, v] of Object.entries(attrs)) {
    if (n++ >= 100) break;
    out[k.slice(0, 256)] = v.slice(0, 1024);
  }
  return out;
}
