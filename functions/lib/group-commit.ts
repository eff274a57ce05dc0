// Group commit: concurrent deliveries in one instance share one write.
// Items join the open batch, which is flushed when it holds maxItems (or
// maxBytes, when sizeOf is given) or maxWaitMs after its first item,
// whichever comes first. With earlyFlush, a delivery that finds no batch open
// and comes a whole window after the one before is flushed at once: at such
// rates nothing would share its write, so nobody waits out the window (and
// request-based Cloud Run does not bill it), while a busy instance batches. A caller's promise
// settles only when its batch's flush has returned (its items are durable),
// rejects if that flush failed (so its delivery is retried), and resolves with
// the per-item outcomes of its own items only. At most maxInFlight flushes run
// at once; sealed batches wait their turn while a new batch fills.

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

export interface GroupCommitOptions<T, R> {
  maxItems: number;
  maxWaitMs: number;
  /** Bytes per batch, counted with sizeOf (both or neither). */
  maxBytes?: number;
  sizeOf?: (item: T) => number;
  /** Flush a lone delivery (none open, none in the last window) at once instead of holding it for the window. */
  earlyFlush?: boolean;
  /** Milliseconds clock for earlyFlush (default performance.now). */
  now?: () => number;
  /** Concurrent flushes (default 4). */
  maxInFlight?: number;
  /** Writes the items; resolves with exactly one outcome per item, in order. */
  flush(items: T[]): Promise<R[]>;
  timers?: Timers;
}

interface Waiter<R> {
  start: number;
  count: number;
  resolve(outcomes: R[]): void;
  reject(err: unknown): void;
}

interface Batch<T, R> {
  items: T[];
  bytes: number;
  waiters: Waiter<R>[];
  timer?: unknown;
}

export class GroupCommit<T, R> {
  private open: Batch<T, R> | undefined;
  private readonly ready: Batch<T, R>[] = [];
  private inFlight = 0;
  private lastAdd = Number.NEGATIVE_INFINITY;
  private readonly idle = new Set<() => void>();
  private readonly maxInFlight: number;
  private readonly timers: Timers;
  /** Counters for logs, benchmarks and tests. */
  readonly stats = { flushes: 0, items: 0, failedFlushes: 0, earlyFlushes: 0 };

  constructor(private readonly opts: GroupCommitOptions<T, R>) {
    if (opts.maxItems < 1) throw new RangeError('maxItems must be at least 1');
    if ((opts.maxBytes === undefined) !== (opts.sizeOf === undefined)) throw new RangeError('maxBytes and sizeOf go together');
    this.maxInFlight = Math.max(1, opts.maxInFlight ?? 4);
    this.timers = opts.timers ?? realTimers;
  }

  /**
   * Adds one delivery's items (kept together in one batch: a delivery larger
   * than maxItems is a batch of its own) and resolves with their outcomes.
   */
  add(items: readonly T[]): Promise<R[]> {
    if (items.length === 0) return Promise.resolve([]);
    const bytes = this.opts.sizeOf ? items.reduce((s, it) => s + (this.opts.sizeOf as (item: T) => number)(it), 0) : 0;
    const maxBytes = this.opts.maxBytes ?? Number.POSITIVE_INFINITY;
    if (this.open && (this.open.items.length + items.length > this.opts.maxItems || this.open.bytes + bytes > maxBytes)) this.seal(this.open);
    const now = this.opts.now ? this.opts.now() : performance.now();
    const alone = this.opts.earlyFlush === true && !this.open && now - this.lastAdd >= this.opts.maxWaitMs;
    this.lastAdd = now;
    const batch = (this.open ??= this.newBatch(!alone));
    const promise = new Promise<R[]>((resolve, reject) => {
      batch.waiters.push({ start: batch.items.length, count: items.length, resolve, reject });
    });
    batch.items.push(...items);
    batch.bytes += bytes;
    if (alone) this.stats.earlyFlushes++;
    if (alone || batch.items.length >= this.opts.maxItems || batch.bytes >= maxBytes) this.seal(batch);
    return promise;
  }

  /** Flushes whatever is pending and resolves when no flush is running (shutdown, tests). */
  async drain(): Promise<void> {
    if (this.open) this.seal(this.open);
    while (this.inFlight > 0 || this.ready.length > 0) {
      await new Promise<void>((r) => this.idle.add(r));
    }
  }

  private newBatch(timed: boolean): Batch<T, R> {
    const batch: Batch<T, R> = { items: [], bytes: 0, waiters: [] };
    if (timed) batch.timer = this.timers.setTimeout(() => this.seal(batch), this.opts.maxWaitMs);
    return batch;
  }

  private seal(batch: Batch<T, R>): void {
    if (this.open !== batch) return; // already sealed (timer raced with size)
    this.open = undefined;
    if (batch.timer !== undefined) this.timers.clearTimeout(batch.timer);
    this.ready.push(batch);
    this.pump();
  }

  private pump(): void {
    while (this.inFlight < this.maxInFlight && this.ready.length > 0) {
      const batch = this.ready.shift() as Batch<T, R>;
      this.inFlight++;
      void this.run(batch).finally(() => {
        this.inFlight--;
        this.pump();
        if (this.inFlight === 0 && this.ready.length === 0) {
          for (const r of this.idle) r();
          this.idle.clear();
        }
      });
    }
  }

  private async run(batch: Batch<T, R>): Promise<void> {
    this.stats.flushes++;
    this.stats.items += batch.items.length;
    let outcomes: R[];
    try {
      outcomes = await this.opts.flush(batch.items);
      if (outcomes.length !== batch.items.length) throw new Error(`group commit: flush returned ${outcomes.length} outcomes for ${batch.items.length} items`);
    } catch (err) {
      this.stats.failedFlushes++;
      for (const w of batch.waiters) w.reject(err);
      return;
    }
    for (const w of batch.waiters) w.resolve(outcomes.slice(w.start, w.start + w.count));
  }
}
