// sinkFirestore's core: hand the event to the device's coalescer and resolve
// once the transaction that includes it has committed.
import type { EnrichedEvent } from '../lib/events.js';
import type { MessageContext } from '../lib/handle-message.js';
import type { PubSubMessage } from '../lib/pubsub-message.js';
import { parseEnrichedEvent } from '../sinks/enriched-event.js';
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

/** The adapter's whole job after decoding: parse (malformed -> PermanentError), name the ids, run the core. */
export async function processEnrichedMessage(msg: PubSubMessage, ctx: MessageContext, deps: SinkFirestoreDeps): Promise<void> {
  const e = parseEnrichedEvent(msg.data);
  ctx.deviceId = e.deviceId;
  ctx.eventId = e.eventId;
  await sinkFirestoreCore(e, deps);
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
