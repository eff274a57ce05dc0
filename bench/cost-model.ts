// The cost model (pure): what a month of steady traffic at `ratePerS` device
// messages per second costs on Google Cloud, billed the way Google bills it,
// for this pipeline and for three alternatives (docs/benchmarks.md explains
// every term). Inputs are a traffic profile (sizes from the real cores, CPU
// per request measured by the e2e bench or assumed) and a deployment config
// (batching windows, per-function billing, instances, request logs).
//
// Cloud Run, per function: the request rate into it follows from the batching
// upstream; instances are what the autoscaler would run (concurrency and CPU
// held near 60% of their limits); one instance is simulated request by
// request (bench/cost-sim.ts) and its busy spans billed with 100 ms rounding
// (request-based) or its whole life billed (instance-based).
import { FUNCTION_NAMES, type FunctionName } from '../functions/lib/names.js';
import { billBusySpans } from './cost.js';
import { simulateInstance, type BatchPolicy, type FixedPolicy } from './cost-sim.js';
import { costOf, PRICES, SECONDS_PER_MONTH, type BillingRules, type PriceName, type PriceTable } from './prices.js';

export type Billing = 'request' | 'instance';

export interface FunctionDeployment {
  vcpu: number;
  memoryGiB: number;
  /** Most requests in flight per instance. */
  concurrency: number;
  minInstances: number;
  /** 'auto' picks the cheaper one at the scenario's rate (what the README recommends). */
  billing: Billing | 'auto';
}

export interface CpuCost {
  perRequestS: number;
  perEventS: number;
}

/** The traffic, per device message, and the work it costs. */
export interface PipelineProfile {
  eventsPerMessage: number;
  rowsPerEvent: number;
  /** Pub/Sub size of one device message (data, attributes, timestamp, id). */
  deviceMessageBytes: number;
  /** JSON of one event inside an events-valid / events-enriched batch message. */
  validEventBytes: number;
  enrichedEventBytes: number;
  /** A batch message's own bytes: {"events":[]}, attributes, timestamp, id. */
  batchMessageOverheadBytes: number;
  /** Mean BigQuery row size (logical bytes). */
  rowBytes: number;
  cpu: Record<FunctionName, CpuCost>;
  /** Round trips in production (assumed: the emulators say nothing about them). */
  latencyS: { publish: number; bigqueryWrite: number; firestoreCommit: number };
  /** Firestore reads per document write (the sink reads the state it merges into). */
  firestoreReadsPerWrite: number;
  /** Where the numbers came from, printed with the table. */
  source: string;
}

export interface PipelineConfig {
  /** validate and enrich: events of concurrent requests share one published message. */
  eventBatch: { windowS: number; maxEvents: number; earlyFlush: boolean };
  /** sinkBigquery group commit. */
  bigqueryBatch: { windowS: number; maxRows: number; earlyFlush: boolean };
  /** sinkFirestore: writes to one device document at most once per window. */
  firestoreCoalesceS: number;
  bigqueryWrite: 'insertAll' | 'storageWrite';
  /** Live state in Firestore (sinkFirestore and its subscription); off = the BigQuery path alone. */
  firestore: boolean;
  /** Share of Cloud Run request log entries ingested (0 = excluded, 1 = all). */
  requestLogShare: number;
  deploy: Record<FunctionName, FunctionDeployment>;
}

export interface Scenario {
  ratePerS: number;
  devices: number;
  freeTier: boolean;
}

export interface CostItem {
  service: string;
  item: string;
  /** Billable quantity per month (before the free tier). */
  quantity: number;
  unit: string;
  usdPerMonth: number;
}

export interface HopResult {
  fn: FunctionName;
  vcpu: number;
  concurrency: number;
  requestsPerS: number;
  eventsPerRequest: number;
  instances: number;
  billing: Billing;
  meanHoldS: number;
  /** Billed instance-seconds per second (request-based: busy share, rounded). */
  billedInstanceShare: number;
  /** Messages the hop publishes (or writes) per second. */
  outPerS: number;
  usdPerMonth: number;
}

export interface CostResult {
  name: string;
  scenario: Scenario;
  items: CostItem[];
  usdPerMonth: number;
  usdPerMillion: number;
  hops: HopResult[];
  /** Cloud Run requests per device message. */
  requestsPerMessage: number;
  /** Pub/Sub billable bytes per device message (all publishes and deliveries). */
  pubsubBytesPerMessage: number;
  notes: string[];
}

/** Autoscaling keeps concurrency and CPU near this share of their limits (Cloud Run's documented CPU target). */
export const AUTOSCALE_TARGET = 0.6;
const SIM_REQUESTS = 4000;

/** Accumulates priced items for one month; a price's free tier is used up once across all its items. */
class Bill {
  readonly items: CostItem[] = [];
  private readonly freeLeft = new Map<PriceName, number>();
  constructor(
    private readonly prices: PriceTable,
    private readonly freeTier: boolean,
  ) {}
  add(service: string, item: string, price: PriceName, perSecond: number): number {
    const p = this.prices[price];
    const quantity = perSecond * SECONDS_PER_MONTH;
    const free = this.freeTier ? (this.freeLeft.get(price) ?? p.freePerMonth ?? 0) : 0;
    this.freeLeft.set(price, Math.max(0, free - quantity));
    const usd = costOf(p, Math.max(0, quantity - free));
    this.items.push({ service, item, quantity, unit: p.unit, usdPerMonth: usd });
    return usd;
  }
  total(): number {
    return this.items.reduce((s, i) => s + i.usdPerMonth, 0);
  }
}

function result(name: string, scenario: Scenario, bill: Bill, hops: HopResult[], pubsubBytesPerS: number, notes: string[]): CostResult {
  const usdPerMonth = bill.total();
  const messagesPerMonth = scenario.ratePerS * SECONDS_PER_MONTH;
  const requests = hops.reduce((s, h) => s + h.requestsPerS, 0);
  return {
    name,
    scenario,
    items: bill.items,
    usdPerMonth,
    usdPerMillion: messagesPerMonth > 0 ? (usdPerMonth / messagesPerMonth) * 1e6 : Number.NaN,
    hops,
    requestsPerMessage: scenario.ratePerS > 0 ? requests / scenario.ratePerS : 0,
    pubsubBytesPerMessage: scenario.ratePerS > 0 ? pubsubBytesPerS / scenario.ratePerS : 0,
    notes,
  };
}

interface HopInput {
  fn: FunctionName;
  requestsPerS: number;
  eventsPerRequest: number;
  itemsPerRequest: number;
  policy: (instances: number) => BatchPolicy | FixedPolicy;
}

interface HopSim {
  instances: number;
  meanHoldS: number;
  billedShare: number;
  flushesPerS: number;
}

/** Instances the autoscaler runs for this load, then one of them simulated and billed. */
function simulateHop(h: HopInput, d: FunctionDeployment, cpu: CpuCost, rules: BillingRules): HopSim {
  // A fractional vCPU is a CPU-time share: the same work takes longer.
  const cpuPerRequest = (cpu.perRequestS + cpu.perEventS * h.eventsPerRequest) / Math.min(1, d.vcpu);
  let instances = Math.max(1, d.minInstances);
  let run = simulateInstance({ requestsPerS: h.requestsPerS / instances, itemsPerRequest: h.itemsPerRequest, cpuPerRequestS: cpuPerRequest, policy: h.policy(instances), requests: SIM_REQUESTS });
  // Two rounds: the hold time (batching windows) depends on the per-instance rate.
  for (let round = 0; round < 2; round++) {
    const byConcurrency = (h.requestsPerS * run.meanHoldS) / (d.concurrency * AUTOSCALE_TARGET);
    const byCpu = (h.requestsPerS * cpuPerRequest * Math.min(1, d.vcpu)) / (d.vcpu * AUTOSCALE_TARGET);
    const need = Math.max(1, d.minInstances, Math.ceil(byConcurrency), Math.ceil(byCpu));
    if (need === instances) break;
    instances = need;
    run = simulateInstance({ requestsPerS: h.requestsPerS / instances, itemsPerRequest: h.itemsPerRequest, cpuPerRequestS: cpuPerRequest, policy: h.policy(instances), requests: SIM_REQUESTS });
  }
  const bill = billBusySpans(run.spans, rules.cloudRunBillingGranularitySeconds);
  return {
    instances,
    meanHoldS: run.meanHoldS,
    billedShare: run.durationS > 0 ? Math.min(1, bill.billedSeconds / run.durationS) : 0,
    flushesPerS: run.durationS > 0 ? (run.flushes / run.durationS) * instances : 0,
  };
}

/** Monthly USD of a hop's compute (and request fees) under one billing mode, without the free tier (to compare modes). */
function computeUsd(sim: HopSim, d: FunctionDeployment, billing: Billing, requestsPerS: number, prices: PriceTable): number {
  const s = SECONDS_PER_MONTH;
  if (billing === 'instance') {
    const n = Math.max(sim.instances, d.minInstances);
    return (n * d.vcpu * s * prices.cloudRunCpuInstanceBased.usd) / prices.cloudRunCpuInstanceBased.per + (n * d.memoryGiB * s * prices.cloudRunMemoryInstanceBased.usd) / prices.cloudRunMemoryInstanceBased.per;
  }
  const busy = sim.instances * sim.billedShare * s;
  return (
    (busy * d.vcpu * prices.cloudRunCpuRequestBased.usd) / prices.cloudRunCpuRequestBased.per +
    (busy * d.memoryGiB * prices.cloudRunMemoryRequestBased.usd) / prices.cloudRunMemoryRequestBased.per +
    (requestsPerS * s * prices.cloudRunRequests.usd) / prices.cloudRunRequests.per
  );
}

/**
 * Cloud Functions' own default size: 256 MiB with a sixth of a vCPU, one
 * request at a time. Cheapest where one instance is idle most of the time
 * (nothing to batch at such rates anyway); concurrency above 1 needs a whole vCPU.
 */
export const SMALL_INSTANCE = { vcpu: 1 / 6, memoryGiB: 0.25, concurrency: 1 } as const;

/** The deployment a hop runs with: as configured, or for 'auto' the cheapest of request-based, instance-based and a small request-based instance that one instance can carry. */
function chooseDeployment(h: HopInput, d: FunctionDeployment, cpu: CpuCost, rules: BillingRules, prices: PriceTable): { d: FunctionDeployment; sim: HopSim; billing: Billing } {
  const sim = simulateHop(h, d, cpu, rules);
  if (d.billing !== 'auto') return { d, sim, billing: d.billing };
  const options: { d: FunctionDeployment; sim: HopSim; billing: Billing; usd: number }[] = [
    { d, sim, billing: 'request', usd: computeUsd(sim, d, 'request', h.requestsPerS, prices) },
    { d, sim, billing: 'instance', usd: computeUsd(sim, d, 'instance', h.requestsPerS, prices) },
  ];
  if (d.vcpu >= 1 && d.minInstances === 0) {
    const small: FunctionDeployment = { ...d, ...SMALL_INSTANCE };
    const smallSim = simulateHop(h, small, cpu, rules);
    if (smallSim.instances === 1) options.push({ d: small, sim: smallSim, billing: 'request', usd: computeUsd(smallSim, small, 'request', h.requestsPerS, prices) });
  }
  options.sort((a, b) => a.usd - b.usd);
  const best = options[0]!;
  return { d: best.d, sim: best.sim, billing: best.billing };
}

/** Firestore document writes per event, coalescing per device and instance: each write covers the event that opened the window and those of the same device within it. */
export function firestoreWritesPerEvent(eventsPerDevicePerS: number, windowS: number, instances: number): number {
  return 1 / (1 + (eventsPerDevicePerS / Math.max(1, instances)) * windowS);
}

/**
 * How long a sinkFirestore request is held: its commit, plus the coalescing
 * wait when one of its k events' devices was written less than a window ago
 * (probability q per event; the longest of the waits, each uniform over the window).
 */
export function firestoreHoldS(eventsPerRequest: number, eventsPerDevicePerS: number, windowS: number, commitS: number, instances: number): number {
  const q = 1 - Math.exp(-(eventsPerDevicePerS / Math.max(1, instances)) * windowS);
  const waiting = eventsPerRequest * q;
  const pWait = 1 - (1 - q) ** eventsPerRequest;
  return commitS + pWait * windowS * (waiting / (waiting + 1));
}

/** This pipeline at one rate: validate -> enrich -> sinkBigquery (+ sinkFirestore), priced. */
export function pipelineCost(profile: PipelineProfile, config: PipelineConfig, scenario: Scenario, prices: PriceTable = PRICES, rules: BillingRules, name = 'this pipeline'): CostResult {
  const bill = new Bill(prices, scenario.freeTier);
  const notes: string[] = [];
  const hops: HopResult[] = [];
  const rate = scenario.ratePerS;
  const minPubsub = (bytes: number): number => Math.max(rules.pubsubMinBytesPerRequest, bytes);
  let pubsubBytesPerS = 0;
  const pubsub = (item: string, perS: number): void => {
    pubsubBytesPerS += perS;
    bill.add('Pub/Sub', item, 'pubsubThroughput', perS);
  };

  const runHop = (h: HopInput): HopResult => {
    const { d, sim, billing } = chooseDeployment(h, config.deploy[h.fn], profile.cpu[h.fn], rules, prices);
    const before = bill.total();
    const size = d.vcpu < 1 ? `, ${d.vcpu.toFixed(2)} vCPU, concurrency ${d.concurrency}` : '';
    const service = `Cloud Run ${h.fn} (${billing}-based${size})`;
    if (billing === 'instance') {
      const n = Math.max(sim.instances, d.minInstances);
      bill.add(service, `vCPU (${n} instance${n === 1 ? '' : 's'} x ${d.vcpu})`, 'cloudRunCpuInstanceBased', rate > 0 || d.minInstances > 0 ? n * d.vcpu : 0);
      bill.add(service, 'memory', 'cloudRunMemoryInstanceBased', rate > 0 || d.minInstances > 0 ? n * d.memoryGiB : 0);
    } else {
      const busy = sim.instances * sim.billedShare;
      bill.add(service, `vCPU while requests in flight (${(sim.billedShare * 100).toFixed(0)}% of ${sim.instances} instance${sim.instances === 1 ? '' : 's'})`, 'cloudRunCpuRequestBased', busy * d.vcpu);
      bill.add(service, 'memory while requests in flight', 'cloudRunMemoryRequestBased', busy * d.memoryGiB);
      bill.add(service, 'requests', 'cloudRunRequests', h.requestsPerS);
    }
    const hop: HopResult = {
      fn: h.fn,
      vcpu: d.vcpu,
      concurrency: d.concurrency,
      requestsPerS: h.requestsPerS,
      eventsPerRequest: h.eventsPerRequest,
      instances: billing === 'instance' ? Math.max(sim.instances, d.minInstances) : sim.instances,
      billing,
      meanHoldS: sim.meanHoldS,
      billedInstanceShare: billing === 'instance' ? 1 : sim.billedShare,
      outPerS: sim.flushesPerS,
      usdPerMonth: bill.total() - before,
    };
    hops.push(hop);
    return hop;
  };

  const eventsPerS = rate * profile.eventsPerMessage;
  const eventPolicy = (): BatchPolicy => ({ kind: 'batch', windowS: config.eventBatch.windowS, maxItems: config.eventBatch.maxEvents, earlyFlush: config.eventBatch.earlyFlush, flushLatencyS: profile.latencyS.publish });

  // Devices publish one message per request; each is pushed to validate alone.
  pubsub('device publishes (one message per request)', rate * minPubsub(profile.deviceMessageBytes));
  pubsub('push to validate', rate * minPubsub(profile.deviceMessageBytes));
  const validate = runHop({ fn: 'validate', requestsPerS: rate, eventsPerRequest: profile.eventsPerMessage, itemsPerRequest: profile.eventsPerMessage, policy: eventPolicy });

  const validBatch = validate.outPerS > 0 ? eventsPerS / validate.outPerS : 0;
  const validBytes = minPubsub(profile.batchMessageOverheadBytes + validBatch * profile.validEventBytes);
  pubsub('events-valid publishes', validate.outPerS * validBytes);
  pubsub('push to enrich', validate.outPerS * validBytes);
  const enrich = runHop({ fn: 'enrich', requestsPerS: validate.outPerS, eventsPerRequest: validBatch, itemsPerRequest: validBatch, policy: eventPolicy });

  const enrichedBatch = enrich.outPerS > 0 ? eventsPerS / enrich.outPerS : 0;
  const enrichedBytes = minPubsub(profile.batchMessageOverheadBytes + enrichedBatch * profile.enrichedEventBytes);
  pubsub('events-enriched publishes', enrich.outPerS * enrichedBytes);
  pubsub('push to sinkBigquery', enrich.outPerS * enrichedBytes);
  const rowsPerRequest = enrichedBatch * profile.rowsPerEvent;
  runHop({
    fn: 'sinkBigquery',
    requestsPerS: enrich.outPerS,
    eventsPerRequest: enrichedBatch,
    itemsPerRequest: rowsPerRequest,
    policy: () => ({ kind: 'batch', windowS: config.bigqueryBatch.windowS, maxItems: config.bigqueryBatch.maxRows, earlyFlush: config.bigqueryBatch.earlyFlush, flushLatencyS: profile.latencyS.bigqueryWrite }),
  });
  const rowsPerS = eventsPerS * profile.rowsPerEvent;
  if (config.bigqueryWrite === 'insertAll') {
    bill.add('BigQuery', 'insertAll (1 KB minimum per row)', 'bigqueryStreamingInsert', rowsPerS * Math.max(rules.bigqueryMinRowBytes, profile.rowBytes));
  } else {
    bill.add('BigQuery', 'Storage Write API bytes', 'bigqueryStorageWrite', rowsPerS * profile.rowBytes);
  }

  if (config.firestore) {
    pubsub('push to sinkFirestore', enrich.outPerS * enrichedBytes);
    const perDevice = scenario.devices > 0 ? eventsPerS / scenario.devices : 0;
    const fs = runHop({
      fn: 'sinkFirestore',
      requestsPerS: enrich.outPerS,
      eventsPerRequest: enrichedBatch,
      itemsPerRequest: enrichedBatch,
      policy: (instances) => ({ kind: 'fixed', holdS: firestoreHoldS(enrichedBatch, perDevice, config.firestoreCoalesceS, profile.latencyS.firestoreCommit, instances) }),
    });
    const writesPerS = eventsPerS * firestoreWritesPerEvent(perDevice, config.firestoreCoalesceS, fs.instances);
    bill.add('Firestore', 'document writes', 'firestoreWrites', writesPerS);
    bill.add('Firestore', 'document reads (state merged into)', 'firestoreReads', writesPerS * profile.firestoreReadsPerWrite);
  }

  const requestsPerS = hops.reduce((s, h) => s + h.requestsPerS, 0);
  bill.add('Cloud Logging', `request logs (${(config.requestLogShare * 100).toFixed(0)}% kept)`, 'loggingIngestion', requestsPerS * rules.cloudRunRequestLogBytes * config.requestLogShare);
  notes.push(`batches: ${validBatch.toFixed(1)} events per events-valid message, ${enrichedBatch.toFixed(1)} per events-enriched message`);
  return result(name, scenario, bill, hops, pubsubBytesPerS, notes);
}

/** Alternatives' own assumptions (docs/benchmarks.md). */
export const ALTERNATIVE_ASSUMPTIONS = {
  /** Dataflow streaming worker: n1-standard-2 (the Streaming Engine default) with a 30 GB disk. */
  dataflowWorkerVcpu: 2,
  dataflowWorkerMemoryGB: 7.5,
  dataflowWorkerDiskGB: 30,
  /** Small JSON messages one n1-standard-2 worker of the template keeps up with (assumed; Google publishes no figure). */
  dataflowMessagesPerWorkerS: 4000,
  /** Streaming Engine bytes processed per message byte read (read from Pub/Sub, then the write step's shuffle). */
  dataflowEngineBytesPerMessageByte: 2,
  /** Always-on pull worker: instance-based Cloud Run, 1 vCPU, 512 MiB. */
  pullWorkerVcpu: 1,
  pullWorkerMemoryGiB: 0.5,
} as const;

/** Google's Pub/Sub to BigQuery Dataflow template: one row per message, through insertAll (the template's default write method), at least one worker always on. */
export function dataflowTemplateCost(profile: PipelineProfile, scenario: Scenario, prices: PriceTable, rules: BillingRules): CostResult {
  const a = ALTERNATIVE_ASSUMPTIONS;
  const bill = new Bill(prices, scenario.freeTier);
  const rate = scenario.ratePerS;
  const workers = Math.max(1, Math.ceil(rate / a.dataflowMessagesPerWorkerS));
  const publish = rate * Math.max(rules.pubsubMinBytesPerRequest, profile.deviceMessageBytes);
  const pull = rate * profile.deviceMessageBytes; // streaming pull: many messages per response
  bill.add('Pub/Sub', 'device publishes (one message per request)', 'pubsubThroughput', publish);
  bill.add('Pub/Sub', 'streaming pull by the workers', 'pubsubThroughput', pull);
  bill.add('Dataflow', `worker vCPU (${workers} x n1-standard-2)`, 'dataflowStreamingVcpu', workers * a.dataflowWorkerVcpu);
  bill.add('Dataflow', 'worker memory', 'dataflowStreamingMemory', workers * a.dataflowWorkerMemoryGB);
  bill.add('Dataflow', 'worker disk', 'persistentDisk', workers * a.dataflowWorkerDiskGB);
  bill.add('Dataflow', 'Streaming Engine data processed', 'dataflowStreamingEngine', rate * profile.deviceMessageBytes * a.dataflowEngineBytesPerMessageByte);
  bill.add('BigQuery', 'insertAll, one row per message (1 KB minimum)', 'bigqueryStreamingInsert', rate * Math.max(rules.bigqueryMinRowBytes, profile.deviceMessageBytes));
  return result('Dataflow Pub/Sub-to-BigQuery template', scenario, bill, [], publish + pull, ['no validation with named reasons, registry lookup or per-metric rows (a UDF or Beam code would add them)']);
}

/** A Pub/Sub BigQuery subscription: the raw message as one row, no code at all. */
export function bigquerySubscriptionCost(profile: PipelineProfile, scenario: Scenario, prices: PriceTable, rules: BillingRules): CostResult {
  const bill = new Bill(prices, scenario.freeTier);
  const rate = scenario.ratePerS;
  const publish = rate * Math.max(rules.pubsubMinBytesPerRequest, profile.deviceMessageBytes);
  const deliver = rate * profile.deviceMessageBytes;
  bill.add('Pub/Sub', 'device publishes (one message per request)', 'pubsubThroughput', publish);
  bill.add('Pub/Sub', 'BigQuery subscription throughput (write included)', 'pubsubBigQuerySubscription', deliver);
  return result('Pub/Sub BigQuery subscription', scenario, bill, [], publish + deliver, ['raw messages only: no validation, enrichment, per-metric rows or live state']);
}

/** One always-on pull worker doing validate + enrich + rows in process, writing with the Storage Write API. */
export function pullWorkerCost(profile: PipelineProfile, scenario: Scenario, prices: PriceTable, rules: BillingRules): CostResult {
  const a = ALTERNATIVE_ASSUMPTIONS;
  const bill = new Bill(prices, scenario.freeTier);
  const rate = scenario.ratePerS;
  // The per-event work of the three functions, without their per-request HTTP costs.
  const cpuPerMessage = profile.eventsPerMessage * (profile.cpu.validate.perEventS + profile.cpu.enrich.perEventS + profile.cpu.sinkBigquery.perEventS) + profile.cpu.validate.perRequestS / 4;
  const instances = Math.max(1, Math.ceil((rate * cpuPerMessage) / (a.pullWorkerVcpu * AUTOSCALE_TARGET)));
  const publish = rate * Math.max(rules.pubsubMinBytesPerRequest, profile.deviceMessageBytes);
  const pull = rate * profile.deviceMessageBytes;
  bill.add('Pub/Sub', 'device publishes (one message per request)', 'pubsubThroughput', publish);
  bill.add('Pub/Sub', 'streaming pull', 'pubsubThroughput', pull);
  bill.add('Cloud Run worker (instance-based)', `vCPU (${instances} x ${a.pullWorkerVcpu})`, 'cloudRunCpuInstanceBased', instances * a.pullWorkerVcpu);
  bill.add('Cloud Run worker (instance-based)', 'memory', 'cloudRunMemoryInstanceBased', instances * a.pullWorkerMemoryGiB);
  bill.add('BigQuery', 'Storage Write API bytes (same rows as this pipeline)', 'bigqueryStorageWrite', rate * profile.eventsPerMessage * profile.rowsPerEvent * profile.rowBytes);
  return result('always-on pull worker', scenario, bill, [], publish + pull, ['no live state; scaling and redelivery are yours to run']);
}

export const ALTERNATIVES = [dataflowTemplateCost, bigquerySubscriptionCost, pullWorkerCost] as const;

/** Every function deployed alike (infra/ defaults), with one billing mode. */
export function uniformDeploy(d: FunctionDeployment): Record<FunctionName, FunctionDeployment> {
  return Object.fromEntries(FUNCTION_NAMES.map((fn) => [fn, { ...d }])) as Record<FunctionName, FunctionDeployment>;
}
