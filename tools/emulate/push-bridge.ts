// Production-like push delivery for the local stack. The emulator's push
// keeps at most 2 requests in flight per subscription (shared/EMULATORS.md),
// while production push ramps up and a Cloud Run instance takes 80 concurrent
// requests. So each function gets a PULL subscription consumed by streaming
// pull with flow control, and every message is POSTed to the function in
// exactly the body Pub/Sub push sends. 2xx acks; anything else is held for an
// exponential backoff (a subscription's retryPolicy: 1 s .. 60 s) and then
// nacked, so the emulator counts the attempt and applies the subscription's
// deadLetterPolicy (measured: it does for pull subscriptions, with
// message.deliveryAttempt set; docs/local-vs-cloud.md).
import { Duration, type Message, type PubSub, type Subscription } from '@google-cloud/pubsub';

export interface BridgeTarget {
  /** Component name for logs (the function). */
  name: string;
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

export const DEFAULT_CONCURRENCY = 80;
export const DEFAULT_MIN_BACKOFF_MS = 1000;
export const DEFAULT_MAX_BACKOFF_MS = 60_000;

/** The JSON body Pub/Sub push POSTs (both spellings of ids and times, as the service sends them). */
export function pushBody(projectId: string, subscription: string, m: Message): Record<string, unknown> {
  const publishTime = m.publishTime.toISOString();
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

/** Backoff before the nack that follows failed attempt `attempt` (1-based), like retryPolicy's exponential backoff. */
export function backoffMs(attempt: number, minMs: number, maxMs: number): number {
  return Math.min(maxMs, minMs * 2 ** Math.max(0, attempt - 1));
}

class Semaphore {
  private waiting: (() => void)[] = [];
  constructor(private free: number) {}
  async acquire(): Promise<void> {
    if (this.free > 0) {
      this.free--;
      return;
    }
    await new Promise<void>((r) => this.waiting.push(r));
  }
  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.free++;
  }
}

class TargetPump {
  readonly stats: TargetStats = { inFlight: 0, maxInFlight: 0, delivered: 0, acked: 0, failed: 0, maxDeliveryAttempt: 0 };
  private sub: Subscription | undefined;
  private readonly http: Semaphore;
  /** Ordering keys: the next message of a key waits for the previous one (what an ordered subscription guarantees). */
  private readonly keyTails = new Map<string, Promise<void>>();
  private readonly holds = new Set<NodeJS.Timeout>();
  private closed = false;

  constructor(
    private readonly t: BridgeTarget,
    private readonly o: Required<Omit<BridgeOptions, 'targets' | 'log'>> & { log: (c: string, l: string) => void },
  ) {
    this.http = new Semaphore(o.concurrency);
  }

  start(): void {
    // Messages waiting in backoff stay leased but do not take an HTTP slot,
    // so flow control admits more than the request concurrency.
    // Leases of 60 s (the subscription's ack deadline) and up: with the
    // client's default 10 s, a busy machine renews late, the emulator
    // redelivers, and each redelivery counts toward maxDeliveryAttempts, so
    // a message that is merely slow ends up dead-lettered.
    this.sub = this.o.pubsub.subscription(this.t.subscription, {
      flowControl: { maxMessages: this.o.concurrency * 2, allowExcessMessages: false },
      streamingOptions: { maxStreams: 1 },
      minAckDeadline: Duration.from({ seconds: 60 }),
      maxAckDeadline: Duration.from({ seconds: 600 }),
    });
    this.sub.on('message', (m: Message) => this.onMessage(m));
    this.sub.on('error', (err: Error) => this.o.log('bridge', `${this.t.subscription}: ${err.message}`));
  }

  private onMessage(m: Message): void {
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

  private async deliver(m: Message): Promise<void> {
    if (m.deliveryAttempt > this.stats.maxDeliveryAttempt) this.stats.maxDeliveryAttempt = m.deliveryAttempt;
    await this.http.acquire();
    this.stats.inFlight++;
    if (this.stats.inFlight > this.stats.maxInFlight) this.stats.maxInFlight = this.stats.inFlight;
    let ok = false;
    let why = '';
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
      this.http.release();
    }
    this.stats.delivered++;
    if (ok) {
      this.stats.acked++;
      m.ack();
      return;
    }
    this.stats.failed++;
    const attempt = Math.max(1, m.deliveryAttempt);
    const wait = backoffMs(attempt, this.o.minBackoffMs, this.o.maxBackoffMs);
    if (this.stats.failed <= 20 || this.stats.failed % 100 === 0) {
      this.o.log('bridge', `${this.t.name}: message ${m.id} attempt ${attempt} failed (${why}); retry in ${wait} ms [${this.stats.failed} failures so far]`);
    }
    await this.hold(wait);
    // The nack makes the emulator redeliver at once and count the attempt
    // toward the subscription's maxDeliveryAttempts.
    m.nack();
  }

  private hold(ms: number): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.holds.delete(timer);
        resolve();
      }, ms);
      this.holds.add(timer);
    });
  }

  async stop(): Promise<void> {
    this.closed = true;
    for (const t of this.holds) clearTimeout(t);
    this.holds.clear();
    if (this.sub) {
      this.sub.removeAllListeners('message');
      await this.sub.close();
    }
  }
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
  stats(): Record<string, TargetStats> {
    const out: Record<string, TargetStats> = {};
    for (const [name, p] of this.pumps) out[name] = { ...p.stats };
    return out;
  }

  async stop(): Promise<void> {
    await Promise.all([...this.pumps.values()].map((p) => p.stop()));
  }
}
