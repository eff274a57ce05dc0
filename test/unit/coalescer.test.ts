import assert from 'node:assert/strict';
import { KeyedCoalescer } from '../../functions/sink-firestore/coalescer.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('unit: per-device coalescer', () => {
  it('an idle key commits at once (same-tick deliveries together); later ones within the window wait for it and go together', async () => {
    const commits: [string, number[], number][] = [];
    const t0 = Date.now();
    const c = new KeyedCoalescer<number>({ windowMs: 60, commit: async (k, items) => void commits.push([k, items, Date.now() - t0]) });
    const first = Promise.all([c.add('a', 1), c.add('b', 2), c.add('a', 3)]);
    await first;
    assert.deepEqual(commits.map(([k, items]) => [k, items]).sort(), [['a', [1, 3]], ['b', [2]]]);
    assert.ok(commits.every(([, , at]) => at < 40), 'committed without waiting for the window');
    await Promise.all([c.add('a', 4), sleep(10).then(() => c.add('a', 5))]);
    const last = commits.at(-1)!;
    assert.deepEqual(last.slice(0, 2), ['a', [4, 5]]);
    assert.ok(last[2] >= 55, `second commit ${last[2]} ms after the first, expected about a window`);
    assert.equal(c.stats.commits, 3);
  });

  it('a delivery is acked only after its commit returned', async () => {
    let release!: () => void;
    const c = new KeyedCoalescer<number>({ windowMs: 0, commit: () => new Promise<void>((r) => (release = r)) });
    let acked = false;
    const p = c.add('a', 1).then(() => (acked = true));
    await sleep(20);
    assert.equal(acked, false);
    release();
    await p;
    assert.equal(acked, true);
  });

  it("a key's commits never overlap: the next window waits for the running commit", async () => {
    let running = 0;
    let maxRunning = 0;
    const c = new KeyedCoalescer<number>({
      windowMs: 5,
      commit: async () => {
        maxRunning = Math.max(maxRunning, ++running);
        await sleep(30);
        running--;
      },
    });
    const acks: Promise<void>[] = [];
    for (let i = 0; i < 10; i++) {
      acks.push(c.add('a', i));
      await sleep(8);
    }
    await Promise.all(acks);
    assert.equal(maxRunning, 1);
    assert.ok(c.stats.commits < 10, `commits ${c.stats.commits}`);
    assert.equal(c.stats.items, 10);
  });

  it('a failed commit rejects every delivery of that batch; the next batch still runs', async () => {
    let n = 0;
    const c = new KeyedCoalescer<number>({
      windowMs: 5,
      commit: async () => {
        if (++n === 1) throw new Error('ABORTED');
      },
    });
    const a = c.add('a', 1);
    const b = c.add('a', 2);
    await assert.rejects(a, /ABORTED/);
    await assert.rejects(b, /ABORTED/);
    await c.add('a', 3);
    assert.equal(n, 2);
  });
});
