// Realistic device traffic for every section, deterministic (seeded): seeded
// devices send mostly single readings with a few state keys, and some send
// small batches (2 to 5 events), as a gateway flushing a buffer would.
import { ACTIVE_DEVICES } from '../tools/emulate/seed.js';
import { LOCAL_PROJECT_ID } from '../functions/lib/names.js';
import { mulberry32 } from '../tools/lib/prng.js';

export interface DeviceMessage {
  deviceId: string;
  /** Exactly the bytes the device publishes. */
  data: Buffer;
  attributes: Record<string, string>;
  /** Events inside (1 for a single message). */
  events: number;
  /** Readings inside (rows in telemetry.readings). */
  readings: number;
}

/** Seeded, so every run sends the same traffic. */
export const prng = mulberry32;

export interface TrafficOptions {
  count: number;
  /** Devices to spread messages over (default: the seeded active devices). */
  deviceIds?: readonly string[];
  /** Share of batch messages (default 0.2). */
  batchShare?: number;
  /** Event times end here (default now); each device's events are 100 ms apart. */
  now?: Date;
  /** First seq of every device (distinct per run, so runs never collide on eventId). */
  seqBase?: number;
  seed?: number;
}

const round = (x: number, digits: number): number => Number(x.toFixed(digits));

function readingsFor(rand: () => number): Record<string, number> {
  const r: Record<string, number> = {
    temperature: round(18 + rand() * 8, 2),
    humidity: round(30 + rand() * 30, 1),
  };
  if (rand() < 0.5) r.pressure = round(990 + rand() * 40, 1);
  if (rand() < 0.3) r.co2 = Math.round(400 + rand() * 800);
  if (rand() < 0.3) r.battery = round(3 + rand() * 1.2, 2);
  return r;
}

function stateFor(rand: () => number): Record<string, string | boolean> | undefined {
  if (rand() < 0.4) return undefined;
  return { door: rand() < 0.5 ? 'open' : 'closed', battery_ok: rand() < 0.95 };
}

/** Device messages round-robin over the devices, in publish order. */
export function buildTraffic(opts: TrafficOptions): DeviceMessage[] {
  const rand = prng(opts.seed ?? 42);
  const devices = opts.deviceIds ?? ACTIVE_DEVICES.map((d) => d.deviceId);
  if (devices.length === 0) throw new Error('no devices');
  const batchShare = opts.batchShare ?? 0.2;
  const now = (opts.now ?? new Date()).getTime();
  const seqBase = opts.seqBase ?? 1;
  const nextSeq = new Map<string, number>();
  // Event times run up to `now`: messages later in the list are newer.
  const spanMs = Math.ceil(opts.count / devices.length) * 500;
  const out: DeviceMessage[] = [];
  for (let i = 0; i < opts.count; i++) {
    const deviceId = devices[i % devices.length] as string;
    const nEvents = rand() < batchShare ? 2 + Math.floor(rand() * 4) : 1;
    const baseMs = now - spanMs + Math.floor((i / opts.count) * spanMs);
    const events = [];
    let readings = 0;
    for (let e = 0; e < nEvents; e++) {
      const seq = nextSeq.get(deviceId) ?? seqBase;
      nextSeq.set(deviceId, seq + 1);
      const r = readingsFor(rand);
      readings += Object.keys(r).length;
      const state = stateFor(rand);
      events.push({ seq, ts: new Date(baseMs + e * 100).toISOString(), readings: r, ...(state ? { state } : {}) });
    }
    const body = nEvents === 1 ? { deviceId, ...events[0] } : { deviceId, events };
    out.push({ deviceId, data: Buffer.from(JSON.stringify(body), 'utf8'), attributes: { schemaVersion: '1' }, events: nEvents, readings });
  }
  return out;
}

export const BENCH_SUBSCRIPTION = `projects/${LOCAL_PROJECT_ID}/subscriptions/validate-device-events`;

/** The JSON body Pub/Sub push POSTs for a message (what the functions-framework turns into a CloudEvent). */
export function pushEnvelope(m: DeviceMessage, messageId: string, publishTime: Date): Record<string, unknown> {
  return {
    subscription: BENCH_SUBSCRIPTION,
    message: {
      data: m.data.toString('base64'),
      attributes: { ...m.attributes },
      messageId,
      publishTime: publishTime.toISOString(),
    },
  };
}

/** deviceId -> eventId of its newest event (the traffic's event times grow per device; seq counts from seqBase). */
export function newestEventIds(traffic: readonly DeviceMessage[], seqBase: number): Map<string, string> {
  const events = new Map<string, number>();
  for (const m of traffic) events.set(m.deviceId, (events.get(m.deviceId) ?? 0) + m.events);
  return new Map([...events].map(([id, n]) => [id, `${id}:${seqBase + n - 1}`]));
}
