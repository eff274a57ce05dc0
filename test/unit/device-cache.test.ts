// The in-instance registry cache: TTL, shorter negative TTL, LRU bound, one
// shared in-flight read per key, errors never cached.
import assert from 'node:assert/strict';
import { LoadingCache } from '../../functions/enrich/device-cache.js';

function harness(opts: { ttlMs?: number; negativeTtlMs?: number; maxEntries?: number } = {}) {
  let clock = 1_000_000;
  const reads: string[] = [];
  const db = new Map<string, string>([
    ['a', 'A'],
    ['b', 'B'],
    ['c', 'C'],
  ]);
  let gate: Promise<void> = Promise.resolve();
  let failNext = false;
  const cache = new LoadingCache<string>(
    async (key) => {
      reads.push(key);
      // The read's snapshot is taken when it starts, like a real document read.
      const value = db.get(key) ?? null;
      await gate;
      if (failNext) {
        failNext = false;
        throw new Error('firestore unavailable');
      }
      return value;
    },
    { ttlMs: opts.ttlMs ?? 60_000, maxEntries: opts.maxEntries ?? 100, now: () => clock, ...(opts.negativeTtlMs !== undefined ? { negativeTtlMs: opts.negativeTtlMs } : {}) },
  );
  return {
    cache,
    reads,
    db,
    advance: (ms: number) => (clock += ms),
    hold: () => {
      let release!: () => void;
      gate = new Promise((r) => (release = r));
      return () => {
        gate = Promise.resolve();
        release();
      };
    },
    failOnce: () => (failNext = true),
  };
}

describe('device cache', () => {
  it('a burst of 1,000 concurrent lookups for one device costs one read', async () => {
    const h = harness();
    const release = h.hold();
    const all = Promise.all(Array.from({ length: 1000 }, () => h.cache.get('a')));
    release();
    const got = await all;
    assert.ok(got.every((v) => v === 'A'));
    assert.deepEqual(h.reads, ['a']);
    assert.equal(h.cache.stats.joined, 999);
    await h.cache.get('a');
    assert.equal(h.reads.length, 1);
    assert.equal(h.cache.stats.hits, 1);
  });

  it('entries expire after ttlMs', async () => {
    const h = harness({ ttlMs: 1000 });
    await h.cache.get('a');
    h.advance(999);
    await h.cache.get('a');
    assert.equal(h.reads.length, 1);
    h.advance(1);
    h.db.set('a', 'A2');
    assert.equal(await h.cache.get('a'), 'A2');
    assert.equal(h.reads.length, 2);
  });

  it('not-found results are cached for the shorter negative TTL (default ttl/6)', async () => {
    const h = harness({ ttlMs: 60_000 });
    assert.equal(await h.cache.get('zz'), null);
    h.advance(9_999);
    assert.equal(await h.cache.get('zz'), null);
    assert.equal(h.reads.length, 1);
    h.advance(1);
    h.db.set('zz', 'registered later');
    assert.equal(await h.cache.get('zz'), 'registered later');
    assert.equal(h.reads.length, 2);
  });

  it('keeps at most maxEntries, evicting the least recently used', async () => {
    const h = harness({ maxEntries: 2 });
    await h.cache.get('a');
    await h.cache.get('b');
    h.advance(1000);
    await h.cache.get('a'); // a is now the most recent
    await h.cache.get('c'); // evicts b
    assert.equal(h.cache.size, 2);
    assert.equal(h.cache.stats.evictions, 1);
    await h.cache.get('a');
    assert.deepEqual(h.reads, ['a', 'b', 'c']);
    await h.cache.get('b');
    assert.deepEqual(h.reads, ['a', 'b', 'c', 'b']);
  });

  it('refreshes recency at most once a second: within it, insertion order decides', async () => {
    const h = harness({ maxEntries: 2 });
    await h.cache.get('a');
    await h.cache.get('b');
    h.advance(999);
    await h.cache.get('a'); // too soon to move a: it stays the oldest
    await h.cache.get('c'); // evicts a
    await h.cache.get('b');
    assert.deepEqual(h.reads, ['a', 'b', 'c']);
    await h.cache.get('a');
    assert.deepEqual(h.reads, ['a', 'b', 'c', 'a']);
  });

  it('lookup() answers a fresh hit synchronously and a miss with a promise', async () => {
    const h = harness();
    const miss = h.cache.lookup('a');
    assert.ok(miss instanceof Promise);
    assert.equal(await miss, 'A');
    assert.equal(h.cache.lookup('a'), 'A');
    assert.equal(h.cache.lookup('zz') instanceof Promise, true);
    assert.equal(await h.cache.lookup('zz'), null);
    assert.equal(h.cache.lookup('zz'), null);
    assert.deepEqual(h.reads, ['a', 'zz']);
  });

  it('a failed read is not cached: every waiter sees the error, the next lookup reads again', async () => {
    const h = harness();
    h.failOnce();
    const release = h.hold();
    const p = Promise.allSettled([h.cache.get('a'), h.cache.get('a')]);
    release();
    const results = await p;
    assert.deepEqual(results.map((r) => r.status), ['rejected', 'rejected']);
    assert.equal(await h.cache.get('a'), 'A');
    assert.deepEqual(h.reads, ['a', 'a']);
  });

  it('ttlMs 0 disables caching but still shares in-flight reads', async () => {
    const h = harness({ ttlMs: 0 });
    const release = h.hold();
    const both = Promise.all([h.cache.get('a'), h.cache.get('a')]);
    release();
    await both;
    await h.cache.get('a');
    assert.deepEqual(h.reads, ['a', 'a']);
  });

  it('invalidate() during a read keeps the stale result out of the cache', async () => {
    const h = harness();
    const release = h.hold();
    const p = h.cache.get('a');
    h.cache.invalidate('a');
    h.db.set('a', 'A-new');
    release();
    assert.equal(await p, 'A');
    assert.equal(await h.cache.get('a'), 'A-new');
    assert.equal(h.reads.length, 2);
  });
});
