// The dashboard server's data: the tenants and their registered devices
// (Firestore, admin access), per-device metric series for the sparklines and
// the dead-letter overview (BigQuery, GoogleSQL through the official client).
import type { BigQuery } from '@google-cloud/bigquery';
import type { Firestore } from '@google-cloud/firestore';
import { COLLECTIONS, DATASET } from '../../functions/lib/names.js';
import { plainValue } from '../lib/bigquery-query.js';
import { runQuery } from '../lib/bigquery-query.js';
import { DEVICE_ID_PATTERN } from '../../schemas/device-message.v1.js';
import { DEADLETTER_DEDUP, READINGS_DEDUP } from '../../schemas/bigquery-views.js';

export interface DeviceInfo {
  deviceId: string;
  tenantId: string;
  site: string | null;
  model: string | null;
  status: string;
  units: Record<string, string>;
}

export interface TenantInfo {
  tenantId: string;
  devices: DeviceInfo[];
}

/** Tenants from the registry and from live state (a device may report before it is listed), sorted. */
export async function loadTenants(fs: Firestore): Promise<TenantInfo[]> {
  const [registry, state] = await Promise.all([
    fs.collection(COLLECTIONS.devices).limit(5000).get(),
    fs.collection(COLLECTIONS.deviceState).select('tenantId').limit(5000).get(),
  ]);
  const tenants = new Map<string, DeviceInfo[]>();
  for (const doc of registry.docs) {
    const d = doc.data() as Partial<DeviceInfo> & { units?: Record<string, string> };
    if (typeof d.tenantId !== 'string') continue;
    const list = tenants.get(d.tenantId) ?? [];
    list.push({
      deviceId: doc.id,
      tenantId: d.tenantId,
      site: typeof d.site === 'string' ? d.site : null,
      model: typeof d.model === 'string' ? d.model : null,
      status: typeof d.status === 'string' ? d.status : 'active',
      units: d.units && typeof d.units === 'object' ? d.units : {},
    });
    tenants.set(d.tenantId, list);
  }
  for (const doc of state.docs) {
    const t = doc.get('tenantId') as unknown;
    if (typeof t === 'string' && !tenants.has(t)) tenants.set(t, []);
  }
  return [...tenants.entries()]
    .sort((a, b) => a[0].localeCompare(b[0]))
    .map(([tenantId, devices]) => ({ tenantId, devices: devices.sort((a, b) => a.deviceId.localeCompare(b.deviceId)) }));
}

export const SPARK_WINDOWS = {
  hour: { minutes: 60, bucket: 'MINUTE' },
  day: { minutes: 24 * 60, bucket: 'HOUR' },
} as const;
export type SparkWindow = keyof typeof SPARK_WINDOWS;

export interface Sparklines {
  window: SparkWindow;
  bucket: string;
  /** deviceId -> metric -> [bucket start ms, average] in time order. */
  series: Record<string, Record<string, [number, number][]>>;
}

export const DEVICE_ID = new RegExp(DEVICE_ID_PATTERN);

export async function sparklines(bq: BigQuery, projectId: string, devices: readonly string[], window: SparkWindow): Promise<Sparklines> {
  const w = SPARK_WINDOWS[window];
  // Through the de-dup views: the raw tables may hold copies (at-least-once writes).
  const sql = `SELECT device_id, metric, TIMESTAMP_TRUNC(event_time, ${w.bucket}) AS t, AVG(value) AS v
FROM \`${projectId}.${DATASET}.${READINGS_DEDUP.viewId}\`
WHERE device_id IN UNNEST(@devices)
  AND event_time >= TIMESTAMP_SUB(CURRENT_TIMESTAMP(), INTERVAL ${w.minutes} MINUTE)
GROUP BY device_id, metric, t
ORDER BY device_id, metric, t`;
  const res = await runQuery(bq, sql, { params: { devices: [...devices] }, types: { devices: ['STRING'] }, maxRows: 200_000 });
  const series: Sparklines['series'] = {};
  for (const r of res.rows) {
    const d = String(r.device_id);
    const m = String(r.metric);
    const t = Date.parse(String(plainValue(r.t)));
    const v = Number(plainValue(r.v));
    if (!Number.isFinite(t) || !Number.isFinite(v)) continue;
    ((series[d] ??= {})[m] ??= []).push([t, v]);
  }
  return { window, bucket: w.bucket.toLowerCase(), series };
}

export interface DeadLetterSummary {
  /** Dead letters received in the last 24 hours. */
  last24h: number;
  top: { stage: string; reason: string; count: number; lastSeen: string | null }[];
}

export async function deadLetters(bq: BigQuery, projectId: string): Promise<DeadLetterSummary> {
  const sql = `SELECT stage, reason, COUNT(*) AS n, MAX(received_at) AS last_seen
FROM \`${projectId}.${DATASET}.${DEADLETTER_DEDUP.viewId}\`
WHERE received_at >= TIMESTAMP_SUB(CURRENT_TIMESTAMP(), INTERVAL 24 HOUR)
GROUP BY stage, reason
ORDER BY n DESC, stage, reason`;
  const res = await runQuery(bq, sql, { maxRows: 1000 });
  const all = res.rows.map((r) => ({
    stage: String(r.stage),
    reason: String(r.reason),
    count: Number(plainValue(r.n)),
    lastSeen: r.last_seen === null || r.last_seen === undefined ? null : String(plainValue(r.last_seen)),
  }));
  return { last24h: all.reduce((n, r) => n + r.count, 0), top: all.slice(0, 50) };
}
