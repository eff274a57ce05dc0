// sinkFirestore's core: hand each event of a (batch) message to its device's
// coalescer and resolve once every transaction that includes one of them has
// committed. A malformed event is dead-lettered on its own; a failed commit
// is thrown, so the whole delivery is retried (merging is idempotent: per
// field last-writer-wins by event time).
import type { EnrichedEvent } from '../lib/events.js';
import { eventFailure, parseEventMessage } from '../lib/event-message.js';
import type { EventFailure, MessageContext } from '../lib/handle-message.js';
import type { PubSubMessage } from '../lib/pubsub-message.js';
import { enrichedEventFrom } from '../sinks/enriched-event.js';
import type { Timers } from '../lib/group-commit.js';
import { KeyedCoalescer } from './coalescer.js';
import type { StateEvent } from './merge-state.js';
import type { StateStore } from './state-store.js';

export interface SinkFirestoreDeps {
  enqueue(deviceId: string, event: StateEvent): Promise<void>;
}

export function sinkFirestoreCore(event: EnrichedEvent, deps: SinkFirestoreDeps): Promise<void> {
  return deps.enqueue(event.deviceId, event);
}

/** The adapter's whole job after decoding: split the batch, enqueue every event, wait for all of them. */
export async function processEnrichedMessage(msg: PubSubMessage, ctx: MessageContext, deps: SinkFirestoreDeps): Promise<void> {
  const message = parseEventMessage(msg.data, enrichedEventFrom, 'enriched event');
  const failures: EventFailure[] = [];
  const pending: Promise<void>[] = [];
  for (const s of message.slots) {
    if (!s.ok) {
      failures.push(eventFailure(message, s.error, s.raw));
      continue;
    }
    ctx.deviceId ??= s.event.deviceId;
    if (!message.batch) ctx.eventId = s.event.eventId;
    pending.push(sinkFirestoreCore(s.event, deps));
  }
  // Every commit settles before the answer, so a retry never races a commit still running.
  const settled = await Promise.allSettled(pending);
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  await ctx.deadLetterEvents(failures);
}

/** A coalescer that commits each device's pending events through `store`. */
export function deviceStateCoalescer(store: StateStore, windowMs: number, timers?: Timers): KeyedCoalescer<StateEvent> {
  return new KeyedCoalescer<StateEvent>({
    windowMs,
    commit: async (deviceId, events) => {
      await store.apply(deviceId, events);
    },
    ...(timers ? { timers } : {}),
  });
}
