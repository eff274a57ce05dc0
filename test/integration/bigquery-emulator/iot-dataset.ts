import { mulberry32 } from '../../../tools/lib/prng.js';
// A seeded IoT readings data set for the analyst query suite: 3 tenants,
// 20 devices, 2 metrics, about 3,000 rows. The suite computes every expected
// result from these rows in plain TypeScript, never through the emulator.

export interface Reading {
  event_id: string;
  tenant_id: string;
  device_id: string;
  metric: 'temperature' | 'humidity';
  value: number;
  unit: string | null;
  /** Milliseconds since the epoch. */
  event_time: number;
  ingest_time: number;
  site: string;
  model: string | null;
  seq: number;
}

export const seededRandom = mulberry32;

export const TENANTS = ['acme', 'globex', 'initech'];
export const BASE_TIME = Date.UTC(2026, 10, 20, 0, 0, 0);

export function generateReadings(seed = 42): Reading[] {
  const rnd = seededRandom(seed);
  const rows: Reading[] = [];
  for (let d = 0; d < 20; d++) {
    const device = `sensor-${String(d).padStart(2, '0')}`;
    const tenant = TENANTS[d % 3]!;
    const site = `${tenant}-site-${d % 2}`;
    const events = 70 + Math.floor(rnd() * 10);
    for (let k = 0; k < events; k++) {
      // Strictly increasing per device: 38-minute slots with up to 30 minutes of jitter.
      const t = BASE_TIME + k * 38 * 60_000 + Math.floor(rnd() * 30 * 60_000);
      const seq = k + 1;
      const temp = Math.round((15 + rnd() * 10) * 100) / 100;
      const hum = Math.round((30 + rnd() * 40) * 100) / 100;
      for (const [metric, value, unit] of [
        ['temperature', temp, 'celsius'],
        ['humidity', hum, 'percent'],
      ] as const) {
        rows.push({
          event_id: `${device}:${seq}`,
          tenant_id: tenant,
          device_id: device,
          metric,
          value,
          unit: d % 5 === 0 ? null : unit,
          event_time: t,
          ingest_time: t + 150 + Math.floor(rnd() * 1000),
          site,
          model: d % 4 === 0 ? null : `model-${d % 3}`,
          seq,
        });
      }
    }
  }
  return rows;
}

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

export function groupBy<T>(rows: T[], key: (r: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const r of rows) {
    const k = key(r);
    const list = m.get(k);
    if (list) list.push(r);
    else m.set(k, [r]);
  }
  return m;
}

export const avg = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

/** Exact discrete quantile (nearest rank): the emulator's APPROX_QUANTILES boundaries. */
export function nearestRank(sorted: number[], q: number): number {
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)]!;
}

/** Compares floats to 1e-9 relative. */
export function close(a: number, b: number): boolean {
  return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
}
