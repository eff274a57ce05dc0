// Per-key write throttling with coalescing: a key's commits start at least
// windowMs apart and never overlap, and everything that arrives for the key
// meanwhile is committed together in the next one. A lone delivery (the key
// idle for windowMs) is committed at once, so sparse devices see no added
// latency, while a busy device gets about one write per window (Firestore
// sustains about 1 write/s per document). Each caller's promise settles with
// the commit that included its item.
import type { Timers } from '../lib/group-commit.js';

const realTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

interface Pending<T> {
  items: T[];
  waiters: { resolve(): void; reject(err: unknown): void }[];
}

/** Above this many remembered keys, those idle for a window are forgotten. */
const PRUNE_AT = 10_000;

export class KeyedCoalescer<T> {
  private readonly pending = new Map<string, Pending<T>>();
  private readonly running = new Map<string, Promise<void>>();
  /** When each key's latest commit started (ms, from opts.now). */
  private readonly lastStart = new Map<string, number>();
  private readonly timers: Timers;
  private readonly now: () => number;
  readonly stats = { commits: 0, items: 0 };

  constructor(
    private readonly opts: {
      windowMs: number;
      commit(key: string, items: T[]): Promise<void>;
      timers?: Timers;
      now?: () => number;
    },
  ) {
    this.timers = opts.timers ?? realTimers;
    this.now = opts.now ?? Date.now;
  }

  add(key: string, item: T): Promise<void> {
    let p = this.pending.get(key);
    if (!p) {
      const fresh: Pending<T> = { items: [], waiters: [] };
      this.pending.set(key, fresh);
      const last = this.lastStart.get(key);
      // 0 for an idle key: still a timer, so deliveries of the same tick join.
      const delay = last === undefined ? 0 : Math.max(0, last + this.opts.windowMs - this.now());
      this.timers.setTimeout(() => void this.fire(key, fresh), delay);
      p = fresh;
    }
    p.items.push(item);
    const batch = p;
    return new Promise<void>((resolve, reject) => batch.waiters.push({ resolve, reject }));
  }

  private async fire(key: string, batch: Pending<T>): Promise<void> {
    const previous = this.running.get(key);
    const run = (async () => {
      // While the key's previous commit runs, this batch keeps taking items.
      if (previous) await previous;
      // Items arriving from now on go to the next commit.
      if (this.pending.get(key) === batch) this.pending.delete(key);
      this.remember(key);
      this.stats.commits++;
      this.stats.items += batch.items.length;
      await this.opts.commit(key, batch.items);
    })();
    const tracked = run.then(
      () => undefined,
      () => undefined,
    );
    this.running.set(key, tracked);
    try {
      await run;
      for (const w of batch.waiters) w.resolve();
    } catch (err) {
      for (const w of batch.waiters) w.reject(err);
    } finally {
      if (this.running.get(key) === tracked) this.running.delete(key);
    }
  }

  private remember(key: string): void {
    const now = this.now();
    if (this.lastStart.size >= PRUNE_AT) {
      for (const [k, t] of this.lastStart) if (now - t >= this.opts.windowMs) this.lastStart.delete(k);
    }
    this.lastStart.set(key, now);
  }
}
