import assert from 'node:assert/strict';
import { KeyedCoalescer } from '../../functions/sink-firestore/coalescer.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('unit: per-device coalescer', () => {
  it('items for one key within the window are committed together; other keys separately', async () => {
    const commits: [string, number[]][] = [];
    const c = new KeyedCoalescer<number>({ windowMs: 30, commit: async (k, items) => void commits.push([k, items]) });
    await Promise.all([c.add('a', 1), c.add('b', 2), c.add('a', 3), sleep(10).then(() => c.add('a', 4))]);
    assert.deepEqual(commits.sort(), [['a', [1, 3, 4]], ['b', [2]]]);
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
