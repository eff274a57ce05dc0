import assert from 'node:assert/strict';
import { GroupCommit, type Timers } from '../../functions/lib/group-commit.js';

/** A manual clock: timers fire only when the test advances time. */
class ManualTimers implements Timers {
  now = 0;
  private seq = 0;
  private readonly pending = new Map<number, { at: number; fn: () => void }>();
  setTimeout(fn: () => void, ms: number): unknown {
    const id = ++this.seq;
    this.pending.set(id, { at: this.now + ms, fn });
    return id;
  }
  clearTimeout(h: unknown): void {
    this.pending.delete(h as number);
  }
  async advance(ms: number): Promise<void> {
    this.now += ms;
    for (const [id, t] of [...this.pending].sort((a, b) => a[1].at - b[1].at)) {
      if (t.at <= this.now) {
        this.pending.delete(id);
        t.fn();
      }
    }
    await settle();
  }
}

const settle = () => new Promise<void>((r) => setImmediate(r));

/** A flush that records each request and lets the test decide when it returns. */
function recorder<T>() {
  const requests: { items: T[]; done: (outcomes?: (string | null)[]) => void; fail: (e: unknown) => void }[] = [];
  const flush = (items: T[]) =>
    new Promise<(string | null)[]>((resolve, reject) => {
      requests.push({ items, done: (o) => resolve(o ?? items.map(() => null)), fail: reject });
    });
  return { requests, flush };
}

describe('unit: group commit', () => {
  it('flushes by size: 10 deliveries of 5 rows with maxItems 20 -> 3 requests (20, 20, 10 after the wait)', async () => {
    const timers = new ManualTimers();
    const rec = recorder<number>();
    const gc = new GroupCommit({ maxItems: 20, maxWaitMs: 100, timers, flush: rec.flush });
    const results = Array.from({ length: 10 }, (_, d) => gc.add([0, 1, 2, 3, 4].map((i) => d * 5 + i)));
    await settle();
    assert.deepEqual(rec.requests.map((r) => r.items.length), [20, 20]);
    await timers.advance(99);
    assert.equal(rec.requests.length, 2);
    await timers.advance(1);
    assert.deepEqual(rec.requests.map((r) => r.items.length), [20, 20, 10]);
    for (const r of rec.requests) r.done();
    await Promise.all(results);
    assert.deepEqual(rec.requests.flatMap((r) => r.items), Array.from({ length: 50 }, (_, i) => i));
    assert.equal(gc.stats.flushes, 3);
  });

  it('flushes by time: maxWaitMs after the first item, one request for everything that joined', async () => {
    const timers = new ManualTimers();
    const rec = recorder<string>();
    const gc = new GroupCommit({ maxItems: 500, maxWaitMs: 100, timers, flush: rec.flush });
    const a = gc.add(['a']);
    await timers.advance(60);
    const b = gc.add(['b1', 'b2']);
    await timers.advance(39);
    assert.equal(rec.requests.length, 0);
    await timers.advance(1);
    assert.equal(rec.requests.length, 1);
    assert.deepEqual(rec.requests[0]!.items, ['a', 'b1', 'b2']);
    rec.requests[0]!.done();
    assert.deepEqual(await a, [null]);
    assert.deepEqual(await b, [null, null]);
  });

  it('a delivery resolves only after its flush returned (durable before ack)', async () => {
    const timers = new ManualTimers();
    const rec = recorder<number>();
    const gc = new GroupCommit({ maxItems: 2, maxWaitMs: 100, timers, flush: rec.flush });
    let acked = false;
    const p = gc.add([1, 2]).then(() => (acked = true));
    await settle();
    assert.equal(rec.requests.length, 1);
    await timers.advance(1000);
    assert.equal(acked, false, 'acked before the write returned');
    rec.requests[0]!.done();
    await p;
    assert.equal(acked, true);
  });

  it('a failed flush rejects every delivery in that batch, and only those', async () => {
    const timers = new ManualTimers();
    const rec = recorder<number>();
    const gc = new GroupCommit({ maxItems: 2, maxWaitMs: 100, timers, flush: rec.flush });
    const a = gc.add([1]);
    const b = gc.add([2]);
    const c = gc.add([3, 4]);
    await settle();
    assert.equal(rec.requests.length, 2);
    rec.requests[0]!.fail(new Error('503'));
    rec.requests[1]!.done();
    await assert.rejects(a, /503/);
    await assert.rejects(b, /503/);
    assert.deepEqual(await c, [null, null]);
    assert.equal(gc.stats.failedFlushes, 1);
  });

  it('per-item outcomes go to the delivery that owns the item', async () => {
    const timers = new ManualTimers();
    const rec = recorder<string>();
    const gc = new GroupCommit({ maxItems: 10, maxWaitMs: 5, timers, flush: rec.flush });
    const a = gc.add(['a1', 'a2']);
    const b = gc.add(['b1', 'b2', 'b3']);
    await timers.advance(5);
    rec.requests[0]!.done([null, null, null, 'invalid', null]);
    assert.deepEqual(await a, [null, null]);
    assert.deepEqual(await b, [null, 'invalid', null]);
  });

  it('a delivery is never split: one larger than maxItems is a batch of its own', async () => {
    const timers = new ManualTimers();
    const rec = recorder<number>();
    const gc = new GroupCommit({ maxItems: 3, maxWaitMs: 5, timers, flush: rec.flush });
    void gc.add([1]);
    void gc.add([2, 3, 4, 5]);
    await settle();
    assert.deepEqual(rec.requests.map((r) => r.items), [[1], [2, 3, 4, 5]]);
  });

  it('bounds flushes in flight; sealed batches wait their turn while new items keep batching', async () => {
    const timers = new ManualTimers();
    const rec = recorder<number>();
    const gc = new GroupCommit({ maxItems: 1, maxWaitMs: 5, maxInFlight: 2, timers, flush: rec.flush });
    const all = [1, 2, 3, 4, 5].map((i) => gc.add([i]));
    await settle();
    assert.equal(rec.requests.length, 2);
    rec.requests[0]!.done();
    await settle();
    assert.equal(rec.requests.length, 3);
    rec.requests[1]!.done();
    rec.requests[2]!.done();
    await settle();
    assert.equal(rec.requests.length, 5);
    rec.requests[3]!.done();
    rec.requests[4]!.done();
    await Promise.all(all);
  });

  it('a flush returning the wrong number of outcomes fails the batch', async () => {
    const gc = new GroupCommit<number, null>({ maxItems: 2, maxWaitMs: 0, flush: async () => [null] });
    await assert.rejects(gc.add([1, 2]), /1 outcomes for 2 items/);
  });

  it('with real timers: 100 concurrent deliveries of 3 rows, maxItems 500 -> exactly 1 request; drain() waits for it', async () => {
    let requests = 0;
    const gc = new GroupCommit<number, null>({
      maxItems: 500,
      maxWaitMs: 20,
      flush: async (items) => {
        requests++;
        await new Promise((r) => setTimeout(r, 5));
        return items.map(() => null);
      },
    });
    const all = Array.from({ length: 100 }, (_, i) => gc.add([i, i, i]));
    await gc.drain();
    await Promise.all(all);
    assert.equal(requests, 1);
    assert.equal(gc.stats.items, 300);
  });

  it('early flush: a delivery a window after the last one is flushed at once; one within the window waits for it', async () => {
    const timers = new ManualTimers();
    const rec = recorder<number>();
    const gc = new GroupCommit({ maxItems: 100, maxWaitMs: 100, earlyFlush: true, timers, now: () => timers.now, flush: rec.flush });
    const first = gc.add([1]);
    await settle();
    assert.deepEqual(rec.requests.map((r) => r.items), [[1]], 'the lone delivery went at once');
    rec.requests[0]!.done();
    await first;
    await timers.advance(30);
    const second = gc.add([2]); // 30 ms after the first: a batch opens and waits
    await timers.advance(50);
    const third = gc.add([3]);
    await settle();
    assert.equal(rec.requests.length, 1, 'nothing flushed inside the window');
    await timers.advance(100);
    assert.deepEqual(rec.requests[1]!.items, [2, 3]);
    rec.requests[1]!.done();
    await Promise.all([second, third]);
    await timers.advance(500);
    void gc.add([4]);
    await settle();
    assert.deepEqual(rec.requests[2]!.items, [4], 'idle again: at once');
    assert.equal(gc.stats.earlyFlushes, 2);
  });

  it('flushes by bytes when sizeOf is given, and refuses maxBytes without sizeOf', async () => {
    const timers = new ManualTimers();
    const rec = recorder<string>();
    const gc = new GroupCommit<string, string | null>({ maxItems: 100, maxWaitMs: 100, maxBytes: 10, sizeOf: (x) => x.length, timers, flush: rec.flush });
    void gc.add(['aaaa']);
    void gc.add(['bbbb']);
    void gc.add(['cccc']); // 12 bytes would not fit: the first two go
    await settle();
    assert.deepEqual(rec.requests.map((r) => r.items), [['aaaa', 'bbbb']]);
    void gc.add(['dddddddddd']); // exactly 10 with nothing else: sealed at once
    await settle();
    assert.deepEqual(rec.requests.map((r) => r.items), [['aaaa', 'bbbb'], ['cccc'], ['dddddddddd']]);
    assert.throws(() => new GroupCommit({ maxItems: 1, maxWaitMs: 1, maxBytes: 5, flush: rec.flush }), RangeError);
  });
});
