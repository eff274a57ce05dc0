import assert from 'node:assert/strict';
import { mergeState, type DeviceState, type StateEvent } from '../../functions/sink-firestore/merge-state.js';

const T = (s: number, us = 0) => `2026-11-24T20:00:${String(s).padStart(2, '0')}.${String(us).padStart(6, '0')}Z`;

function ev(id: string, time: string, readings: Record<string, number> = {}, state: StateEvent['state'] = {}, extra: Partial<StateEvent> = {}): StateEvent {
  return { eventId: id, eventTime: time, tenantId: 'acme', readings, state, units: { temperature: 'celsius' }, ...extra };
}

const plain = (d: DeviceState | null) => (d === null ? null : JSON.parse(JSON.stringify(d)));

const base = mergeState(undefined, [ev('d:10', T(10), { temperature: 20, humidity: 40 }, { door: 'open' })])!;

describe('unit: mergeState (per-field last-writer-wins by event time)', () => {
  it('a first event creates the document', () => {
    assert.deepEqual(plain(base), {
      tenantId: 'acme',
      lastSeen: T(10),
      lastEventId: 'd:10',
      metrics: {
        temperature: { value: 20, unit: 'celsius', eventTime: T(10), eventId: 'd:10' },
        humidity: { value: 40, unit: null, eventTime: T(10), eventId: 'd:10' },
      },
      state: { door: { value: 'open', eventTime: T(10), eventId: 'd:10' } },
    });
  });

  const cases: { name: string; events: StateEvent[]; expect: null | ((d: DeviceState) => void) }[] = [
    {
      name: 'newer event replaces the fields it carries and only those',
      events: [ev('d:11', T(11), { temperature: 21 })],
      expect: (d) => {
        assert.equal(d.metrics.temperature!.value, 21);
        assert.equal(d.metrics.temperature!.eventId, 'd:11');
        assert.equal(d.metrics.humidity!.value, 40);
        assert.equal(d.lastSeen, T(11));
      },
    },
    { name: 'older event changes nothing (null: no write)', events: [ev('d:9', T(9), { temperature: 5 }, { door: 'closed' })], expect: null },
    { name: 'exact duplicate changes nothing', events: [ev('d:10', T(10), { temperature: 20, humidity: 40 }, { door: 'open' })], expect: null },
    {
      name: 'equal time, greater eventId wins (deterministic tie-break)',
      events: [ev('d:11', T(10), { temperature: 99 })],
      expect: (d) => {
        assert.equal(d.metrics.temperature!.value, 99);
        assert.equal(d.lastEventId, 'd:11');
        assert.equal(d.lastSeen, T(10));
      },
    },
    { name: 'equal time, smaller eventId loses', events: [ev('d:0', T(10), { temperature: 99 })], expect: null },
    {
      name: 'microseconds count: 1 us later wins',
      events: [ev('d:1', T(10, 1), { temperature: 1 })],
      expect: (d) => assert.equal(d.metrics.temperature!.value, 1),
    },
    {
      name: 'an older event still adds a metric the document never had',
      events: [ev('d:5', T(5), { pressure: 1013 })],
      expect: (d) => {
        assert.equal(d.metrics.pressure!.value, 1013);
        assert.equal(d.metrics.pressure!.eventTime, T(5));
        assert.equal(d.lastSeen, T(10), 'lastSeen never goes back');
        assert.equal(d.metrics.temperature!.value, 20);
      },
    },
    {
      name: 'a newer null state value replaces a value (null is a value, not a delete)',
      events: [ev('d:12', T(12), {}, { door: null })],
      expect: (d) => assert.deepEqual(d.state.door, { value: null, eventTime: T(12), eventId: 'd:12' }),
    },
    { name: 'an older null state value changes nothing', events: [ev('d:3', T(3), {}, { door: null })], expect: null },
    {
      name: 'an event with neither readings nor state moves lastSeen only',
      events: [ev('d:13', T(13))],
      expect: (d) => {
        assert.equal(d.lastSeen, T(13));
        assert.equal(d.metrics.temperature!.value, 20);
      },
    },
    {
      name: 'tenantId follows the newest event',
      events: [ev('d:14', T(14), {}, {}, { tenantId: 'globex' }), ev('d:2', T(2), {}, {}, { tenantId: 'old' })],
      expect: (d) => assert.equal(d.tenantId, 'globex'),
    },
    {
      name: 'several events in one merge: per field the newest wins',
      events: [ev('d:12', T(12), { temperature: 22 }), ev('d:11', T(11), { temperature: 21, humidity: 41 }), ev('d:13', T(13), {}, { door: 'closed' })],
      expect: (d) => {
        assert.equal(d.metrics.temperature!.value, 22);
        assert.equal(d.metrics.humidity!.value, 41);
        assert.equal(d.state.door!.value, 'closed');
        assert.equal(d.lastSeen, T(13));
      },
    },
  ];

  for (const c of cases) {
    it(c.name, () => {
      const before = plain(base);
      const out = mergeState(base, c.events);
      assert.deepEqual(plain(base), before, 'the current document is not mutated');
      if (c.expect === null) assert.equal(out, null);
      else {
        assert.ok(out, 'expected a change');
        c.expect(out);
      }
    });
  }

  it('no events on no document: null', () => {
    assert.equal(mergeState(undefined, []), null);
  });

  it('metric names like __proto__ are plain data', () => {
    const d = mergeState(undefined, [ev('d:1', T(1), { ['__proto__']: 1, constructor: 2 })])!;
    assert.deepEqual(Object.keys(d.metrics).sort(), ['__proto__', 'constructor']);
  });
});

describe('unit: mergeState converges whatever the delivery order', () => {
  // A seeded PRNG, so a failure reproduces.
  function rng(seed: number) {
    let s = seed >>> 0;
    return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
  }
  const rand = rng(42);
  const metrics = ['temperature', 'humidity', 'co2'];
  const keys = ['door', 'mode'];
  // 12 events with colliding times (tie-breaks), duplicates, nulls and partial fields.
  const events: StateEvent[] = [];
  for (let i = 0; i < 12; i++) {
    const readings: Record<string, number> = {};
    const state: Record<string, string | null> = {};
    for (const m of metrics) if (rand() < 0.6) readings[m] = Math.round(rand() * 1000) / 10;
    for (const k of keys) if (rand() < 0.5) state[k] = rand() < 0.2 ? null : `v${i}`;
    events.push(ev(`d:${i}`, T(Math.floor(rand() * 4), rand() < 0.5 ? 0 : 500), readings, state, { tenantId: `t${i % 3}` }));
  }
  events.push({ ...events[3]! }, { ...events[7]! });

  function shuffle<T>(a: T[]): T[] {
    const out = [...a];
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [out[i], out[j]] = [out[j]!, out[i]!];
    }
    return out;
  }

  /** Applies events in `order`, in chunks as a coalescer would, through the stored document. */
  function apply(order: StateEvent[], chunk: number): DeviceState | undefined {
    let doc: DeviceState | undefined;
    for (let i = 0; i < order.length; i += chunk) doc = mergeState(doc, order.slice(i, i + chunk)) ?? doc;
    return doc;
  }

  const expected = plain(apply(events, events.length)!);

  it('the expected document takes, per field, the event with the greatest (eventTime, eventId)', () => {
    for (const m of metrics) {
      const winner = events.filter((e) => m in e.readings).sort((a, b) => (a.eventTime === b.eventTime ? (a.eventId < b.eventId ? -1 : 1) : a.eventTime < b.eventTime ? -1 : 1)).pop();
      assert.equal(expected.metrics[m]?.eventId, winner?.eventId, m);
    }
  });

  it('200 random shuffles, applied one by one or in random chunks, all reach the same document', () => {
    for (let i = 0; i < 200; i++) {
      const chunk = 1 + Math.floor(rand() * 5);
      assert.deepEqual(plain(apply(shuffle(events), chunk)!), expected, `shuffle ${i}, chunk ${chunk}`);
    }
  });
});

describe('unit: mergeState under clock skew (event time capped at receive time)', () => {
  // A device whose clock runs 4 minutes fast (inside MAX_FUTURE_SKEW_SECONDS, so validate accepts it).
  const fast = ev('d:1', '2026-11-24T20:04:00.000000Z', { temperature: 99 }, { door: 'open' }, { receivedAt: T(0) });

  it('a future event counts as happening when it arrived', () => {
    const d = mergeState(undefined, [fast])!;
    assert.equal(d.metrics.temperature?.eventTime, T(0));
    assert.equal(d.lastSeen, T(0));
  });

  it('does not freeze a field: the next true event replaces it at once', () => {
    const d = mergeState(mergeState(undefined, [fast])!, [ev('d:2', T(5), { temperature: 21 }, {}, { receivedAt: T(5, 100) })])!;
    assert.equal(d.metrics.temperature?.value, 21);
    assert.equal(d.metrics.temperature?.eventId, 'd:2');
    // The state key the fast event set and the true one did not carry stays.
    assert.equal(d.state.door?.value, 'open');
  });

  it('the same outcome in either delivery order (convergence kept)', () => {
    const trueEv = ev('d:2', T(5), { temperature: 21 }, {}, { receivedAt: T(5, 100) });
    assert.deepEqual(plain(mergeState(undefined, [fast, trueEv])), plain(mergeState(undefined, [trueEv, fast])));
  });

  it('an event on time (or late) is ordered by its own event time', () => {
    const late = ev('d:3', T(3), { temperature: 18 }, {}, { receivedAt: T(30) });
    assert.equal(mergeState(undefined, [late])!.metrics.temperature?.eventTime, T(3));
  });
});
