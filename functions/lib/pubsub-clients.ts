// Pub/Sub clients at module scope: one PubSub client and one Topic publisher
// per (topic, ordering) per instance, created on first use, so a function
// instance reuses connections and batches across concurrent requests.
import { PubSub, type Topic } from '@google-cloud/pubsub';
import { TransientError } from './errors.js';
import { config } from './config.js';

/**
 * Batching for functions: flush quickly (a request waits for its publish) but
 * still let concurrent requests in one instance share a publish call
 * (PUBLISH_BATCH_MAX_MS).
 */
export function functionBatching(): { maxMessages: number; maxMilliseconds: number } {
  return { maxMessages: 100, maxMilliseconds: config().publishBatchMaxMs };
}

let client: PubSub | undefined;
const topics = new Map<string, Topic>();

/** The instance's PubSub client (PUBSUB_EMULATOR_HOST points it at the emulator). */
export function pubsub(): PubSub {
  client ??= new PubSub({ projectId: config().projectId });
  return client;
}

/** A cached publisher for `topicName`; `ordering` enables ordering keys on it. */
export function publisher(topicName: string, opts: { ordering?: boolean } = {}): Topic {
  const ordering = opts.ordering ?? false;
  const key = `${topicName}\u0000${ordering}`;
  let topic = topics.get(key);
  if (!topic) {
    topic = pubsub().topic(topicName, { messageOrdering: ordering, batching: functionBatching() });
    topics.set(key, topic);
  }
  return topic;
}

export interface PublishJsonOptions {
  attributes?: Record<string, string>;
  /** Only on a publisher created with ordering: true. */
  orderingKey?: string;
}

/**
 * Publishes `body` as JSON and resolves with the message id. A failure is
 * transient (TransientError, so the caller's message is retried); with an
 * ordering key the key is resumed first, since the client pauses a key after
 * a failed publish and would reject every later message for it.
 */
export async function publishJson(topic: Topic, body: unknown, opts: PublishJsonOptions = {}): Promise<string> {
  const data = Buffer.from(JSON.stringify(body), 'utf8');
  try {
    return await topic.publishMessage({
      data,
      ...(opts.attributes ? { attributes: opts.attributes } : {}),
      ...(opts.orderingKey ? { orderingKey: opts.orderingKey } : {}),
    });
  } catch (err) {
    if (opts.orderingKey) topic.resumePublishing(opts.orderingKey);
    throw new TransientError(`publish to ${topic.name} failed`, { cause: err });
  }
}

/** Flushes and closes every publisher and the client (tools and tests; functions never need it). */
export async function closePubSub(): Promise<void> {
  const all = [...topics.values()];
  topics.clear();
  await Promise.allSettled(all.map((t) => t.flush()));
  const c = client;
  client = undefined;
  if (c) await c.close();
}
