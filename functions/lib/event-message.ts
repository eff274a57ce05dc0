// Messages between the functions carry events in batches:
// `{"events":[...]}` on events-valid and events-enriched. validate and enrich
// batch the events of concurrent requests on one instance into one message
// (EventBatcher: a group commit whose flush is one publish), so a device
// message costs the hops downstream a share of a Pub/Sub request and of a
// Cloud Run request instead of one each. Every event keeps its own eventId,
// so de-duplication, dead letters and replay stay per event. A bare event
// (the format before batching, and what a replayed dead letter carries) is
// read as a batch of one.
import type { Topic } from '@google-cloud/pubsub';
import { PermanentError, TransientError } from './errors.js';
import { GroupCommit } from './group-commit.js';
import { config } from './config.js';
import { publishJson, publisher } from './pubsub-clients.js';

/** One event of a batch message, parsed or refused on its own. */
export type EventSlot<T> = { ok: true; event: T; raw: unknown } | { ok: false; error: PermanentError; raw: unknown };

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export interface EventMessage<T> {
  /** `{"events":[...]}`; false for a bare event. */
  batch: boolean;
  slots: EventSlot<T>[];
}

/**
 * Splits a message body into its events, each checked by `parseOne` (which
 * throws PermanentError for a malformed event). A body that is neither an
 * event nor `{"events":[...]}` is a PermanentError for the whole message.
 */
export function parseEventMessage<T>(data: Buffer, parseOne: (body: unknown) => T, label: string): EventMessage<T> {
  let body: unknown;
  try {
    body = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(data));
  } catch {
    throw new PermanentError('malformed-envelope', `${label}: not UTF-8 JSON`);
  }
  if (!isObj(body)) throw new PermanentError('malformed-envelope', `${label}: body is not an object`);
  const batch = Object.hasOwn(body, 'events');
  const list = batch ? body.events : [body];
  if (!Array.isArray(list)) throw new PermanentError('malformed-envelope', `${label}: events is not an array`);
  if (list.length === 0) throw new PermanentError('malformed-envelope', `${label}: no events`);
  const slots = list.map((raw): EventSlot<T> => {
    try {
      return { ok: true, event: parseOne(raw), raw };
    } catch (err) {
      if (err instanceof PermanentError) return { ok: false, error: err, raw };
      throw err;
    }
  });
  return { batch, slots };
}

/**
 * Where a failed event's dead letter comes from: a bare message fails as a
 * whole (its raw bytes are the payload, as before batching); in a batch only
 * the event does.
 */
export function eventFailure(message: { batch: boolean }, error: PermanentError, raw: unknown): { error: PermanentError; raw: unknown } {
  if (!message.batch) throw error;
  return { error, raw };
}

/** Attributes of a batch message: its size, and the ids when it holds one event (logs, filters). */
export function batchAttributes(events: readonly { eventId: string; deviceId: string }[]): Record<string, string> {
  const a: Record<string, string> = { eventCount: String(events.length) };
  const only = events.length === 1 ? events[0] : undefined;
  if (only) {
    a.eventId = only.eventId;
    a.deviceId = only.deviceId;
  }
  return a;
}

export interface EventBatcherOptions {
  windowMs: number;
  maxEvents: number;
  maxBytes: number;
  /** Per-device messages with orderingKey = deviceId instead of shared batches (PUBLISH_ORDERING_KEYS). */
  ordering: boolean;
}

interface Serialized {
  eventId: string;
  deviceId: string;
  json: string;
  bytes: number;
}

/**
 * Publishes events in shared batch messages. `publish` resolves once the
 * message carrying all of the caller's events is accepted by Pub/Sub, and
 * rejects (TransientError) if it was not, so the caller's delivery is retried.
 */
export class EventBatcher<T extends { eventId: string; deviceId: string }> {
  readonly commit: GroupCommit<Serialized, string> | undefined;

  constructor(
    private readonly topic: Topic,
    private readonly opts: EventBatcherOptions,
  ) {
    // Ordered publishing: one key per message, so events cannot share messages across devices.
    if (opts.ordering) return;
    this.commit = new GroupCommit<Serialized, string>({
      maxItems: opts.maxEvents,
      maxWaitMs: opts.windowMs,
      maxBytes: opts.maxBytes,
      // +1: the comma between events.
      sizeOf: (s) => s.bytes + 1,
      earlyFlush: true,
      // Publishes are cheap to run side by side; the window, not this, makes batches.
      maxInFlight: 16,
      flush: async (items) => {
        const data = Buffer.from(`{"events":[${items.map((s) => s.json).join(',')}]}`, 'utf8');
        const id = await this.topic.publishMessage({ data, attributes: batchAttributes(items) }).catch((err: unknown) => {
          throw new TransientError(`publish to ${this.topic.name} failed`, { cause: err });
        });
        return items.map(() => id);
      },
    });
  }

  async publish(events: readonly T[]): Promise<void> {
    if (events.length === 0) return;
    if (!this.commit) {
      await Promise.all(events.map((ev) => publishJson(this.topic, { events: [ev] }, { attributes: batchAttributes([ev]), orderingKey: ev.deviceId })));
      return;
    }
    const items = events.map((ev) => {
      const json = JSON.stringify(ev);
      return { eventId: ev.eventId, deviceId: ev.deviceId, json, bytes: Buffer.byteLength(json) };
    });
    const commit = this.commit;
    await Promise.all(chunks(items, this.opts.maxEvents, this.opts.maxBytes).map((c) => commit.add(c)));
  }
}

/**
 * A request's events in pieces that each fit one message (at most maxEvents,
 * and maxBytes unless a single event is larger): the group commit keeps a
 * request's items together, so a request bigger than a message is split here.
 */
export function chunks<T extends { bytes: number }>(items: readonly T[], maxEvents: number, maxBytes: number): T[][] {
  const out: T[][] = [];
  let cur: T[] = [];
  let bytes = 0;
  for (const it of items) {
    if (cur.length > 0 && (cur.length >= maxEvents || bytes + it.bytes + 1 > maxBytes)) {
      out.push(cur);
      cur = [];
      bytes = 0;
    }
    cur.push(it);
    bytes += it.bytes + 1;
  }
  if (cur.length > 0) out.push(cur);
  return out;
}

/**
 * The batcher a function publishes its events through, onto `topicName`,
 * with the instance's configured window, size bounds and ordering.
 */
export function configuredBatcher<T extends { eventId: string; deviceId: string }>(topicName: string): EventBatcher<T> {
  const cfg = config();
  const ordering = cfg.publishOrderingKeys;
  return new EventBatcher<T>(publisher(topicName, { ordering }), {
    windowMs: cfg.eventBatchWindowMs,
    maxEvents: cfg.eventBatchMaxEvents,
    maxBytes: cfg.eventBatchMaxBytes,
    ordering,
  });
}
