// The simulator's pure parts: signal shapes (daily curve in the site's time
// zone, humidity against temperature, draining battery, faults), determinism
// under a seed, and a message mix that hits the requested shares exactly.
import assert from 'node:assert/strict';
import { createRng } from '../../tools/simulate/rng.js';
import { DeviceSignals, localHour, timeZoneFor } from '../../tools/simulate/signals.js';
import { allocate, bag, KindStream, KINDS, type Kind, type MixShares } from '../../tools/simulate/mix.js';
import { INVALID_VARIANTS, MessageFactory, type FleetDevice, type OutMessage } from '../../tools/simulate/messages.js';
import { chooseFleet } from '../../tools/simulate/fleet.js';
import { runSimulation } from '../../tools/simulate/run.js';

const METRICS = ['temperature', 'humidity', 'pressure', 'battery', 'co2'];
const NO_FAULTS = { stuck: 0, spike: 0, dropout: 0 };

function pearson(xs: number[], ys: number[]): number {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = (xs[i] as number) - mx;
    const dy = (ys[i] as number) - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  return sxy / Math.sqrt(sxx * syy);
}

/** One sample every 10 minutes over `days` days, starting at UTC midnight. */
function day(sig: DeviceSignals, days = 2): { at: Date; s: ReturnType<DeviceSignals['next']> }[] {
  const out = [];
  const t0 = Date.parse('2026-06-10T00:00:00Z');
  for (let i = 0; i < days * 144; i++) {
    const at = new Date(t0 + i * 600_000);
    out.push({ at, s: sig.next(at) });
  }
  return out;
}

describe('simulator: signals', () => {
  it('local hour follows the site time zone (DST included)', () => {
    assert.equal(timeZoneFor('globex-osaka'), 'Asia/Tokyo');
    assert.equal(localHour(new Date('2026-06-10T06:00:00Z'), 'Asia/Tokyo'), 15);
    assert.equal(localHour(new Date('2026-06-10T13:00:00Z'), 'Europe/Berlin'), 15); // CEST, UTC+2
    assert.equal(localHour(new Date('2026-01-10T14:00:00Z'), 'Europe/Berlin'), 15); // CET, UTC+1
    assert.equal(localHour(new Date('2026-06-10T20:30:00Z'), 'America/Chicago'), 15.5); // CDT, UTC-5
    assert.ok(timeZoneFor('somewhere-new').length > 0);
  });

  it('temperature peaks mid-afternoon local time and bottoms out at night', () => {
    const tokyo = new DeviceSignals(createRng(1), { site: 'globex-osaka', metrics: METRICS, faults: NO_FAULTS });
    const austin = new DeviceSignals(createRng(1), { site: 'globex-austin', metrics: METRICS, faults: NO_FAULTS });
    for (const sig of [tokyo, austin]) {
      const samples = day(sig);
      const at = (h: number) => samples.filter(({ at }) => Math.floor(localHour(at, sig.timeZone)) === h).map(({ s }) => s.readings.temperature as number);
      const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
      assert.ok(mean(at(15)) - mean(at(3)) > 3, `${sig.timeZone}: afternoon ${mean(at(15))} vs night ${mean(at(3))}`);
      // The curve itself is exact: maximum at 15:00 local.
      const peakUtc = sig.timeZone === 'Asia/Tokyo' ? '2026-06-10T06:00:00Z' : '2026-06-10T20:00:00Z';
      const peak = sig.temperatureCurve(new Date(peakUtc));
      assert.ok(peak > sig.temperatureCurve(new Date(Date.parse(peakUtc) + 3_600_000)));
      assert.ok(peak > sig.temperatureCurve(new Date(Date.parse(peakUtc) - 3_600_000)));
    }
  });

  it('humidity moves against temperature, values stay physical, the battery only drains', () => {
    const sig = new DeviceSignals(createRng(42), { site: 'acme-berlin', metrics: METRICS, faults: NO_FAULTS });
    const samples = day(sig, 3);
    const t = samples.map(({ s }) => s.readings.temperature as number);
    const h = samples.map(({ s }) => s.readings.humidity as number);
    assert.ok(pearson(t, h) < -0.7, `correlation ${pearson(t, h)}`);
    for (const { s } of samples) {
      assert.ok((s.readings.humidity as number) >= 5 && (s.readings.humidity as number) <= 98);
      assert.ok((s.readings.pressure as number) > 980 && (s.readings.pressure as number) < 1045);
      assert.ok((s.readings.co2 as number) >= 380);
      assert.deepEqual(Object.keys(s.readings).sort(), [...METRICS].sort());
      assert.equal(s.fault, null);
    }
    const b = samples.map(({ s }) => s.readings.battery as number);
    for (let i = 1; i < b.length; i++) assert.ok((b[i] as number) <= (b[i - 1] as number));
    assert.ok((b[0] as number) - (b[b.length - 1] as number) > 0.1);
    // battery_ok follows the voltage
    for (const { s } of samples) assert.equal(s.state.battery_ok, (s.readings.battery as number) >= 2.9);
  });

  it('injects stuck values, spikes and dropouts', () => {
    const stuck = day(new DeviceSignals(createRng(5), { site: 'acme-lyon', metrics: METRICS, faults: { stuck: 1, spike: 0, dropout: 0 } }), 1);
    const first = stuck[0]?.s.readings.temperature;
    for (const { s } of stuck.slice(0, 20)) {
      assert.equal(s.fault, 'stuck');
      assert.equal(s.readings.temperature, first);
    }

    const base = new DeviceSignals(createRng(6), { site: 'acme-lyon', metrics: METRICS, faults: NO_FAULTS });
    const spiky = new DeviceSignals(createRng(6), { site: 'acme-lyon', metrics: METRICS, faults: { stuck: 0, spike: 1, dropout: 0 } });
    const at = new Date('2026-06-10T12:00:00Z');
    const a = base.next(at);
    const b = spiky.next(at);
    assert.equal(b.fault, 'spike');
    assert.ok(Math.abs((b.readings.temperature as number) - (a.readings.temperature as number)) >= 14);

    const drop = new DeviceSignals(createRng(7), { site: 'acme-lyon', metrics: METRICS, faults: { stuck: 0, spike: 0, dropout: 1 } }).next(at);
    assert.equal(drop.fault, 'dropout');
    assert.equal(Object.keys(drop.readings).length, METRICS.length - 1);
  });

  it('the same seed gives the same readings; another seed does not', () => {
    const run = (seed: number) => day(new DeviceSignals(createRng(seed), { site: 'initech-porto', metrics: METRICS }), 1).map(({ s }) => s);
    assert.deepEqual(run(9), run(9));
    assert.notDeepEqual(run(9), run(10));
  });
});

describe('simulator: message mix', () => {
  const shares: MixShares = { batch: 0.1, late: 0.05, duplicate: 0.03, invalid: 0.07 };

  it('allocates exact counts that sum to n', () => {
    assert.deepEqual(allocate(1000, shares), { single: 750, batch: 100, late: 50, duplicate: 30, invalid: 70 });
    assert.deepEqual(allocate(0, shares), { single: 0, batch: 0, late: 0, duplicate: 0, invalid: 0 });
    for (const n of [1, 7, 33, 101, 999]) {
      const c = allocate(n, shares);
      assert.equal(KINDS.reduce((s, k) => s + c[k], 0), n);
      for (const k of ['batch', 'late', 'duplicate', 'invalid'] as const) assert.ok(Math.abs(c[k] - n * shares[k]) < 1, `${k} for ${n}`);
    }
  });

  it('a bag is a seeded shuffle that never starts with a duplicate', () => {
    for (let seed = 0; seed < 50; seed++) {
      const b = bag(40, { batch: 0, late: 0, duplicate: 0.5, invalid: 0 }, createRng(seed));
      assert.notEqual(b[0], 'duplicate');
      assert.equal(b.filter((k) => k === 'duplicate').length, 20);
    }
    assert.deepEqual(bag(100, shares, createRng(3)), bag(100, shares, createRng(3)));
  });

  it('open-ended streams hold the shares over every 1,000 messages', () => {
    const ks = new KindStream(shares, createRng(1));
    const counts: Record<Kind, number> = { single: 0, batch: 0, late: 0, duplicate: 0, invalid: 0 };
    for (let i = 0; i < 3000; i++) counts[ks.next()]++;
    assert.deepEqual(counts, { single: 2250, batch: 300, late: 150, duplicate: 90, invalid: 210 });
  });
});

describe('simulator: messages', () => {
  const fleet = chooseFleet({ devices: 6, tenants: 2 });
  const now = () => new Date('2026-11-24T20:00:00.000Z');
  const make = (seed: number, total: number) =>
    new MessageFactory({ devices: fleet.devices, disabledDeviceIds: fleet.disabledDeviceIds, shares: { batch: 0.1, late: 0.1, duplicate: 0.1, invalid: 0.2 }, seed, total, seqBase: 1000, now });

  it('picks seeded devices round-robin across tenants', () => {
    assert.deepEqual(fleet.tenants, ['acme', 'globex']);
    assert.deepEqual(fleet.devices.map((d: FleetDevice) => d.deviceId), ['acme-sensor-01', 'globex-sensor-01', 'acme-sensor-02', 'globex-sensor-02', 'acme-sensor-03', 'globex-sensor-03']);
    assert.deepEqual(fleet.disabledDeviceIds, ['acme-sensor-retired-01', 'globex-sensor-retired-01']);
  });

  it('produces each kind in its exact share, with well-formed bodies', () => {
    const f = make(11, 500);
    const msgs: OutMessage[] = [];
    for (let i = 0; i < 500; i++) msgs.push(f.next());
    const by = (k: Kind) => msgs.filter((m) => m.kind === k);
    assert.equal(by('single').length, 250);
    assert.equal(by('batch').length, 50);
    assert.equal(by('late').length, 50);
    assert.equal(by('duplicate').length, 50);
    assert.equal(by('invalid').length, 100);

    const seen = new Set(msgs.filter((m) => m.kind !== 'duplicate' && m.kind !== 'invalid').map((m) => m.data.toString('base64')));
    for (const d of by('duplicate')) assert.ok(seen.has(d.data.toString('base64')), 'a duplicate re-sends earlier bytes exactly');

    for (const m of by('single')) {
      const body = JSON.parse(m.data.toString('utf8')) as { deviceId: string; seq: number; ts: string; readings: Record<string, number> };
      assert.equal(body.deviceId, m.deviceId);
      assert.equal(body.ts, '2026-11-24T20:00:00.000Z');
      assert.ok(Number.isSafeInteger(body.seq) && body.seq >= 1000);
      assert.equal(m.attributes.schemaVersion, '1');
    }
    for (const m of by('late')) {
      const ts = Date.parse((JSON.parse(m.data.toString('utf8')) as { ts: string }).ts);
      assert.ok(ts <= now().getTime() - 120_000 && ts >= now().getTime() - 1_800_000);
    }
    for (const m of by('batch')) {
      const body = JSON.parse(m.data.toString('utf8')) as { events: unknown[] };
      assert.equal(body.events.length, m.events);
      assert.ok(m.events >= 2 && m.events <= 10);
    }
    const variants = new Set(by('invalid').map((m) => m.invalidVariant));
    assert.deepEqual([...variants].sort(), [...INVALID_VARIANTS].sort());

    // eventIds (deviceId:seq) of fresh events never repeat
    const ids = new Set<string>();
    for (const m of msgs.filter((x) => x.kind === 'single' || x.kind === 'late' || x.kind === 'batch')) {
      const body = JSON.parse(m.data.toString('utf8')) as { deviceId: string; seq?: number; events?: { seq: number }[] };
      for (const seq of body.events ? body.events.map((e) => e.seq) : [body.seq]) {
        const id = `${body.deviceId}:${seq}`;
        assert.ok(!ids.has(id), `repeated ${id}`);
        ids.add(id);
      }
    }
  });

  it('is deterministic under a seed', () => {
    const a = make(5, 100);
    const b = make(5, 100);
    for (let i = 0; i < 100; i++) assert.deepEqual(a.next().data, b.next().data);
  });

  it('the paced loop publishes exactly --count messages and counts them by kind', async () => {
    const f = make(2, 200);
    const sent: OutMessage[] = [];
    const stats = await runSimulation({ factory: f, publish: async (m) => sent.push(m), rate: 100_000, count: 200 });
    assert.equal(sent.length, 200);
    assert.deepEqual(stats.published, { single: 100, batch: 20, late: 20, duplicate: 20, invalid: 40 });
    assert.equal(stats.errors, 0);
    assert.equal(stats.events, sent.reduce((n, m) => n + m.events, 0));
  });

  it('counts publish failures as errors, not as published', async () => {
    const f = make(2, 10);
    let i = 0;
    const stats = await runSimulation({ factory: f, publish: async () => { if (i++ % 2) throw new Error('UNAVAILABLE'); }, rate: 100_000, count: 10 });
    assert.equal(stats.errors, 5);
    assert.equal(KINDS.reduce((n, k) => n + stats.published[k], 0), 5);
    assert.equal(stats.firstError, 'UNAVAILABLE');
  });

  it('stops when aborted', async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 100);
    const stats = await runSimulation({ factory: make(3, 1), publish: async () => undefined, rate: 50, durationMs: 60_000, signal: ac.signal });
    assert.equal(stats.aborted, true);
    assert.ok(stats.elapsedMs < 2000);
  });
});
