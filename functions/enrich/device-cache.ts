// An in-instance read-through cache for registry documents (devices/{id},
// deviceKeys/{id}): a burst from one device costs one read. Entries live
// `ttlMs`; "not found" lives a shorter `negativeTtlMs` so a device registered
// a moment later is picked up soon; at most `maxEntries` are kept (least
// recently used go first). Concurrent misses for one key share one in-flight
// load. Load errors are not cached: the caller retries.
//
// lookup() answers a fresh hit synchronously (no promise, no microtask): it
// runs once per message on validate's and enrich's hot paths, where nearly
// every lookup is a hit. Recency is refreshed at most once per second per
// key, so a hit is one Map read instead of a delete and a re-insert; the LRU
// order is exact to that second, which is all an eviction bound needs.
import { checkDocument, thenMaybe, unwrapChecked, type Checked, type MaybePromise } from '../lib/checked-document.js';

export interface CacheOptions {
  ttlMs: number;
  /** Lifetime of a null (not found) result; default ttlMs / 6. */
  negativeTtlMs?: number;
  maxEntries: number;
  /** Clock in ms (tests inject one). */
  now?: () => number;
}

export interface CacheStats {
  hits: number;
  misses: number;
  loads: number;
  /** Misses that joined a load already in flight. */
  joined: number;
  evictions: number;
}

interface Load<V> {
  promise: Promise<V | null>;
  stale: boolean;
}

interface Entry<V> {
  value: V | null;
  expiresAt: number;
  /** When the entry last moved to the young end of the LRU order. */
  touchedAt: number;
}

/** Refresh an entry's LRU position at most this often. */
const TOUCH_INTERVAL_MS = 1000;

export class LoadingCache<V> {
  private readonly entries = new Map<string, Entry<V>>();
  private readonly inflight = new Map<string, Load<V>>();
  private readonly ttlMs: number;
  private readonly negativeTtlMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;
  readonly stats: CacheStats = { hits: 0, misses: 0, loads: 0, joined: 0, evictions: 0 };

  constructor(
    private readonly load: (key: string) => Promise<V | null>,
    opts: CacheOptions,
  ) {
    this.ttlMs = opts.ttlMs;
    this.negativeTtlMs = opts.negativeTtlMs ?? Math.floor(opts.ttlMs / 6);
    this.maxEntries = Math.max(1, opts.maxEntries);
    this.now = opts.now ?? Date.now;
  }

  get size(): number {
    return this.entries.size;
  }

  async get(key: string): Promise<V | null> {
    return this.lookup(key);
  }

  /** The cached value when fresh (synchronously), else the load's promise. */
  lookup(key: string): V | null | Promise<V | null> {
    const hit = this.entries.get(key);
    if (hit) {
      const now = this.now();
      if (hit.expiresAt > now) {
        this.stats.hits++;
        if (now - hit.touchedAt >= TOUCH_INTERVAL_MS) {
          // Re-insert: Map order is the LRU order.
          hit.touchedAt = now;
          this.entries.delete(key);
          this.entries.set(key, hit);
        }
        return hit.value;
      }
      this.entries.delete(key);
    }
    this.stats.misses++;
    const running = this.inflight.get(key);
    if (running) {
      this.stats.joined++;
      return running.promise;
    }
    this.stats.loads++;
    const load: Load<V> = { promise: Promise.resolve(null), stale: false };
    load.promise = this.load(key).then(
      (value) => {
        this.finish(key, load);
        // A result loaded across invalidate()/clear() is not stored: it may be stale.
        if (!load.stale) this.store(key, value);
        return value;
      },
      (err: unknown) => {
        this.finish(key, load);
        throw err;
      },
    );
    this.inflight.set(key, load);
    return load.promise;
  }

  /** Drops one key (and lets an in-flight load finish without storing). */
  invalidate(key: string): void {
    this.entries.delete(key);
    const load = this.inflight.get(key);
    if (load) {
      load.stale = true;
      this.inflight.delete(key);
    }
  }

  clear(): void {
    this.entries.clear();
    for (const load of this.inflight.values()) load.stale = true;
    this.inflight.clear();
  }

  private finish(key: string, load: Load<V>): void {
    if (this.inflight.get(key) === load) this.inflight.delete(key);
  }

  private store(key: string, value: V | null): void {
    const ttl = value === null ? this.negativeTtlMs : this.ttlMs;
    if (ttl <= 0) return;
    this.entries.delete(key);
    const now = this.now();
    this.entries.set(key, { value, expiresAt: now + ttl, touchedAt: now });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
      this.stats.evictions++;
    }
  }
}

/**
 * A registry lookup: documents read through a LoadingCache and parsed once
 * per read (checkDocument); a hit answers synchronously, a malformed
 * document throws a fresh PermanentError on every lookup. `read` gives the
 * document, or null when there is none.
 */
export function parsedDocumentLookup<T>(
  read: (id: string) => Promise<Record<string, unknown> | null>,
  parse: (doc: Record<string, unknown>) => T,
  opts: CacheOptions,
): (id: string) => MaybePromise<T | null> {
  const cache = new LoadingCache<Checked<T>>(async (id) => {
    const doc = await read(id);
    return doc === null ? null : checkDocument(doc, parse);
  }, opts);
  return (id) => thenMaybe(cache.lookup(id), unwrapChecked);
}

