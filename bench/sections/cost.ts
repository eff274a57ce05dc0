// Section "cost": the cost model (bench/cost-model.ts) fed with what the e2e
// run measured: CPU per request and per event of every function (from
// /proc), sizes of every message and row from the same traffic through the
// real cores (bench/pipeline-model.ts). Prints USD per 1M messages and per
// month at 1, 100 and 10,000 msg/s for this pipeline and the alternatives,
// and the three targets as ratios.
import { FUNCTION_NAMES, type FunctionName } from '../../functions/lib/names.js';
import type { CpuCost } from '../cost-model.js';
import { DEFAULT_CPU, profileFromModel } from '../cost-profile.js';
import { costsAt, costTargets, devicesFor, formatItems, pipelineVariants, STANDARD_RATES, usd } from '../cost-report.js';
import { pipelineCost } from '../cost-model.js';
import { loadRuns, type LoadRunResult } from '../load-run.js';
import { modelTraffic } from '../pipeline-model.js';
import { BILLING_RULES, PRICES } from '../prices.js';
import { toRow } from '../report.js';
import type { SectionContext } from '../section.js';
import type { BenchRow } from '../types.js';

/**
 * CPU per request and per event of each function in the run: the measured
 * CPU-seconds minus a fixed per-request share (DEFAULT_CPU.perRequestS: one
 * run cannot tell the two apart), the rest spread over the events.
 */
export function measuredCpu(run: LoadRunResult): Record<FunctionName, CpuCost> {
  const out = {} as Record<FunctionName, CpuCost>;
  for (const fn of FUNCTION_NAMES) {
    const requests = run.deliveries[fn];
    const cpu = run.cpuSeconds[fn];
    const perRequestS = DEFAULT_CPU.perRequestS;
    const perEventS = run.events > 0 && requests > 0 ? Math.max(0, cpu - requests * perRequestS) / run.events : DEFAULT_CPU.perEventS;
    out[fn] = { perRequestS, perEventS };
  }
  return out;
}

export async function benchCost(ctx: SectionContext): Promise<BenchRow[]> {
  const run = await loadRuns.get('batched', ctx);
  ctx.progress('cost: pricing the measured profile');
  const model = await modelTraffic(run.traffic, run.publishTime, BILLING_RULES);
  const profile = profileFromModel(model, measuredCpu(run), `CPU measured in the e2e batched run, sizes from its traffic through the real cores`);
  const variants = pipelineVariants();
  const rows: BenchRow[] = [];
  const detail: Record<string, unknown> = { profile, prices: PRICES, rules: BILLING_RULES };
  for (const rate of STANDARD_RATES) {
    const scenario = { ratePerS: rate, devices: devicesFor(rate), freeTier: true };
    const results = costsAt(profile, scenario, variants);
    detail[`rate${rate}`] = results;
    const dataflow = results.find((r) => r.name.startsWith('Dataflow'))!;
    for (const r of results) {
      rows.push(
        toRow({
          group: 'cost',
          name: `${rate.toLocaleString('en-US')} msg/s: ${r.name} per 1M (${usd(r.usdPerMonth)}/month)`,
          unit: 'USD',
          value: r.usdPerMillion,
          baselineName: 'Dataflow template',
          baseline: dataflow.usdPerMillion,
          better: 'lower',
        }),
      );
    }
  }
  ctx.detail('cost', detail);
  for (const t of costTargets(profile, true)) {
    rows.push(toRow({ group: 'cost', name: `target: ${t.name} (${t.detail})`, unit: t.unit === 'USD' ? 'USD' : '', value: t.value, better: 'lower', target: { on: 'value', op: '<=', threshold: t.threshold } }));
  }
  const rec = variants[2]!;
  for (const rate of STANDARD_RATES) {
    ctx.note(`cost: ${formatItems(pipelineCost(profile, rec.config, { ratePerS: rate, devices: devicesFor(rate), freeTier: true }, PRICES, BILLING_RULES, rec.name)).split('\n')[0]}`);
  }
  ctx.note('cost: list prices from bench/prices.ts (offline, last known: re-check each source page), free tiers applied; the model and every term: docs/benchmarks.md (section cost); `npm run cost` prints the itemized bills');
  return rows;
}
