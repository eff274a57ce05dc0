// Group commit: concurrent deliveries in one instance share one write.
// Items join the open batch, which is flushed when it holds maxItems or
// maxWaitMs after its first item, whichever comes first. A caller's promise
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
  waiters: Waiter<R>[];
  timer?: unknown;
}

export class GroupCommit<T, R> {
  private open: Batch<T, R> | undefined;
  private readonly ready: Batch<T, R>[] = [];
  private inFlight = 0;
  private readonly idle = new Set<() => void>();
  private readonly maxInFlight: number;
  private readonly timers: Timers;
  /** Counters for logs, benchmarks and tests. */
  readonly stats = { flushes: 0, items: 0, failedFlushes: 0 };

  constructor(private readonly opts: GroupCommitOptions<T, R>) {
    if (opts.maxItems < 1) throw new RangeError('maxItems must be at least 1');
    this.maxInFlight = Math.max(1, opts.maxInFlight ?? 4);
    this.timers = opts.timers ?? realTimers;
  }

  /**
   * Adds one delivery's items (kept together in one batch: a delivery larger
   * than maxItems is a batch of its own) and resolves with their outcomes.
   */
  add(items: readonly T[]): Promise<R[]> {
    if (items.length === 0) return Promise.resolve([]);
    if (this.open && this.open.items.length + items.length > this.opts.maxItems) this.seal(this.open);
    const batch = (this.open ??= this.newBatch());
    const promise = new Promise<R[]>((resolve, reject) => {
      batch.waiters.push({ start: batch.items.length, count: items.length, resolve, reject });
    });
    batch.items.push(...items);
    if (batch.items.length >= this.opts.maxItems) this.seal(batch);
    return promise;
  }

  /** Flushes whatever is pending and resolves when no flush is running (shutdown, tests). */
  async drain(): Promise<void> {
    if (this.open) this.seal(this.open);
    while (this.inFlight > 0 || this.ready.length > 0) {
      await new Promise<void>((r) => this.idle.add(r));
    }
  }

  private newBatch(): Batch<T, R> {
    const batch: Batch<T, R> = { items: [], waiters: [] };
    batch.timer = this.timers.setTimeout(() => this.seal(batch), this.opts.maxWaitMs);
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
