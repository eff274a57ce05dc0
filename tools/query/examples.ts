// Named example queries for analysts (`npm run query -- --example NAME`).
// GoogleSQL, the same text runs on real BigQuery and on the local emulator;
// docs/queries.md shows them too (a unit test keeps the two in step).
import { DATASET, TABLES } from '../../functions/lib/names.js';

export interface ExampleQuery {
  name: string;
  title: string;
  description: string;
  sql(projectId: string): string;
}

const table = (projectId: string, t: string): string => `\`${projectId}.${DATASET}.${t}\``;

export const EXAMPLES: readonly ExampleQuery[] = [
  {
    name: 'hourly-avg',
    title: 'Hourly averages',
    description: 'Average, minimum and maximum of each metric per tenant and hour, last 24 hours.',
    sql: (p) => `SELECT
  TIMESTAMP_TRUNC(event_time, HOUR) AS hour,
  tenant_id,
  metric,
  COUNT(*) AS readings,
  ROUND(AVG(value), 2) AS avg_value,
  ROUND(MIN(value), 2) AS min_value,
  ROUND(MAX(value), 2) AS max_value
FROM ${table(p, TABLES.readings)}
WHERE event_time >= TIMESTAMP_SUB(CURRENT_TIMESTAMP(), INTERVAL 24 HOUR)
GROUP BY hour, tenant_id, metric
ORDER BY hour DESC, tenant_id, metric
LIMIT 500`,
  },
  {
    name: 'p95-by-site',
    title: 'Percentiles by site',
    description: 'Median and 95th percentile (approximate) of each metric per site, last 24 hours.',
    sql: (p) => `SELECT
  site,
  metric,
  COUNT(*) AS readings,
  COUNT(DISTINCT device_id) AS devices,
  ROUND(APPROX_QUANTILES(value, 100)[OFFSET(50)], 2) AS p50,
  ROUND(APPROX_QUANTILES(value, 100)[OFFSET(95)], 2) AS p95,
  ROUND(MAX(value), 2) AS max_value
FROM ${table(p, TABLES.readings)}
WHERE event_time >= TIMESTAMP_SUB(CURRENT_TIMESTAMP(), INTERVAL 24 HOUR)
GROUP BY site, metric
ORDER BY site, metric`,
  },
  {
    name: 'silent-devices',
    title: 'Silent devices',
    description: 'Devices seen in the last 7 days whose newest reading is more than 15 minutes old.',
    sql: (p) => `SELECT
  tenant_id,
  device_id,
  ANY_VALUE(site) AS site,
  MAX(event_time) AS last_reading,
  TIMESTAMP_DIFF(CURRENT_TIMESTAMP(), MAX(event_time), MINUTE) AS minutes_silent
FROM ${table(p, TABLES.readings)}
WHERE event_time >= TIMESTAMP_SUB(CURRENT_TIMESTAMP(), INTERVAL 7 DAY)
GROUP BY tenant_id, device_id
HAVING MAX(event_time) < TIMESTAMP_SUB(CURRENT_TIMESTAMP(), INTERVAL 15 MINUTE)
ORDER BY minutes_silent DESC, tenant_id, device_id
LIMIT 200`,
  },
  {
    name: 'anomalies',
    title: 'Anomalies',
    description: 'Readings more than 4 standard deviations away from the mean of the same device and metric over its previous 20 readings (spikes, faults), last 24 hours.',
    sql: (p) => `WITH scored AS (
  SELECT
    tenant_id,
    device_id,
    metric,
    event_time,
    value,
    AVG(value) OVER w AS baseline,
    STDDEV_SAMP(value) OVER w AS spread,
    COUNT(*) OVER w AS history
  FROM ${table(p, TABLES.readings)}
  WHERE event_time >= TIMESTAMP_SUB(CURRENT_TIMESTAMP(), INTERVAL 24 HOUR)
  WINDOW w AS (PARTITION BY device_id, metric ORDER BY event_time ROWS BETWEEN 20 PRECEDING AND 1 PRECEDING)
)
SELECT
  tenant_id,
  device_id,
  metric,
  event_time,
  value,
  ROUND(baseline, 2) AS baseline,
  ROUND(SAFE_DIVIDE(value - baseline, spread), 1) AS z_score
FROM scored
WHERE history >= 5
  AND ABS(SAFE_DIVIDE(value - baseline, spread)) > 4
ORDER BY event_time DESC, device_id, metric
LIMIT 100`,
  },
  {
    name: 'late-arrivals',
    title: 'Late arrivals',
    description: 'Per tenant: how many events measured in the last 24 hours arrived more than a minute late, and the worst delay.',
    sql: (p) => `SELECT
  tenant_id,
  COUNT(DISTINCT event_id) AS events,
  COUNT(DISTINCT IF(TIMESTAMP_DIFF(ingest_time, event_time, SECOND) > 60, event_id, NULL)) AS late_events,
  MAX(TIMESTAMP_DIFF(ingest_time, event_time, SECOND)) AS worst_delay_s
FROM ${table(p, TABLES.readings)}
WHERE event_time >= TIMESTAMP_SUB(CURRENT_TIMESTAMP(), INTERVAL 24 HOUR)
GROUP BY tenant_id
ORDER BY tenant_id`,
  },
  {
    name: 'deadletter-reasons',
    title: 'Dead letters by reason',
    description: 'Messages that could not be processed, per stage and reason, last 7 days (replay them with npm run replay).',
    sql: (p) => `SELECT
  stage,
  reason,
  COUNT(*) AS messages,
  COUNT(DISTINCT device_id) AS devices,
  MIN(received_at) AS first_seen,
  MAX(received_at) AS last_seen
FROM ${table(p, TABLES.deadLetter)}
WHERE received_at >= TIMESTAMP_SUB(CURRENT_TIMESTAMP(), INTERVAL 7 DAY)
GROUP BY stage, reason
ORDER BY messages DESC, stage, reason`,
  },
];

export function findExample(name: string): ExampleQuery | undefined {
  return EXAMPLES.find((e) => e.name === name);
}
