// Section "cost": the operations the e2e runs counted, priced at Google Cloud
// list prices (bench/prices.ts), per million device messages, batched beside
// naive. Counted in the run: push deliveries (invocations), function CPU
// time, BigQuery rows, Firestore writes and reads. Computed from the same
// traffic with the real cores (bench/pipeline-model.ts): the bytes of every
// Pub/Sub message and BigQuery row.
import { FUNCTION_NAMES, type FunctionName } from '../../functions/lib/names.js';
import { billedInsertBytes, billedOnePerRequest, estimateCost, type CostEstimate, type OperationCounts } from '../cost.js';
import { loadRuns, PATH_LABELS, pathModes, type LoadRunResult, type PathMode } from '../load-run.js';
import { modelTraffic, type TrafficModel } from '../pipeline-model.js';
import { BILLING_RULES, PRICES } from '../prices.js';
import { toRow } from '../report.js';
import type { SectionContext } from '../section.js';
import type { BenchRow } from '../types.js';

const sum = (xs: readonly number[]): number => xs.reduce((s, x) => s + x, 0);

export function operationCounts(run: LoadRunResult, model: TrafficModel): OperationCounts {
  const d = run.deliveries;
  const ratio = (delivered: number, expected: number): number => (expected > 0 ? delivered / expected : 0);
  const device = billedOnePerRequest(model.deviceEventBytes, BILLING_RULES);
  const valid = billedOnePerRequest(model.validBytes, BILLING_RULES);
  const enriched = billedOnePerRequest(model.enrichedBytes, BILLING_RULES);
  const fs = (k: 'firestoreWrites' | 'firestoreReads'): number => FUNCTION_NAMES.reduce((s, fn: FunctionName) => s + (run.firestore[fn]?.[k] ?? 0), 0);
  return {
    messages: model.messages,
    // Every publish taken as its own request: devices do publish one by one;
    // the functions' client batches a little, so this is an upper bound there.
    pubsubPublishBytes: device + valid + enriched,
    // Deliveries as counted (redeliveries included), each a push request.
    pubsubDeliverBytes:
      device * ratio(d.validate, model.messages) + valid * ratio(d.enrich, model.events) + enriched * ratio(d.sinkBigquery + d.sinkFirestore, model.events),
    functionInvocations: sum(FUNCTION_NAMES.map((fn) => d[fn])),
    functionCpuSeconds: sum(FUNCTION_NAMES.map((fn) => run.cpuSeconds[fn])),
    bigqueryRows: model.readingsRows + model.eventsRows,
    bigqueryInsertBytes: billedInsertBytes([...model.readingsRowBytes, ...model.eventsRowBytes], BILLING_RULES),
    bigqueryStoredBytes: sum(model.readingsRowBytes) + sum(model.eventsRowBytes),
    firestoreWrites: fs('firestoreWrites'),
    firestoreReads: fs('firestoreReads'),
  };
}

function byService(e: CostEstimate): Map<string, number> {
  const m = new Map<string, number>();
  for (const l of e.lines) m.set(l.service, (m.get(l.service) ?? 0) + l.usdPerMillion);
  return m;
}

export async function benchCost(ctx: SectionContext): Promise<BenchRow[]> {
  const runs: LoadRunResult[] = [];
  for (const mode of pathModes(ctx.quick)) runs.push(await loadRuns.get(mode, ctx));
  ctx.progress('cost: modelling message and row sizes');
  const estimates: Partial<Record<PathMode, { counts: OperationCounts; estimate: CostEstimate }>> = {};
  for (const run of runs) {
    const model = await modelTraffic(run.traffic, run.publishTime, BILLING_RULES);
    const counts = operationCounts(run, model);
    estimates[run.mode] = { counts, estimate: estimateCost(counts, PRICES, BILLING_RULES) };
  }
  ctx.detail('cost', { prices: PRICES, rules: BILLING_RULES, ...estimates });
  for (const run of runs) {
    if (!run.completed) ctx.note(`cost: the ${PATH_LABELS[run.mode]} run did not finish in time, so its counts cover only what got through (an underestimate)`);
  }
  const ours = estimates.batched!.estimate;
  const base = estimates.naive!.estimate;
  ctx.note(
    'cost: list prices from bench/prices.ts (free tiers ignored; keep them current); Cloud Run billed as CPU-seconds used at 256 MiB ' +
      '(a lower bound: instances idle between requests bill too); functions\' publishes counted as one request each (an upper bound)',
  );
  const rows = [
    toRow({ group: 'cost', name: 'total per 1M messages', unit: 'USD', value: ours.usdPerMillion, baselineName: 'naive', baseline: base.usdPerMillion, better: 'lower' }),
  ];
  const a = byService(ours);
  const b = byService(base);
  for (const [service, usd] of a) {
    rows.push(toRow({ group: 'cost', name: `${service} per 1M messages`, unit: 'USD', value: usd, baselineName: 'naive', baseline: b.get(service) ?? 0, better: 'lower' }));
  }
  return rows;
}
