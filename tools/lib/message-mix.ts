import { mulberry32 } from './prng.js';
// A realistic, reproducible stream of device messages (seeded random), with
// the outcome the pipeline must produce computed from what was generated:
// single events and batches from registered devices, exact duplicates (a
// device retrying the same bytes), out-of-order delivery, events for an
// unknown and a disabled device, and invalid messages with the dead-letter
// reason each must get. The end-to-end test asserts against `expected`; the
// simulator can reuse the generator.

export interface MixDevice {
  deviceId: string;
  tenantId: string;
}

export interface MixOptions {
  /** PRNG seed: the same seed gives the same stream. */
  seed: number;
  /** Registered, active devices that publish. */
  devices: readonly MixDevice[];
  /** Valid-looking messages from devices not in the registry (dead-lettered unknown-device). */
  unknownDevices: readonly string[];
  /** Registered but disabled devices (dead-lettered disabled-device). */
  disabledDevices: readonly string[];
  /** Total messages to publish (duplicates and invalid ones included). */
  messages: number;
  /** Event times end here (default now) and go back at most an hour: well inside the accepted 7 days. */
  now?: Date;
  /** Fractions of `messages` (defaults in DEFAULT_MIX). */
  batchFraction?: number;
  duplicateFraction?: number;
  invalidFraction?: number;
  unknownFraction?: number;
  disabledFraction?: number;
  /** How far (in messages) an out-of-order message may be moved back. */
  reorderWindow?: number;
}

export const DEFAULT_MIX = { batchFraction: 0.06, duplicateFraction: 0.05, invalidFraction: 0.012, unknownFraction: 0.006, disabledFraction: 0.004, reorderWindow: 40 } as const;

export type MessageKind = 'single' | 'batch' | 'duplicate' | 'invalid' | 'unknown-device' | 'disabled-device';

export interface MixMessage {
  kind: MessageKind;
  data: Buffer;
  attributes: Record<string, string>;
}

export type StateValue = string | number | boolean | null;

export interface ExpectedField<V> {
  value: V;
  eventId: string;
  /** The ts the device sent (ISO 8601 with milliseconds, UTC). */
  ts: string;
}

export interface ExpectedDeviceState {
  tenantId: string;
  lastEventId: string;
  metrics: Record<string, ExpectedField<number>>;
  state: Record<string, ExpectedField<StateValue>>;
}

export interface ExpectedOutcome {
  /** `${eventId}|${metric}` for every reading that must be in telemetry.readings exactly once. */
  readings: Set<string>;
  /** Stored reading values by `${eventId}|${metric}`. */
  readingValues: Map<string, number>;
  /** eventIds that must be in telemetry.events exactly once. */
  events: Set<string>;
  /** Dead letters per reason (one per invalid message; one per event for unknown/disabled devices). */
  deadLetters: Record<string, number>;
  deviceState: Map<string, ExpectedDeviceState>;
  /** Messages published per kind. */
  published: Record<MessageKind, number>;
  /** Events inside published messages: accepted (stored) + duplicated + dead-lettered. */
  eventsPublished: number;
  eventsDuplicated: number;
  /** Messages that arrive after a newer event of the same device. */
  outOfOrder: number;
}

export interface MessageMix {
  messages: MixMessage[];
  expected: ExpectedOutcome;
}

/** Seeded, so the same mix (and its expected outcome) comes back for a seed. */
export const prng = mulberry32;

interface GenEvent {
  seq: number;
  ts: string;
  readings: Record<string, number>;
  state: Record<string, StateValue>;
}

const round2 = (x: number): number => Math.round(x * 100) / 100;

export function generateMix(opts: MixOptions): MessageMix {
  const rnd = prng(opts.seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
  const o = { ...DEFAULT_MIX, ...opts };
  const now = (opts.now ?? new Date()).getTime();
  const total = o.messages;
  const nInvalid = Math.max(5, Math.round(total * o.invalidFraction));
  const nUnknown = Math.max(2, Math.round(total * o.unknownFraction));
  const nDisabled = Math.max(2, Math.round(total * o.disabledFraction));
  const nDuplicate = Math.round(total * o.duplicateFraction);
  const nValid = total - nInvalid - nUnknown - nDisabled - nDuplicate;
  if (nValid < opts.devices.length) throw new RangeError('too few messages for the number of devices');

  // Per-device event streams: seq 1.., strictly increasing ts (~1 s apart,
  // with millisecond jitter), so "newest" is never a tie.
  const seqs = new Map<string, number>();
  const clocks = new Map<string, number>();
  const start = now - 60 * 60 * 1000;
  const nextEvent = (deviceId: string): GenEvent => {
    const seq = (seqs.get(deviceId) ?? 0) + 1;
    seqs.set(deviceId, seq);
    const t = (clocks.get(deviceId) ?? start) + 500 + Math.floor(rnd() * 1000);
    clocks.set(deviceId, t);
    const readings: Record<string, number> = { temperature: round2(15 + rnd() * 15), humidity: round2(20 + rnd() * 60) };
    if (rnd() < 0.5) readings.pressure = round2(980 + rnd() * 50);
    if (rnd() < 0.3) readings.battery = round2(3 + rnd() * 1.2);
    if (rnd() < 0.2) readings.rssi = -Math.floor(40 + rnd() * 60); // no unit in the registry
    const state: Record<string, StateValue> = {};
    if (rnd() < 0.4) state.door = rnd() < 0.5 ? 'open' : 'closed';
    if (rnd() < 0.3) state.battery_ok = rnd() < 0.8;
    if (rnd() < 0.05) state.fault = null;
    return { seq, ts: new Date(t).toISOString(), readings, state };
  };
  const body = (e: GenEvent): Record<string, unknown> => ({
    seq: e.seq,
    ts: e.ts,
    readings: e.readings,
    ...(Object.keys(e.state).length ? { state: e.state } : {}),
  });
  const attrs = (): Record<string, string> => ({ schemaVersion: '1' });
  const encode = (v: unknown): Buffer => Buffer.from(JSON.stringify(v), 'utf8');

  const expected: ExpectedOutcome = {
    readings: new Set(),
    readingValues: new Map(),
    events: new Set(),
    deadLetters: {},
    deviceState: new Map(),
    published: { single: 0, batch: 0, duplicate: 0, invalid: 0, 'unknown-device': 0, 'disabled-device': 0 },
    eventsPublished: 0,
    eventsDuplicated: 0,
    outOfOrder: 0,
  };
  const tenantOf = new Map(opts.devices.map((d) => [d.deviceId, d.tenantId]));
  const dead = (reason: string, n = 1): void => {
    expected.deadLetters[reason] = (expected.deadLetters[reason] ?? 0) + n;
  };
  const accept = (deviceId: string, e: GenEvent): void => {
    const eventId = `${deviceId}:${e.seq}`;
    expected.events.add(eventId);
    for (const [metric, value] of Object.entries(e.readings)) {
      expected.readings.add(`${eventId}|${metric}`);
      expected.readingValues.set(`${eventId}|${metric}`, value);
    }
    let st = expected.deviceState.get(deviceId);
    if (!st) {
      st = { tenantId: tenantOf.get(deviceId) ?? '', lastEventId: '', metrics: {}, state: {} };
      expected.deviceState.set(deviceId, st);
    }
    // Events of one device are generated in time order: the later one is the newer one.
    st.lastEventId = eventId;
    for (const [k, v] of Object.entries(e.readings)) st.metrics[k] = { value: v, eventId, ts: e.ts };
    for (const [k, v] of Object.entries(e.state)) st.state[k] = { value: v, eventId, ts: e.ts };
  };

  // 1. Valid traffic in generation (time) order; each entry remembers its device and newest seq.
  interface Entry {
    msg: MixMessage;
    deviceId: string | null;
    maxSeq: number;
    events: number;
  }
  const stream: Entry[] = [];
  for (let i = 0; i < nValid; i++) {
    const d = i < opts.devices.length ? (opts.devices[i] as MixDevice) : pick(opts.devices);
    if (rnd() < o.batchFraction) {
      const n = 2 + Math.floor(rnd() * 3);
      const evs = Array.from({ length: n }, () => nextEvent(d.deviceId));
      evs.forEach((e) => accept(d.deviceId, e));
      stream.push({ msg: { kind: 'batch', data: encode({ deviceId: d.deviceId, events: evs.map(body) }), attributes: attrs() }, deviceId: d.deviceId, maxSeq: evs[evs.length - 1]!.seq, events: n });
    } else {
      const e = nextEvent(d.deviceId);
      accept(d.deviceId, e);
      stream.push({ msg: { kind: 'single', data: encode({ deviceId: d.deviceId, ...body(e) }), attributes: attrs() }, deviceId: d.deviceId, maxSeq: e.seq, events: 1 });
    }
  }

  // 2. Exact duplicates: the same bytes again, later in the stream (a device retry).
  for (let i = 0; i < nDuplicate; i++) {
    const at = Math.floor(rnd() * stream.length);
    const src = stream[at] as Entry;
    if (src.msg.kind !== 'single' && src.msg.kind !== 'batch') {
      i--;
      continue;
    }
    const to = Math.min(stream.length, at + 1 + Math.floor(rnd() * 200));
    stream.splice(to, 0, { msg: { kind: 'duplicate', data: src.msg.data, attributes: { ...src.msg.attributes } }, deviceId: src.deviceId, maxSeq: src.maxSeq, events: src.events });
    expected.eventsDuplicated += src.events;
  }

  // 3. Dead-letter material, spread through the stream.
  const insertRandom = (e: Entry): void => {
    stream.splice(Math.floor(rnd() * (stream.length + 1)), 0, e);
  };
  const recentTs = (): string => new Date(now - Math.floor(rnd() * 30 * 60 * 1000)).toISOString();
  const invalidMakers: { reason: string; make: (k: number) => Buffer }[] = [
    { reason: 'not-json', make: (k) => Buffer.from(`{"deviceId": "acme-sensor-01", "seq": ${k}, "ts": `, 'utf8') },
    { reason: 'not-json', make: (k) => Buffer.from(`temperature=21.5;humidity=40;n=${k}`, 'utf8') },
    { reason: 'schema-violation', make: (k) => encode({ deviceId: 'acme-sensor-02', seq: 900000 + k, ts: recentTs(), readings: { temperature: 'hot' } }) },
    { reason: 'schema-violation', make: (k) => encode({ deviceId: 'globex-sensor-03', seq: 900000 + k, ts: recentTs(), readings: { temperature: 20 }, colour: 'red' }) },
    { reason: 'schema-violation', make: (k) => encode({ deviceId: 'initech-sensor-04', seq: 900000 + k, ts: recentTs() }) },
    { reason: 'invalid-timestamp', make: (k) => encode({ deviceId: 'acme-sensor-05', seq: 900000 + k, ts: 'yesterday at noon', readings: { temperature: 20 } }) },
    { reason: 'invalid-timestamp', make: (k) => encode({ deviceId: 'globex-sensor-06', seq: 900000 + k, ts: '2026-13-45T25:61:00Z', readings: { humidity: 50 } }) },
    { reason: 'clock-skew-future', make: (k) => encode({ deviceId: 'initech-sensor-07', seq: 900000 + k, ts: new Date(now + 3 * 3600 * 1000).toISOString(), readings: { temperature: 20 } }) },
  ];
  for (let i = 0; i < nInvalid; i++) {
    const m = invalidMakers[i % invalidMakers.length]!;
    dead(m.reason);
    expected.eventsPublished += 1;
    insertRandom({ msg: { kind: 'invalid', data: m.make(i), attributes: attrs() }, deviceId: null, maxSeq: 0, events: 0 });
  }
  const strangers = (ids: readonly string[], n: number, kind: 'unknown-device' | 'disabled-device'): void => {
    if (!ids.length) return;
    for (let i = 0; i < n; i++) {
      const deviceId = ids[i % ids.length] as string;
      // Every third one is a batch: enrich dead-letters each of its events.
      if (i % 3 === 2) {
        const evs = [nextEvent(deviceId), nextEvent(deviceId)];
        dead(kind, evs.length);
        expected.eventsPublished += evs.length;
        insertRandom({ msg: { kind, data: encode({ deviceId, events: evs.map(body) }), attributes: attrs() }, deviceId: null, maxSeq: 0, events: 0 });
      } else {
        const e = nextEvent(deviceId);
        dead(kind);
        expected.eventsPublished += 1;
        insertRandom({ msg: { kind, data: encode({ deviceId, ...body(e) }), attributes: attrs() }, deviceId: null, maxSeq: 0, events: 0 });
      }
    }
  };
  strangers(opts.unknownDevices, nUnknown, 'unknown-device');
  strangers(opts.disabledDevices, nDisabled, 'disabled-device');

  // 4. Out of order: move some messages back by up to reorderWindow places.
  for (let i = stream.length - 1; i > 0; i--) {
    if (rnd() < 0.15) {
      const j = Math.max(0, i - 1 - Math.floor(rnd() * o.reorderWindow));
      const [e] = stream.splice(i, 1);
      stream.splice(j, 0, e as Entry);
    }
  }
  const newest = new Map<string, number>();
  for (const e of stream) {
    if (!e.deviceId || e.msg.kind === 'duplicate') continue;
    if ((newest.get(e.deviceId) ?? 0) > e.maxSeq) expected.outOfOrder++;
    else newest.set(e.deviceId, e.maxSeq);
  }

  for (const e of stream) {
    expected.published[e.msg.kind]++;
    if (e.msg.kind === 'single' || e.msg.kind === 'batch' || e.msg.kind === 'duplicate') expected.eventsPublished += e.events;
  }
  return { messages: stream.map((e) => e.msg), expected };
}
