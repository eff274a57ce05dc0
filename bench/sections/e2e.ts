// Section "e2e": the whole pipeline through the local stack, batched (group
// commit to BigQuery, per-device coalescing in Firestore: the defaults)
// beside the naive path (BQ_BATCH_MAX_ROWS=1, BQ_BATCH_MAX_WAIT_MS=0,
// FIRESTORE_COALESCE_MS=0: one request per row and per message), each on a
// freshly started stack, same traffic, same run.
import { FUNCTION_NAMES } from '../../functions/lib/names.js';
import { billedSeconds, pubsubBytesPerMessage, requestsPerMessage } from '../delivery-measures.js';
import { loadRuns, PATH_LABELS, pathModes, type LoadRunResult } from '../load-run.js';
import { BILLING_RULES } from '../prices.js';
import { toRow } from '../report.js';
import type { SectionContext } from '../section.js';
import type { BenchRow } from '../types.js';

/**
 * sinkFirestore's document writes per device message it handled: all the
 * messages when the run finished, else the share of events it acked.
 */
export function firestoreWritesPerMessage(r: LoadRunResult): number {
  const c = r.firestore.sinkFirestore;
  if (!c) return Number.NaN;
  const handled = r.completed ? r.traffic.length : (r.traffic.length * Math.min(r.events, r.acked.sinkFirestore)) / r.events;
  return handled > 0 ? c.firestoreWrites / handled : Number.NaN;
}

export function bigQueryRequestsPerThousandRows(r: LoadRunResult): number {
  return r.bigquery.rowsInserted > 0 ? (r.bigquery.insertRequests / r.bigquery.rowsInserted) * 1000 : Number.NaN;
}

function describeRun(r: LoadRunResult): string {
  const fs = r.firestore.sinkFirestore;
  return (
    `${PATH_LABELS[r.mode]}: ${r.traffic.length} messages (${r.events} events, ${r.expectedRows} rows) from ${r.plan.devices} devices at ${r.plan.ratePerDevice} msg/s each, ` +
    `published in ${r.publishSeconds.toFixed(1)} s, ${r.completed ? 'all' : 'NOT all'} through after ${r.elapsedSeconds.toFixed(1)} s; ` +
    `BigQuery ${r.bigquery.insertRequests} insert requests for ${r.bigquery.rowsInserted} rows (${r.bigquery.rowsDeduplicated} deduplicated, ${r.bigquery.rowsRejected} rejected); ` +
    (fs ? `Firestore ${fs.firestoreCommits} commits, ${fs.firestoreWrites} document writes, ${fs.firestoreReads} reads in sinkFirestore; ` : 'Firestore counters unavailable; ') +
    `${r.deviceStateDocs} deviceState documents; ${r.failedDeliveries} failed deliveries`
  );
}

/** Instance-seconds request-based Cloud Run bills per 1,000 device messages for the measured request spans (all functions). */
export function billedSecondsPerThousand(r: LoadRunResult): number {
  const s = FUNCTION_NAMES.reduce((sum, fn) => sum + billedSeconds(r.records[fn], BILLING_RULES), 0);
  return r.traffic.length > 0 ? (s / r.traffic.length) * 1000 : Number.NaN;
}

function rows(ours: LoadRunResult, naive: LoadRunResult, suffix: string): BenchRow[] {
  const vs = { baselineName: 'naive' };
  const rate = `${Math.round(ours.plan.devices * ours.plan.ratePerDevice)} msg/s offered`;
  return [
    toRow({
      group: 'e2e',
      name: `Cloud Run requests per device message (${rate})${suffix}`,
      unit: '',
      value: requestsPerMessage(ours.records, ours.traffic.length),
      ...vs,
      baseline: requestsPerMessage(naive.records, naive.traffic.length),
      better: 'lower',
      target: { on: 'value', op: '<=', threshold: 1.3 },
    }),
    toRow({
      group: 'e2e',
      name: `Pub/Sub billable bytes per device message${suffix}`,
      unit: 'B',
      value: pubsubBytesPerMessage(ours.records, ours.traffic.length, BILLING_RULES),
      ...vs,
      baseline: pubsubBytesPerMessage(naive.records, naive.traffic.length, BILLING_RULES),
      better: 'lower',
    }),
    toRow({
      group: 'e2e',
      name: `Cloud Run billed instance-seconds per 1,000 messages (request-based, measured spans, 100 ms rounding)${suffix}`,
      unit: 's',
      value: billedSecondsPerThousand(ours),
      ...vs,
      baseline: billedSecondsPerThousand(naive),
      better: 'lower',
    }),
    toRow({ group: 'e2e', name: `sustained msg/s, publish to rows + state${suffix}`, unit: 'msg/s', value: ours.msgPerSecond, ...vs, baseline: naive.msgPerSecond, better: 'higher' }),
    toRow({ group: 'e2e', name: `drain after last publish${suffix}`, unit: 's', value: ours.lagSeconds, ...vs, baseline: naive.lagSeconds, better: 'lower' }),
    toRow({
      group: 'e2e',
      name: `BigQuery requests per 1,000 rows${suffix}`,
      unit: '',
      value: bigQueryRequestsPerThousandRows(ours),
      ...vs,
      baseline: bigQueryRequestsPerThousandRows(naive),
      better: 'lower',
      target: { on: 'value', op: '<=', threshold: 10 },
    }),
    toRow({
      group: 'e2e',
      name: `Firestore writes per message${suffix}`,
      unit: '',
      value: firestoreWritesPerMessage(ours),
      ...vs,
      baseline: firestoreWritesPerMessage(naive),
      better: 'lower',
      target: { on: 'value', op: '<=', threshold: 0.1 },
    }),
  ];
}

export async function benchE2e(ctx: SectionContext): Promise<BenchRow[]> {
  const runs = new Map<string, LoadRunResult>();
  for (const mode of pathModes(ctx.quick)) {
    const r = await loadRuns.get(mode, ctx);
    runs.set(mode, r);
    ctx.note(`e2e ${describeRun(r)}`);
    if (r.errorLines.length > 0) ctx.note(`e2e ${PATH_LABELS[r.mode]}: error lines, first: ${r.errorLines[0]}`);
    if (r.deviceStateDocs !== r.plan.devices) ctx.note(`e2e ${PATH_LABELS[r.mode]}: expected ${r.plan.devices} deviceState documents, found ${r.deviceStateDocs}`);
    if (!r.firestore.sinkFirestore) ctx.note(`e2e ${PATH_LABELS[r.mode]}: no Firestore counter lines from sinkFirestore (bench/fixtures/firestore-counter.ts did not load?)`);
  }
  const naive = runs.get('naive')!;
  return rows(runs.get('batched')!, naive, '');
}
