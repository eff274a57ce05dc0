// The ONE place that decides retry vs dead letter, shared by all five
// functions: a PermanentError is published to events-deadletter (stage,
// reason, raw bytes) and the message is acked; anything else is logged (ids
// only) and rethrown, so the framework answers 500 and Pub/Sub redelivers.
import type { CloudEvent } from '@google-cloud/functions-framework';
import { buildDeadLetter } from './dead-letter.js';
import { config } from './config.js';
import { isPermanent, PermanentError } from './errors.js';
import type { DeadLetterEnvelope } from './events.js';
import { logger } from './logger.js';
import { fromCloudEvent, type PubSubMessage } from './pubsub-message.js';
import { publishJson, publisher } from './pubsub-clients.js';
import { canonicalNow } from './canonical-time.js';

export type Stage = DeadLetterEnvelope['stage'];

/** Ids learned while processing; `process` may fill them in so a later failure names them. */
export interface MessageContext {
  deviceId?: string;
  eventId?: string;
  /** Dead-letters some events of this (batch) message one by one; the rest of it goes on. */
  deadLetterEvents(failures: readonly EventFailure[]): Promise<void>;
}

export interface HandleDeps {
  publishDeadLetter(envelope: DeadLetterEnvelope): Promise<void>;
  payloadMaxBytes: number;
  now(): Date;
}

function defaultDeps(): HandleDeps {
  const cfg = config();
  return {
    payloadMaxBytes: cfg.deadLetterPayloadMaxBytes,
    now: () => new Date(),
    publishDeadLetter: async (env) => {
      const attributes: Record<string, string> = { stage: env.stage, reason: env.reason };
      if (env.deviceId) attributes.deviceId = env.deviceId;
      if (env.eventId) attributes.eventId = env.eventId;
      await publishJson(publisher(cfg.topicDeadLetter), env, { attributes });
    },
  };
}

let instanceDeps: HandleDeps | undefined;

export interface HandleOptions {
  /**
   * Where this stage's permanent failures go instead of events-deadletter:
   * sinkDeadletter stores them itself, since publishing them back to its own
   * topic would loop. Given the message as received (for a broken CloudEvent,
   * the event's data as JSON text).
   */
  onPermanent?: (err: PermanentError, msg: PubSubMessage) => Promise<void>;
  /**
   * Messages larger than this are dead-lettered as `oversize` from the
   * encoded data's length, without ever being decoded whole (validate:
   * MAX_MESSAGE_BYTES). Unset: every message is decoded.
   */
  maxDataBytes?: number;
}

/**
 * Decodes the Pub/Sub CloudEvent, runs `process`, and applies the retry rule.
 * Resolves normally (ack) on success and on a dead-lettered permanent error.
 */
export async function handlePubSubEvent(
  stage: Stage,
  event: CloudEvent<unknown>,
  process: (msg: PubSubMessage, ctx: MessageContext) => Promise<void>,
  deps?: HandleDeps,
  options: HandleOptions = {},
): Promise<void> {
  let msg: PubSubMessage;
  try {
    const limits =
      options.maxDataBytes === undefined ? undefined : { maxDataBytes: options.maxDataBytes, keepBytes: (deps ?? (instanceDeps ??= defaultDeps())).payloadMaxBytes };
    msg = fromCloudEvent(event, limits);
  } catch (err) {
    if (!isPermanent(err)) throw err;
    // The platform's envelope itself is broken: keep what we got as the payload.
    msg = { data: Buffer.from(safeStringify(event.data), 'utf8'), attributes: {}, messageId: String(event.id ?? ''), publishTime: String(event.time ?? '') };
    await (options.onPermanent ? options.onPermanent(err, msg) : deadLetter(stage, err, msg, {}, deps));
    return;
  }
  const received = msg;
  const ctx: MessageContext = { deadLetterEvents: (failures) => deadLetterEvents(stage, received, failures, deps) };
  if (msg.oversize && options.maxDataBytes !== undefined) {
    const err = new PermanentError('oversize', `${msg.oversize.size} bytes > ${options.maxDataBytes}`);
    await (options.onPermanent ? options.onPermanent(err, msg) : deadLetter(stage, err, msg, ctx, deps));
    return;
  }
  try {
    await process(msg, ctx);
  } catch (err) {
    if (isPermanent(err)) {
      await (options.onPermanent ? options.onPermanent(err, msg) : deadLetter(stage, err, msg, ctx, deps));
      return;
    }
    logger.error('processing failed, will be retried', {
      stage,
      messageId: msg.messageId,
      ...(ctx.deviceId ? { deviceId: ctx.deviceId } : {}),
      ...(ctx.eventId ? { eventId: ctx.eventId } : {}),
      error: err instanceof Error ? err.name : 'unknown',
      // Error messages are ours (names, limits), never payloads.
      detail: err instanceof Error ? err.message.slice(0, 300) : '',
    });
    throw err;
  }
}

/** One event of a batch message that failed for good, with the event as it arrived. */
export interface EventFailure {
  error: PermanentError;
  raw: unknown;
}

/**
 * Dead-letters events of a batch message one by one (the rest of the batch
 * goes on): each envelope carries that event alone as its payload, so a
 * replay republishes only it, and names its own ids. Throws when a dead
 * letter cannot be published, so the whole delivery is retried.
 */
export async function deadLetterEvents(stage: Stage, msg: PubSubMessage, failures: readonly EventFailure[], deps?: HandleDeps): Promise<void> {
  await Promise.all(
    failures.map(({ error, raw }) => {
      const ids = idsOf(raw);
      // The event's own ids replace the batch's attributes that no longer hold for it.
      const { eventCount: _count, ...attributes } = msg.attributes;
      if (ids.deviceId) attributes.deviceId = ids.deviceId;
      if (ids.eventId) attributes.eventId = ids.eventId;
      const one: PubSubMessage = { ...msg, attributes, data: Buffer.from(safeStringify(raw), 'utf8') };
      return deadLetter(stage, error, one, { ...(ids.deviceId ? { deviceId: ids.deviceId } : {}), ...(ids.eventId ? { eventId: ids.eventId } : {}) }, deps);
    }),
  );
}

function idsOf(raw: unknown): Pick<MessageContext, 'deviceId' | 'eventId'> {
  if (typeof raw !== 'object' || raw === null) return {};
  const r = raw as Record<string, unknown>;
  return {
    ...(typeof r.deviceId === 'string' ? { deviceId: r.deviceId.slice(0, 128) } : {}),
    ...(typeof r.eventId === 'string' ? { eventId: r.eventId.slice(0, 300) } : {}),
  };
}

async function deadLetter(stage: Stage, err: PermanentError, msg: PubSubMessage, ctx: Pick<MessageContext, 'deviceId' | 'eventId'>, deps: HandleDeps | undefined): Promise<void> {
  const d = deps ?? (instanceDeps ??= defaultDeps());
  const deviceId = err.deviceId ?? ctx.deviceId ?? null;
  const eventId = err.eventId ?? ctx.eventId ?? null;
  const fields = {
    stage,
    reason: err.reason,
    messageId: msg.messageId,
    ...(deviceId ? { deviceId } : {}),
    ...(eventId ? { eventId } : {}),
  };
  if (stage === 'sinkDeadletter') {
    // Publishing a dead letter's failure back to events-deadletter would loop
    // through this very function: log it loudly and ack instead.
    logger.error('dead letter could not be stored, dropped', fields);
    return;
  }
  const envelope = buildDeadLetter(stage, err, msg, { receivedAt: canonicalNow(d.now()), payloadMaxBytes: d.payloadMaxBytes, deviceId, eventId });
  // A failed publish throws (transient): the original message is retried.
  await d.publishDeadLetter(envelope);
  logger.info('dead-lettered', fields);
}

function safeStringify(v: unknown): string {
  try {
    return JSON.stringify(v) ?? '';
  } catch {
    return '';
  }
}
