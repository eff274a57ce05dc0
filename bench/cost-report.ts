// What `npm run cost` and the bench's cost section print (pure): this
// pipeline and the alternatives at the standard rates, the itemized bill of
// one scenario, and the issue's three targets as ratios.
import { ALTERNATIVES, pipelineCost, type CostResult, type PipelineConfig, type PipelineProfile, type Scenario } from './cost-model.js';
import { defaultConfig, recommendedConfig, unbatchedConfig } from './cost-profile.js';
import { BILLING_RULES, PRICES, type BillingRules, type PriceTable } from './prices.js';

export const STANDARD_RATES = [1, 100, 10_000] as const;

/** One device message every 10 s per device when the fleet size is not given (the issue's fleet shape). */
export const DEFAULT_SECONDS_PER_DEVICE_MESSAGE = 10;

export function devicesFor(ratePerS: number, devices?: number): number {
  return devices ?? Math.max(1, Math.round(ratePerS * DEFAULT_SECONDS_PER_DEVICE_MESSAGE));
}

export interface Variant {
  name: string;
  config: PipelineConfig;
}

/** The pipeline variants every table shows: before batching, as deployed by default, as the README recommends, and that without live state. */
export function pipelineVariants(over: Partial<PipelineConfig> = {}): Variant[] {
  return [
    { name: 'this pipeline, unbatched (before issue 14)', config: unbatchedConfig(over) },
    { name: 'this pipeline, defaults (request-based)', config: defaultConfig(over) },
    { name: 'this pipeline, recommended', config: recommendedConfig(over) },
    // The alternatives keep no live state: this is the like-for-like row.
    { name: 'this pipeline, recommended, BigQuery path only (no Firestore)', config: recommendedConfig({ ...over, firestore: false }) },
  ];
}

export function costsAt(profile: PipelineProfile, scenario: Scenario, variants: readonly Variant[], prices: PriceTable = PRICES, rules: BillingRules = BILLING_RULES): CostResult[] {
  return [...variants.map((v) => pipelineCost(profile, v.config, scenario, prices, rules, v.name)), ...ALTERNATIVES.map((alt) => alt(profile, scenario, prices, rules))];
}

export interface TargetResult {
  name: string;
  value: number;
  threshold: number;
  /** What the value is (a ratio, USD). */
  unit: string;
  pass: boolean;
  detail: string;
}

/** The issue's three targets, each in the same model and run as what it is compared with. */
export function costTargets(profile: PipelineProfile, freeTier: boolean, prices: PriceTable = PRICES, rules: BillingRules = BILLING_RULES): TargetResult[] {
  const high: Scenario = { ratePerS: 10_000, devices: 100_000, freeTier };
  const bqPath = pipelineCost(profile, recommendedConfig({ firestore: false }), high, prices, rules, 'BigQuery path');
  const dataflow = ALTERNATIVES[0](profile, high, prices, rules);
  const live = pipelineCost(profile, recommendedConfig(), high, prices, rules, 'with live state');
  const writes = live.items.filter((i) => i.service === 'Firestore' && i.item === 'document writes').reduce((s, i) => s + i.usdPerMonth, 0);
  const low = pipelineCost(profile, recommendedConfig(), { ratePerS: 1, devices: devicesFor(1), freeTier }, prices, rules, 'at 1 msg/s');
  return [
    {
      name: 'BigQuery path / Dataflow template, 10,000 msg/s',
      value: bqPath.usdPerMillion / dataflow.usdPerMillion,
      threshold: 3,
      unit: 'ratio',
      pass: bqPath.usdPerMillion <= 3 * dataflow.usdPerMillion,
      detail: `${usd(bqPath.usdPerMillion)} vs ${usd(dataflow.usdPerMillion)} per 1M messages`,
    },
    {
      name: 'whole pipeline / its Firestore writes, 100k devices x 1 msg per 10 s',
      value: live.usdPerMonth / writes,
      threshold: 1.2,
      unit: 'ratio',
      pass: live.usdPerMonth <= 1.2 * writes,
      detail: `${usd(live.usdPerMonth)} vs ${usd(writes)} a month of document writes`,
    },
    {
      name: 'whole pipeline at 1 msg/s, USD per month',
      value: low.usdPerMonth,
      threshold: 10,
      unit: 'USD',
      pass: low.usdPerMonth < 10,
      detail: `${freeTier ? 'after' : 'without'} the free tiers`,
    },
  ];
}

export function usd(x: number): string {
  if (!Number.isFinite(x)) return 'n/a';
  if (x === 0) return '$0';
  if (Math.abs(x) >= 1000) return `$${Math.round(x).toLocaleString('en-US')}`;
  if (Math.abs(x) >= 1) return `$${x.toFixed(2)}`;
  return `$${x.toPrecision(2)}`;
}

function pad(cells: string[][]): string {
  const widths = cells[0]!.map((_, c) => Math.max(...cells.map((r) => (r[c] ?? '').length)));
  return cells.map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ')).join('\n');
}

/** Rows: one per pipeline variant or alternative; columns: per 1M and per month at each rate. */
export function formatComparison(byRate: ReadonlyMap<number, CostResult[]>): string {
  const rates = [...byRate.keys()];
  const names = byRate.get(rates[0]!)!.map((r) => r.name);
  const head = ['', ...rates.flatMap((r) => [`${r.toLocaleString('en-US')} msg/s: per 1M`, 'per month'])];
  const body = names.map((n, i) => [n, ...rates.flatMap((r) => {
    const c = byRate.get(r)![i]!;
    return [usd(c.usdPerMillion), usd(c.usdPerMonth)];
  })]);
  const reqs = ['Cloud Run requests per device message (unbatched / defaults / recommended)', ...rates.flatMap((r) => [byRate.get(r)!.slice(0, 3).map((c) => c.requestsPerMessage.toFixed(2)).join(' / '), ''])];
  return pad([head, ...body]) + '\n' + pad([reqs.map((x) => x)]);
}

export function formatItems(c: CostResult): string {
  const rows = c.items
    .filter((i) => i.quantity > 0 || i.usdPerMonth > 0)
    .map((i) => [`${i.service}: ${i.item}`, `${fmtQty(i.quantity)} ${i.unit}`, usd(i.usdPerMonth)]);
  const hops = c.hops.map((h) => `${h.fn} ${h.requestsPerS.toPrecision(3)} req/s x ${h.eventsPerRequest.toFixed(1)} events, ${h.instances} instance(s), held ${(h.meanHoldS * 1000).toFixed(0)} ms, ${h.billing}-based`);
  return (
    `${c.name} at ${c.scenario.ratePerS.toLocaleString('en-US')} msg/s from ${c.scenario.devices.toLocaleString('en-US')} devices (${c.scenario.freeTier ? 'after' : 'without'} free tiers): ` +
    `${usd(c.usdPerMonth)} a month, ${usd(c.usdPerMillion)} per 1M messages; ${c.requestsPerMessage.toFixed(2)} Cloud Run requests and ${Math.round(c.pubsubBytesPerMessage).toLocaleString('en-US')} Pub/Sub billable bytes per message\n` +
    pad([['item (per month)', 'quantity', 'USD'], ...rows]) +
    (hops.length > 0 ? `\n${hops.map((h) => `  ${h}`).join('\n')}` : '') +
    (c.notes.length > 0 ? `\n${c.notes.map((n) => `  ${n}`).join('\n')}` : '')
  );
}

function fmtQty(q: number): string {
  if (q >= 1e12) return `${(q / 1e12).toFixed(2)}T`;
  if (q >= 1e9) return `${(q / 1e9).toFixed(2)}G`;
  if (q >= 1e6) return `${(q / 1e6).toFixed(2)}M`;
  if (q >= 1e3) return `${(q / 1e3).toFixed(1)}k`;
  return q.toFixed(q < 10 ? 2 : 0);
}

export function formatTargets(ts: readonly TargetResult[]): string {
  return pad([
    ['target', 'value', 'limit', 'pass', 'detail'],
    ...ts.map((t) => [t.name, t.unit === 'USD' ? usd(t.value) : t.value.toFixed(2), t.unit === 'USD' ? `< ${usd(t.threshold)}` : `<= ${t.threshold}`, t.pass ? 'yes' : 'NO', t.detail]),
  ]);
}
