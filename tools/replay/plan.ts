// Deciding what a replay re-publishes, and where (pure). The same raw bytes
// go back to the topic the failing stage reads, so the eventId derived from
// them is the same and the sinks' idempotency (insertId, per-field
// last-writer-wins) absorbs a message that was replayed twice.
import { createHash } from 'node:crypto';
import { FUNCTIONS, FUNCTION_NAMES, TOPICS, type FunctionName } from '../../functions/lib/names.js';
import { plainValue } from '../lib/bigquery-query.js';

/** Attributes Pub/Sub adds when it dead-letters a message; never sent back. */
export const PUBSUB_DEADLETTER_PREFIX = 'CloudPubSubDeadLetter';
export const REPLAY_ATTRIBUTE = 'replayOf';

export interface DeadLetterRow {
  receivedAt: string;
  stage: string;
  reason: string;
  detail: string | null;
  deviceId: string | null;
  eventId: string | null;
  messageId: string | null;
  attributes: Record<string, string>;
  /** Raw bytes as stored (possibly only a prefix: see truncated). */
  payload: Buffer | null;
  payloadSize: number;
  payloadSha256: string;
  truncated: boolean;
}

export type SkipReason = 'truncated' | 'no-payload' | 'hash-mismatch' | 'no-target' | 'duplicate';

export interface PlanItem {
  row: DeadLetterRow;
  action: 'publish' | 'skip';
  skip?: SkipReason;
  skipDetail?: string;
  topic?: string;
  attributes?: Record<string, string>;
}

/** BigQuery row (as the client returns it) -> DeadLetterRow; tolerant of JSON as string or object, BYTES as Buffer or base64. */
export function toDeadLetterRow(r: Record<string, unknown>): DeadLetterRow {
  const str = (v: unknown): string | null => {
    const p = plainValue(v);
    return p === null || p === undefined ? null : String(p);
  };
  let attrs: unknown = r.attributes;
  if (typeof attrs === 'string') {
    try {
      attrs = JSON.parse(attrs);
    } catch {
      attrs = {};
    }
  }
  const attributes: Record<string, string> = Object.create(null);
  if (attrs && typeof attrs === 'object' && !Array.isArray(attrs)) {
    for (const [k, v] of Object.entries(attrs)) if (typeof v === 'string') attributes[k] = v;
  }
  const p = r.payload;
  const payload = Buffer.isBuffer(p) ? p : typeof p === 'string' ? Buffer.from(p, 'base64') : p instanceof Uint8Array ? Buffer.from(p) : null;
  return {
    receivedAt: str(r.received_at) ?? '',
    stage: str(r.stage) ?? '',
    reason: str(r.reason) ?? '',
    detail: str(r.detail),
    deviceId: str(r.device_id),
    eventId: str(r.event_id),
    messageId: str(r.message_id),
    attributes,
    payload,
    payloadSize: Number(plainValue(r.payload_size) ?? 0),
    payloadSha256: str(r.payload_sha256) ?? '',
    truncated: r.payload_truncated === true || r.payload_truncated === 'true',
  };
}

/** The topic whose subscriber failed: the stage is a function name (or was mapped to one). */
export function targetTopic(stage: string): string | undefined {
  if (!(FUNCTION_NAMES as readonly string[]).includes(stage)) return undefined;
  const topic = FUNCTIONS[stage as FunctionName].topic;
  // sinkDeadletter failing means the envelope itself was bad: sending it back there changes nothing.
  return topic === TOPICS.deadLetter ? undefined : topic;
}

export function replayAttributes(row: DeadLetterRow): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(row.attributes)) {
    if (k.startsWith(PUBSUB_DEADLETTER_PREFIX) || k === REPLAY_ATTRIBUTE) continue;
    out[k] = v;
  }
  out[REPLAY_ATTRIBUTE] = row.messageId ?? `sha256:${row.payloadSha256.slice(0, 16)}`;
  return out;
}

/**
 * One item per row: publish (with topic and attributes) or skip with a
 * reason. Within one replay the same bytes for the same topic go once, even
 * when they were dead-lettered several times (a redelivery, an earlier replay).
 */
export function planReplay(rows: readonly DeadLetterRow[], opts: { topicOverride?: string } = {}): PlanItem[] {
  const seen = new Map<string, string>();
  return rows.map((row): PlanItem => {
    if (row.truncated) return { row, action: 'skip', skip: 'truncated', skipDetail: `only ${row.payload?.length ?? 0} of ${row.payloadSize} bytes were kept` };
    if (!row.payload) return { row, action: 'skip', skip: 'no-payload', skipDetail: 'no payload stored' };
    const sha = createHash('sha256').update(row.payload).digest('hex');
    if (row.payloadSha256 && sha !== row.payloadSha256) return { row, action: 'skip', skip: 'hash-mismatch', skipDetail: 'stored bytes do not match payload_sha256' };
    const topic = opts.topicOverride ?? targetTopic(row.stage);
    if (!topic) return { row, action: 'skip', skip: 'no-target', skipDetail: `stage ${row.stage} has no topic to replay to (use --topic)` };
    const key = `${topic}\u0000${sha}`;
    const first = seen.get(key);
    if (first !== undefined) return { row, action: 'skip', skip: 'duplicate', skipDetail: `same bytes as message ${first} in this replay` };
    seen.set(key, row.messageId ?? sha.slice(0, 16));
    return { row, action: 'publish', topic, attributes: replayAttributes(row) };
  });
}
