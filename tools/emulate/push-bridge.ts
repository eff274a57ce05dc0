// Production-like push delivery for the local stack. The emulator's push
// keeps at most 2 requests in flight per subscription (shared/EMULATORS.md),
// while production push ramps up and a Cloud Run instance takes 80 concurrent
// requests. So each function gets a PULL subscription, pulled with no more
// messages than there are free request slots (80 per subscription), and every
// message is POSTed to the function in exactly the body Pub/Sub push sends.
// 2xx acks; anything else hands the message back with an ack deadline equal
// to an exponential backoff (a subscription's retryPolicy: 1 s .. 60 s), so
// the emulator redelivers it then, counts the attempt and applies the
// subscription's deadLetterPolicy (measured: it does for pull subscriptions,
// with deliveryAttempt set; docs/local-vs-cloud.md).
import { v1, type PubSub } from '@google-cloud/pubsub';

export interface BridgeTarget {
  /** Component name for logs (the function). */
  name: string;
  /** Concurrent requests to this target (default: the bridge's `concurrency`). */
  concurrency?: number;
  subscription: string;
  topic: string;
  /** Function base URL, e.g. http://127.0.0.1:8090 */
  url: string;
  /**
   * One outstanding delivery per ordering key, as an ordered push
   * subscription does (default true). false: keys are ignored, as on a
   * subscription without message ordering (infra/ ordered_subscriptions).
   */
  ordered?: boolean;
}

export interface BridgeOptions {
  pubsub: PubSub;
  projectId: string;
  targets: BridgeTarget[];
  /** Concurrent requests per subscription (one Cloud Run instance takes 80). */
  concurrency?: number;
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /** A request that takes longer counts as a failed delivery (push's ack deadline). */
  requestTimeoutMs?: number;
  log?: (component: string, line: string) => void;
}

export interface TargetStats {
  inFlight: number;
  maxInFlight: number;
  delivered: number;
  acked: number;
  failed: number;
  /** Highest deliveryAttempt seen (0 when the subscription has no dead-letter policy). */
  maxDeliveryAttempt: number;
}

/**
 * One push request as the bench's cost measures need it: when it was sent
 * and answered (performance.now ms: request-based Cloud Run bills these
 * spans), and the message's size as Pub/Sub bills it (data, attribute keys
 * and values, 20 bytes of timestamp, the message id).
 */
export interface DeliveryRecord {
  startMs: number;
  endMs: number;
  messageBytes: number;
}

/** Deliveries kept per target for the bench (a bounded log: the oldest go first). */
const MAX_RECORDS = 200_000;

export const DEFAULT_CONCURRENCY = 80;
export const DEFAULT_MIN_BACKOFF_MS = 1000;
export const DEFAULT_MAX_BACKOFF_MS = 60_000;

/** One pulled message, as the bridge needs it. */
export interface PulledMessage {
  id: string;
  ackId: string;
  data: Buffer;
  attributes: Record<string, string>;
  /** RFC 3339 */
  publishTime: string;
  orderingKey: string;
  /** 1-based with a dead-letter policy, else 0. */
  deliveryAttempt: number;
}

/** The JSON body Pub/Sub push POSTs (both spellings of ids and times, as the service sends them). */
export function pushBody(
  projectId: string,
  subscription: string,
  // A pulled message, or a client library Message (publishTime a Date).
  m: { id: string; data: Buffer; attributes: Record<string, string>; publishTime: string | Date; orderingKey?: string; deliveryAttempt?: number },
): Record<string, unknown> {
  const publishTime = typeof m.publishTime === 'string' ? m.publishTime : m.publishTime.toISOString();
  return {
    subscription: `projects/${projectId}/subscriptions/${subscription}`,
    message: {
      data: m.data.toString('base64'),
      attributes: { ...m.attributes },
      messageId: m.id,
      message_id: m.id,
      publishTime,
      publish_time: publishTime,
      ...(m.orderingKey ? { orderingKey: m.orderingKey } : {}),
    },
    ...(m.deliveryAttempt ? { deliveryAttempt: m.deliveryAttempt } : {}),
  };
}

/** The fields of a Pull response message the bridge reads (protobuf shape, every field optional). */
interface ReceivedMessage {
  ackId?: string | null;
  deliveryAttempt?: number | null;
  message?: {
    data?: Uint8Array | string | null;
    attributes?: Record<string, string> | null;
    messageId?: string | null;
    publishTime?: { seconds?: unknown; nanos?: unknown } | null;
    orderingKey?: string | null;
  } | null;
}

function timestampText(ts: { seconds?: unknown; nanos?: unknown } | null | undefined): string {
  if (!ts) return new Date().toISOString();
  const ms = Number(ts.seconds ?? 0) * 1000 + Math.floor(Number(ts.nanos ?? 0) / 1e6);
  return new Date(ms).toISOString();
}

function fromReceived(rm: ReceivedMessage): PulledMessage {
  const m = rm.message ?? {};
  const data = typeof m.data === 'string' ? Buffer.from(m.data, 'base64') : m.data ? Buffer.from(m.data) : Buffer.alloc(0);
  return {
    id: String(m.messageId ?? ''),
    ackId: String(rm.ackId ?? ''),
    data,
    attributes: { ...(m.attributes ?? {}) },
    publishTime: timestampText(m.publishTime),
    orderingKey: String(m.orderingKey ?? ''),
    deliveryAttempt: Number(rm.deliveryAttempt ?? 0),
  };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Backoff before the nack that follows failed attempt `attempt` (1-based), like retryPolicy's exponential backoff. */
export function backoffMs(attempt: number, minMs: number, maxMs: number): number {
  return Math.min(maxMs, minMs * 2 ** Math.max(0, attempt - 1));
}

/**
 * One subscription. Messages are pulled with unary Pull, never more than
 * there are free request slots: the emulator's streaming pull ignores the
 * client's flow control, so a backlog sat leased in the client, leases ran
 * out, and each redelivery counted toward maxDeliveryAttempts (measured:
 * 297 extra deliveries for 6,000 messages behind a 75 s backlog).
 */
class TargetPump {
  readonly stats: TargetStats = { inFlight: 0, maxInFlight: 0, delivered: 0, acked: 0, failed: 0, maxDeliveryAttempt: 0 };
  readonly records: DeliveryRecord[] = [];
  private readonly client: v1.SubscriberClient;
  private readonly subscriptionPath: string;
  /** Pulled and not yet acked or handed back (waiting for its ordering key counts). */
  private outstanding = 0;
  private readonly leased = new Map<string, number>();
  private slotWaiter: (() => void) | undefined;
  /** Ordering keys: the next message of a key waits for the previous one (what an ordered subscription guarantees). */
  private readonly keyTails = new Map<string, Promise<void>>();
  private pendingAcks: string[] = [];
  private ackTimer: NodeJS.Timeout | undefined;
  private leaseTimer: NodeJS.Timeout | undefined;
  private loop: Promise<void> | undefined;
  private closed = false;
  private pendingPull: { cancel?: () => void } | undefined;

  constructor(
    private readonly t: BridgeTarget,
    private readonly o: Required<Omit<BridgeOptions, 'targets' | 'log'>> & { log: (c: string, l: string) => void },
  ) {
    // The PubSub object already resolved the emulator endpoint (PUBSUB_EMULATOR_HOST or apiEndpoint).
    this.client = new v1.SubscriberClient(o.pubsub.options as ConstructorParameters<typeof v1.SubscriberClient>[0]);
    this.subscriptionPath = `projects/${o.projectId}/subscriptions/${t.subscription}`;
  }

  start(): void {
    this.loop = this.pullLoop();
    // Messages still leased after 20 s (a slow function, or waiting behind their key) get 60 s more.
    this.leaseTimer = setInterval(() => void this.extendLeases(), 10_000);
  }

  private async pullLoop(): Promise<void> {
    let idleMs = 5;
    let errors = 0;
    while (!this.closed) {
      const free = (this.t.concurrency ?? this.o.concurrency) - this.outstanding;
      if (free <= 0) {
        await new Promise<void>((r) => (this.slotWaiter = r));
        continue;
      }
      let received: ReceivedMessage[];
      try {
        // The emulator holds a pull open until messages come or the timeout
        // passes: stop() cancels it (gax returns a cancellable promise) instead
        // of waiting up to 30 s.
        const call = this.client.pull({ subscription: this.subscriptionPath, maxMessages: Math.min(free, 1000) }, { timeout: 30_000 });
        this.pendingPull = call as { cancel?: () => void };
        const [res] = await call;
        received = (res.receivedMessages ?? []) as ReceivedMessage[];
        errors = 0;
      } catch (err) {
        if (this.closed) return;
        if (errors++ % 20 === 0) this.o.log('bridge', `${this.t.subscription}: pull failed: ${(err as Error).message}`);
        await sleep(500);
        continue;
      }
      if (!received.length) {
        await sleep(idleMs);
        idleMs = Math.min(100, idleMs * 2);
        continue;
      }
      idleMs = 5;
      for (const rm of received) {
        const m = fromReceived(rm);
        this.outstanding++;
        this.leased.set(m.ackId, Date.now());
        this.onMessage(m);
      }
    }
  }

  private release(ackId: string): void {
    this.leased.delete(ackId);
    this.outstanding--;
    const w = this.slotWaiter;
    this.slotWaiter = undefined;
    w?.();
  }

  private onMessage(m: PulledMessage): void {
    const key = m.orderingKey;
    if (!key || this.t.ordered === false) {
      void this.deliver(m);
      return;
    }
    const prev = this.keyTails.get(key) ?? Promise.resolve();
    const next = prev.then(() => this.deliver(m));
    this.keyTails.set(key, next);
    void next.then(() => {
      if (this.keyTails.get(key) === next) this.keyTails.delete(key);
    });
  }

  private async deliver(m: PulledMessage): Promise<void> {
    if (this.closed) return;
    if (m.deliveryAttempt > this.stats.maxDeliveryAttempt) this.stats.maxDeliveryAttempt = m.deliveryAttempt;
    this.stats.inFlight++;
    if (this.stats.inFlight > this.stats.maxInFlight) this.stats.maxInFlight = this.stats.inFlight;
    let ok = false;
    let why = '';
    const startMs = performance.now();
    try {
      const res = await fetch(`${this.t.url}/projects/${this.o.projectId}/topics/${this.t.topic}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(pushBody(this.o.projectId, this.t.subscription, m)),
        signal: AbortSignal.timeout(this.o.requestTimeoutMs),
      });
      await res.arrayBuffer();
      ok = res.status >= 200 && res.status < 300;
      if (!ok) why = `HTTP ${res.status}`;
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      why = (err as Error).name === 'TimeoutError' ? `timeout after ${this.o.requestTimeoutMs} ms` : `${(err as Error).message}${cause ? ` (${cause.code ?? cause.message ?? ''})` : ''}`;
    } finally {
      this.stats.inFlight--;
    }
    let messageBytes = m.data.length + 20 + Buffer.byteLength(m.id);
    for (const [k, v] of Object.entries(m.attributes)) messageBytes += Buffer.byteLength(k) + Buffer.byteLength(v);
    if (this.records.length >= MAX_RECORDS) this.records.shift();
    this.records.push({ startMs, endMs: performance.now(), messageBytes });
    this.stats.delivered++;
    if (ok) {
      this.stats.acked++;
      this.ack(m.ackId);
      this.release(m.ackId);
      return;
    }
    this.stats.failed++;
    const attempt = Math.max(1, m.deliveryAttempt);
    const wait = backoffMs(attempt, this.o.minBackoffMs, this.o.maxBackoffMs);
    if (this.stats.failed <= 20 || this.stats.failed % 100 === 0) {
      this.o.log('bridge', `${this.t.name}: message ${m.id} attempt ${attempt} failed (${why}); retry in ${wait} ms [${this.stats.failed} failures so far]`);
    }
    // Hand it back with a deadline of the backoff: the emulator redelivers it
    // then and counts the attempt toward maxDeliveryAttempts. Nothing is held
    // here, so a failing message takes no request slot while it waits.
    this.release(m.ackId);
    try {
      await this.client.modifyAckDeadline({ subscription: this.subscriptionPath, ackIds: [m.ackId], ackDeadlineSeconds: Math.max(1, Math.round(wait / 1000)) });
    } catch (err) {
      if (!this.closed) this.o.log('bridge', `${this.t.subscription}: modifyAckDeadline failed: ${(err as Error).message}`);
    }
  }

  private ack(ackId: string): void {
    this.pendingAcks.push(ackId);
    if (this.pendingAcks.length >= 500) void this.flushAcks();
    else this.ackTimer ??= setTimeout(() => void this.flushAcks(), 20);
  }

  private async flushAcks(): Promise<void> {
    if (this.ackTimer) clearTimeout(this.ackTimer);
    this.ackTimer = undefined;
    const ackIds = this.pendingAcks;
    this.pendingAcks = [];
    if (!ackIds.length) return;
    try {
      await this.client.acknowledge({ subscription: this.subscriptionPath, ackIds });
    } catch (err) {
      // Unacked messages come back after their deadline: a duplicate delivery, never a loss.
      this.o.log('bridge', `${this.t.subscription}: acknowledge of ${ackIds.length} failed: ${(err as Error).message}`);
    }
  }

  private async extendLeases(): Promise<void> {
    const old = [...this.leased].filter(([, since]) => Date.now() - since > 20_000).map(([id]) => id);
    if (!old.length || this.closed) return;
    for (const id of old) this.leased.set(id, Date.now());
    try {
      await this.client.modifyAckDeadline({ subscription: this.subscriptionPath, ackIds: old, ackDeadlineSeconds: 60 });
    } catch {
      // the next round tries again
    }
  }

  /** Bounded: a pull or an acknowledge that does not finish within `ms` is left behind (the emulator is stopped next). */
  async stop(ms = 1000): Promise<void> {
    this.closed = true;
    if (this.leaseTimer) clearInterval(this.leaseTimer);
    this.slotWaiter?.();
    this.pendingPull?.cancel?.();
    await within(ms, Promise.all([this.flushAcks(), this.loop?.catch(() => undefined)]));
    await within(ms, this.client.close());
  }
}

/** Waits for `p`, but no longer than `ms`. */
async function within(ms: number, p: Promise<unknown>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([p.catch(() => undefined), new Promise<void>((r) => (timer = setTimeout(r, ms)))]);
  clearTimeout(timer);
}

export class PushBridge {
  private readonly pumps = new Map<string, TargetPump>();

  constructor(private readonly opts: BridgeOptions) {
    const o = {
      pubsub: opts.pubsub,
      projectId: opts.projectId,
      concurrency: opts.concurrency ?? DEFAULT_CONCURRENCY,
      minBackoffMs: opts.minBackoffMs ?? DEFAULT_MIN_BACKOFF_MS,
      maxBackoffMs: opts.maxBackoffMs ?? DEFAULT_MAX_BACKOFF_MS,
      requestTimeoutMs: opts.requestTimeoutMs ?? 60_000,
      log: opts.log ?? (() => undefined),
    };
    for (const t of opts.targets) this.pumps.set(t.name, new TargetPump(t, o));
  }

  start(): void {
    for (const p of this.pumps.values()) p.start();
  }

  /** Per-target counters (for tests, measurements and the dashboard). */
  /** Every delivery's span and size per target since the start (bounded: MAX_RECORDS each). */
  records(): Record<string, readonly DeliveryRecord[]> {
    const out: Record<string, readonly DeliveryRecord[]> = {};
    for (const [name, p] of this.pumps) out[name] = p.records;
    return out;
  }

  stats(): Record<string, TargetStats> {
    const out: Record<string, TargetStats> = {};
    for (const [name, p] of this.pumps) out[name] = { ...p.stats };
    return out;
  }

  async stop(): Promise<void> {
    await Promise.all([...this.pumps.values()].map((p) => p.stop()));
  }
}
