// Realistic-looking sensor signals for one device: a daily temperature curve
// in the site's local time, humidity moving against it, slow pressure drift,
// CO2 following office hours, a battery that drains, plus the faults real
// fleets show (stuck values, spikes, dropouts). Pure and seeded: the same
// seed and timestamps give the same readings.
import type { Rng } from './rng.js';

/** Time zones of the seeded sites; an unknown site gets one derived from its name. */
export const SITE_TIME_ZONES: Readonly<Record<string, string>> = {
  'acme-berlin': 'Europe/Berlin',
  'acme-lyon': 'Europe/Paris',
  'globex-austin': 'America/Chicago',
  'globex-osaka': 'Asia/Tokyo',
  'initech-dublin': 'Europe/Dublin',
  'initech-porto': 'Europe/Lisbon',
};
const FALLBACK_ZONES = ['UTC', 'Europe/London', 'America/New_York', 'Asia/Singapore', 'Australia/Sydney'] as const;

export function timeZoneFor(site: string | null | undefined): string {
  if (site && SITE_TIME_ZONES[site]) return SITE_TIME_ZONES[site];
  let h = 0;
  for (const ch of site ?? '') h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return FALLBACK_ZONES[h % FALLBACK_ZONES.length] ?? 'UTC';
}

const formatters = new Map<string, Intl.DateTimeFormat>();
const hourCache = new Map<string, number>();

/** Local hour of day (fractional, 0..24) at `at` in `timeZone`. */
export function localHour(at: Date, timeZone: string): number {
  // Offsets change at most hourly: cache the local hour of each UTC hour.
  const utcHour = Math.floor(at.getTime() / 3_600_000);
  const key = `${timeZone}|${utcHour}`;
  let base = hourCache.get(key);
  if (base === undefined) {
    let f = formatters.get(timeZone);
    if (!f) {
      f = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
      formatters.set(timeZone, f);
    }
    const parts = f.formatToParts(new Date(utcHour * 3_600_000));
    const hh = Number(parts.find((p) => p.type === 'hour')?.value ?? 0);
    const mm = Number(parts.find((p) => p.type === 'minute')?.value ?? 0);
    base = hh + mm / 60;
    if (hourCache.size > 10_000) hourCache.clear();
    hourCache.set(key, base);
  }
  const frac = (at.getTime() - utcHour * 3_600_000) / 3_600_000;
  return (base + frac) % 24;
}

export type FaultKind = 'stuck' | 'spike' | 'dropout';

export interface FaultRates {
  /** Per-sample chance that a stuck-value episode starts. */
  stuck: number;
  /** Per-sample chance of a one-sample spike. */
  spike: number;
  /** Per-sample chance that a metric goes missing for a while. */
  dropout: number;
}

export const DEFAULT_FAULT_RATES: FaultRates = { stuck: 0.002, spike: 0.003, dropout: 0.002 };

export interface Sample {
  readings: Record<string, number>;
  state: Record<string, string | boolean>;
  /** The fault that shaped this sample, if any (for tests and the summary). */
  fault: FaultKind | null;
}

export interface SignalOptions {
  site: string | null;
  /** Metrics this device reports (the registry's units keys). */
  metrics: readonly string[];
  faults?: FaultRates;
  /** Battery drain per sample, volts. */
  batteryDrainPerSample?: number;
}

const round = (v: number, digits: number): number => {
  const m = 10 ** digits;
  return Math.round(v * m) / m;
};

/** One device's signal generator. Call next() with non-decreasing or arbitrary times; state advances per call. */
export class DeviceSignals {
  readonly timeZone: string;
  private readonly baseTemp: number;
  private readonly dailyAmp: number;
  private readonly baseHumidity: number;
  private readonly basePressure: number;
  private tempNoise = 0;
  private pressureDrift = 0;
  private battery: number;
  private door: 'open' | 'closed' = 'closed';
  private stuckLeft = 0;
  private stuckValue = 0;
  private dropoutLeft = 0;
  private dropoutMetric = '';
  private readonly faults: FaultRates;
  private readonly drain: number;

  constructor(
    private readonly rng: Rng,
    private readonly opts: SignalOptions,
  ) {
    this.timeZone = timeZoneFor(opts.site);
    this.baseTemp = rng.range(18, 24);
    this.dailyAmp = rng.range(2.5, 5);
    this.baseHumidity = rng.range(40, 55);
    this.basePressure = rng.range(1005, 1022);
    this.battery = rng.range(3.0, 3.3);
    this.faults = opts.faults ?? DEFAULT_FAULT_RATES;
    this.drain = opts.batteryDrainPerSample ?? 0.0004;
  }

  /** The noise-free daily temperature curve: warmest at 15:00 local, coolest at 03:00. */
  temperatureCurve(at: Date): number {
    const h = localHour(at, this.timeZone);
    return this.baseTemp + this.dailyAmp * Math.cos((2 * Math.PI * (h - 15)) / 24);
  }

  next(at: Date): Sample {
    const r = this.rng;
    let fault: FaultKind | null = null;

    // AR(1) noise: consecutive readings are correlated like a real room.
    this.tempNoise = 0.8 * this.tempNoise + 0.25 * r.normal();
    let temperature = this.temperatureCurve(at) + this.tempNoise;
    if (this.stuckLeft > 0) {
      this.stuckLeft--;
      temperature = this.stuckValue;
      fault = 'stuck';
    } else if (r.chance(this.faults.stuck)) {
      this.stuckLeft = r.int(20, 60);
      this.stuckValue = temperature;
      fault = 'stuck';
    } else if (r.chance(this.faults.spike)) {
      temperature += (r.chance(0.5) ? 1 : -1) * r.range(15, 30);
      fault = 'spike';
    }

    // Humidity falls as the room warms (relative humidity at constant moisture).
    const humidity = Math.min(98, Math.max(5, this.baseHumidity - 2.2 * (temperature - this.baseTemp) + 1.0 * r.normal()));
    this.pressureDrift = Math.max(-15, Math.min(15, this.pressureDrift + 0.05 * r.normal()));
    const pressure = this.basePressure + this.pressureDrift + 0.2 * r.normal();
    const h = localHour(at, this.timeZone);
    const occupied = h >= 8.5 && h < 18.5 ? Math.sin((Math.PI * (h - 8.5)) / 10) : 0;
    const co2 = 420 + 650 * occupied + 25 * r.normal();
    this.battery = Math.max(2.5, this.battery - this.drain * (0.5 + r.next()));
    if (r.chance(0.02)) this.door = this.door === 'open' ? 'closed' : 'open';

    // battery_ok is what the device reports from the same (rounded) voltage it sends.
    const battery = round(this.battery, 3);
    const all: Record<string, number> = {
      temperature: round(temperature, 2),
      humidity: round(humidity, 1),
      pressure: round(pressure, 1),
      co2: Math.round(Math.max(380, co2)),
      battery,
    };
    const readings: Record<string, number> = {};
    for (const m of this.opts.metrics) {
      readings[m] = all[m] ?? round(50 + 10 * r.normal(), 2);
    }

    if (this.dropoutLeft > 0) {
      this.dropoutLeft--;
      delete readings[this.dropoutMetric];
      fault ??= 'dropout';
    } else if (this.opts.metrics.length > 1 && r.chance(this.faults.dropout)) {
      this.dropoutLeft = r.int(5, 30);
      this.dropoutMetric = r.pick(this.opts.metrics);
      delete readings[this.dropoutMetric];
      fault ??= 'dropout';
    }

    return { readings, state: { door: this.door, battery_ok: battery >= 2.9 }, fault };
  }
}
