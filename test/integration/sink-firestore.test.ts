// sinkFirestore against the real Firestore emulator: concurrent writers with
// shuffled events converge to the newest value per field, and coalescing
// keeps transactions per message low at a device's production-like rate.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Firestore } from '@google-cloud/firestore';
import { TransientError } from '../../functions/lib/errors.js';
import { COLLECTIONS } from '../../functions/lib/names.js';
import { mergeState, type DeviceState, type StateEvent } from '../../functions/sink-firestore/merge-state.js';
import { deviceStateCoalescer } from '../../functions/sink-firestore/sink.js';
import { fromDoc } from '../../functions/sink-firestore/state-doc.js';
import { FirestoreStateStore } from '../../functions/sink-firestore/state-store.js';
import { startFirestoreEmulator, type RunningEmulator } from '../../tools/emulate/gcloud-emulators.js';

const T = (s: number, us: number) => `2026-11-24T20:${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}.${String(us).padStart(6, '0')}Z`;

function events(deviceId: string, n: number, seed: number): StateEvent[] {
  let s = seed;
  const rand = () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
  return Array.from({ length: n }, (_, i) => {
    const readings: Record<string, number> = {};
    if (rand() < 0.7) readings.temperature = Math.round(rand() * 400) / 10;
    if (rand() < 0.7) readings.humidity = Math.round(rand() * 1000) / 10;
    if (rand() < 0.3) readings[`m${i % 4}`] = i;
    const state: Record<string, string | boolean | null> = {};
    if (rand() < 0.5) state.door = rand() < 0.5 ? 'open' : 'closed';
    if (rand() < 0.2) state.battery_ok = rand() < 0.1 ? null : rand() < 0.5;
    // Colliding seconds and microsecond differences exercise the tie-break.
    return { eventId: `${deviceId}:${i}`, tenantId: 'acme', eventTime: T(Math.floor(rand() * 20), rand() < 0.5 ? 0 : Math.floor(rand() * 999999)), readings, state, units: { temperature: 'celsius' } };
  });
}

function shuffle<T>(a: T[]): T[] {
  const out = [...a];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** As Pub/Sub would: a delivery that failed transiently is delivered again. */
async function withRedelivery(fn: () => Promise<void>, attempts = 10): Promise<number> {
  for (let i = 1; ; i++) {
    try {
      await fn();
      return i;
    } catch (err) {
      if (!(err instanceof TransientError) || i >= attempts) throw err;
      await new Promise((r) => setTimeout(r, 20 * i));
    }
  }
}

const plain = (d: DeviceState | null | undefined) => JSON.parse(JSON.stringify(d ?? null));

describe('integration: sinkFirestore on the Firestore emulator', function () {
  this.timeout(120_000);
  let emu: RunningEmulator;
  const projectId = `demo-iot-${randomBytes(4).toString('hex')}`;
  const clients: Firestore[] = [];
  const client = () => {
    const c = new Firestore({ projectId, host: emu.host, ssl: false });
    clients.push(c);
    return c;
  };
  const read = async (deviceId: string) => fromDoc((await client().collection(COLLECTIONS.deviceState).doc(deviceId).get()).data());

  before(async () => {
    emu = await startFirestoreEmulator();
  });
  after(async () => {
    await Promise.allSettled(clients.map((c) => c.terminate()));
    await emu?.stop();
  });

  // Contended transactions on the emulator take seconds each on a busy machine (lock waits, client backoff).
  it('4 coalescing writers (4 instances) with shuffled, duplicated events end with the newest value per field', async function () {
    this.timeout(240_000);
    const deviceId = `dev-${randomBytes(3).toString('hex')}`;
    const all = events(deviceId, 60, 7);
    const deliveries = shuffle([...all, ...all.slice(0, 15)]); // 15 redeliveries
    const writers = Array.from({ length: 4 }, () => {
      const store = new FirestoreStateStore(client());
      return { store, coalescer: deviceStateCoalescer(store, 200) };
    });
    await Promise.all(
      deliveries.map(async (e, i) => {
        await new Promise((r) => setTimeout(r, Math.floor(i / 4) * 3)); // spread over ~60 ms
        const w = writers[i % 4]!;
        await withRedelivery(() => w.coalescer.add(deviceId, e));
      }),
    );
    const stored = await read(deviceId);
    assert.deepEqual(plain(stored), plain(mergeState(undefined, all)));
    const tx = writers.reduce((n, w) => n + w.store.stats.transactions, 0);
    const attempts = writers.reduce((n, w) => n + w.store.stats.attempts, 0);
    console.log(`      4 writers: ${deliveries.length} deliveries, ${tx} transactions, ${attempts} attempts`);
    // Microsecond times survive the round trip through Firestore Timestamps.
    assert.match(stored!.lastSeen, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/);
  });

  it('an older event after a newer one writes nothing (no rollback, no write)', async () => {
    const deviceId = `dev-${randomBytes(3).toString('hex')}`;
    const store = new FirestoreStateStore(client());
    const newer: StateEvent = { eventId: `${deviceId}:2`, tenantId: 'acme', eventTime: T(30, 5), readings: { temperature: 22 }, state: { door: 'open' }, units: {} };
    const older: StateEvent = { ...newer, eventId: `${deviceId}:1`, eventTime: T(30, 4), readings: { temperature: 5 }, state: { door: 'closed' } };
    assert.deepEqual(await store.apply(deviceId, [newer]), { written: true });
    assert.deepEqual(await store.apply(deviceId, [older]), { written: false });
    assert.deepEqual(await store.apply(deviceId, [newer]), { written: false });
    const doc = await read(deviceId);
    assert.equal(doc!.metrics.temperature!.value, 22);
    assert.equal(doc!.state.door!.value, 'open');
    assert.equal(doc!.metrics.temperature!.eventTime, T(30, 5));
  });

  it('coalescing: 3 devices at 10 msg/s each for 3 s -> at most 0.2 transactions per message', async () => {
    const store = new FirestoreStateStore(client());
    const coalescer = deviceStateCoalescer(store, 1000);
    const devices = ['a', 'b', 'c'].map((d) => `dev-${d}-${randomBytes(3).toString('hex')}`);
    const perDevice = 30;
    const acks: Promise<void>[] = [];
    const t0 = Date.now();
    for (let i = 0; i < perDevice; i++) {
      for (const d of devices) {
        const e: StateEvent = { eventId: `${d}:${i}`, tenantId: 'acme', eventTime: T(i, 0), readings: { temperature: i }, state: {}, units: {} };
        acks.push(coalescer.add(d, e));
      }
      // Against the clock, not relative sleeps: the rate stays 10/s on a busy machine.
      await new Promise((r) => setTimeout(r, Math.max(0, t0 + (i + 1) * 100 - Date.now())));
    }
    await Promise.all(acks);
    const messages = perDevice * devices.length;
    const ratio = store.stats.transactions / messages;
    console.log(`      coalescing: ${messages} messages, ${store.stats.transactions} transactions (${ratio.toFixed(3)} per message), ${store.stats.writes} writes`);
    assert.ok(ratio <= 0.2, `transactions per message ${ratio}`);
    for (const d of devices) assert.equal((await read(d))!.metrics.temperature!.value, perDevice - 1);
  });
});
