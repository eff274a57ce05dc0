// Builds the bytes the simulator publishes, one message at a time: single
// events, batches a device buffered, late arrivals, exact duplicates (a
// client retry re-sends the same bytes, so the same eventId) and invalid
// messages of several sorts that validate must dead-letter.
import { createRng, type Rng } from './rng.js';
import { DeviceSignals, type FaultKind, type FaultRates } from './signals.js';
import { KindStream, type Kind, type MixShares } from './mix.js';

export interface FleetDevice {
  deviceId: string;
  tenantId: string;
  site: string | null;
  metrics: readonly string[];
}

export interface OutMessage {
  kind: Kind;
  deviceId: string;
  data: Buffer;
  attributes: Record<string, string>;
  /** Events inside (a batch has several; an invalid message counts 0). */
  events: number;
  /** Which sort of invalid message (invalid kind only). */
  invalidVariant?: InvalidVariant;
  fault?: FaultKind;
}

export const INVALID_VARIANTS = ['not-json', 'schema-violation', 'unknown-device', 'future-timestamp', 'bad-device-id', 'disabled-device'] as const;
export type InvalidVariant = (typeof INVALID_VARIANTS)[number];

export interface FactoryOptions {
  devices: readonly FleetDevice[];
  shares: MixShares;
  seed: number;
  /** Messages in the whole run, when bounded by count (makes shares exact over the run). */
  total?: number;
  /** First seq of every device; a time-based default keeps eventIds of separate runs apart. */
  seqBase: number;
  now: () => Date;
  /** Registered but disabled device ids (for the disabled-device variant); empty skips it. */
  disabledDeviceIds?: readonly string[];
  faults?: FaultRates;
}

interface DeviceRuntime {
  device: FleetDevice;
  signals: DeviceSignals;
  seq: number;
}

const RECENT = 64;
const ATTRS = { schemaVersion: '1' } as const;

export class MessageFactory {
  private readonly rng: Rng;
  private readonly kinds: KindStream;
  private readonly runtimes: DeviceRuntime[];
  private readonly recent: OutMessage[] = [];
  private variantIndex = 0;

  constructor(private readonly opts: FactoryOptions) {
    if (opts.devices.length === 0) throw new Error('the simulator needs at least one device');
    this.rng = createRng(opts.seed);
    this.kinds = new KindStream(opts.shares, this.rng.fork('mix'), opts.total);
    this.runtimes = opts.devices.map((device) => ({
      device,
      signals: new DeviceSignals(this.rng.fork(`device:${device.deviceId}`), { site: device.site, metrics: device.metrics, ...(opts.faults ? { faults: opts.faults } : {}) }),
      seq: opts.seqBase,
    }));
  }

  next(): OutMessage {
    const kind = this.kinds.next();
    const now = this.opts.now();
    switch (kind) {
      case 'single':
        return this.remember(this.single(this.pickDevice(), now, 'single'));
      case 'late':
        // Buffered on a flaky link: measured minutes ago, arriving now.
        return this.remember(this.single(this.pickDevice(), new Date(now.getTime() - this.rng.int(120, 1800) * 1000), 'late'));
      case 'batch':
        return this.remember(this.batch(this.pickDevice(), now));
      case 'duplicate':
        return this.duplicate(now);
      case 'invalid':
        return this.invalid(now);
    }
  }

  private pickDevice(): DeviceRuntime {
    return this.rng.pick(this.runtimes);
  }

  private event(rt: DeviceRuntime, at: Date): { body: Record<string, unknown>; fault: FaultKind | null } {
    const s = rt.signals.next(at);
    const seq = rt.seq++;
    return { body: { seq, ts: at.toISOString(), readings: s.readings, state: s.state }, fault: s.fault };
  }

  private single(rt: DeviceRuntime, at: Date, kind: 'single' | 'late'): OutMessage {
    const { body, fault } = this.event(rt, at);
    return this.out(kind, rt.device.deviceId, { deviceId: rt.device.deviceId, ...body }, 1, fault);
  }

  private batch(rt: DeviceRuntime, now: Date): OutMessage {
    const n = this.rng.int(2, 10);
    const events: Record<string, unknown>[] = [];
    let fault: FaultKind | null = null;
    // A device that buffered n readings taken 5 s apart, sending them together.
    for (let i = n - 1; i >= 0; i--) {
      const e = this.event(rt, new Date(now.getTime() - i * 5000));
      events.push(e.body);
      fault ??= e.fault;
    }
    return this.out('batch', rt.device.deviceId, { deviceId: rt.device.deviceId, events }, n, fault);
  }

  private duplicate(now: Date): OutMessage {
    const prev = this.recent.length > 0 ? this.rng.pick(this.recent) : undefined;
    // Only when a run starts with nothing to duplicate (the mix avoids it) is a fresh event sent.
    if (!prev) return { ...this.single(this.pickDevice(), now, 'single'), kind: 'duplicate' };
    return { kind: 'duplicate', deviceId: prev.deviceId, data: Buffer.from(prev.data), attributes: { ...prev.attributes }, events: prev.events };
  }

  private invalid(now: Date): OutMessage {
    const disabled = this.opts.disabledDeviceIds ?? [];
    const variants = INVALID_VARIANTS.filter((v) => v !== 'disabled-device' || disabled.length > 0);
    // Rotate through the variants so every sort shows up in a short run.
    const variant = variants[this.variantIndex++ % variants.length] as InvalidVariant;
    const rt = this.pickDevice();
    const id = rt.device.deviceId;
    let data: Buffer;
    let deviceId = id;
    switch (variant) {
      case 'not-json':
        data = Buffer.from(`{"deviceId":"${id}","seq":${rt.seq},"ts":"${now.toISOString()}","readings":{"temperature":2`, 'utf8');
        break;
      case 'schema-violation':
        data = json({ deviceId: id, seq: rt.seq++, ts: now.toISOString(), readings: { temperature: 'warm' } });
        break;
      case 'unknown-device':
        deviceId = `ghost-sensor-${String(this.rng.int(1, 99)).padStart(2, '0')}`;
        data = json({ deviceId, seq: this.rng.int(1, 1_000_000), ts: now.toISOString(), readings: { temperature: 21.5 } });
        break;
      case 'future-timestamp':
        data = json({ deviceId: id, seq: rt.seq++, ts: new Date(now.getTime() + 86_400_000).toISOString(), readings: { temperature: 21.5 } });
        break;
      case 'bad-device-id':
        deviceId = '../devices/evil';
        data = json({ deviceId, seq: 1, ts: now.toISOString(), readings: { temperature: 21.5 } });
        break;
      case 'disabled-device':
        deviceId = this.rng.pick(disabled);
        data = json({ deviceId, seq: this.rng.int(1, 1_000_000), ts: now.toISOString(), readings: { temperature: 21.5 } });
        break;
    }
    return { kind: 'invalid', deviceId, data, attributes: { ...ATTRS }, events: 0, invalidVariant: variant };
  }

  private out(kind: Kind, deviceId: string, body: Record<string, unknown>, events: number, fault: FaultKind | null): OutMessage {
    return { kind, deviceId, data: json(body), attributes: { ...ATTRS }, events, ...(fault ? { fault } : {}) };
  }

  private remember(m: OutMessage): OutMessage {
    this.recent.push(m);
    if (this.recent.length > RECENT) this.recent.shift();
    return m;
  }
}

function json(v: unknown): Buffer {
  return Buffer.from(JSON.stringify(v), 'utf8');
}
