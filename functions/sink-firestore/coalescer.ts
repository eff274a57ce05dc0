// Per-key write coalescing: items for the same key that arrive within
// windowMs of the key's first pending item are committed together, and a
// key's commits never overlap, so one device document sees at most about one
// write per window (Firestore sustains about 1 write/s per document). Each
// caller's promise settles with its batch's commit.
import type { Timers } from '../lib/group-commit.js';

const realTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

interface Pending<T> {
  items: T[];
  waiters: { resolve(): void; reject(err: unknown): void }[];
}

export class KeyedCoalescer<T> {
  private readonly pending = new Map<string, Pending<T>>();
  private readonly running = new Map<string, Promise<void>>();
  private readonly timers: Timers;
  readonly stats = { commits: 0, items: 0 };

  constructor(
    private readonly opts: {
      windowMs: number;
      commit(key: string, items: T[]): Promise<void>;
      timers?: Timers;
    },
  ) {
    this.timers = opts.timers ?? realTimers;
  }

  add(key: string, item: T): Promise<void> {
    let p = this.pending.get(key);
    if (!p) {
      const fresh: Pending<T> = { items: [], waiters: [] };
      this.pending.set(key, fresh);
      this.timers.setTimeout(() => void this.fire(key, fresh), this.opts.windowMs);
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
      // Items arriving from now on start the next window.
      if (this.pending.get(key) === batch) this.pending.delete(key);
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
}
