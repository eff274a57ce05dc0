// The inputs of the cost model that are not prices: the traffic profile
// (message, event and row sizes computed with the real cores on the bench's
// traffic; CPU per request and per event, measured by the e2e bench or the
// defaults below) and the deployments it prices (today's infra/ defaults and
// the per-rate recommendation the README gives).
import { FUNCTION_NAMES, type FunctionName } from '../functions/lib/names.js';
import type { FunctionDeployment, PipelineConfig, PipelineProfile } from './cost-model.js';
import { uniformDeploy } from './cost-model.js';
import { buildTraffic } from './messages.js';
import { modelTraffic, type TrafficModel } from './pipeline-model.js';
import { BILLING_RULES } from './prices.js';

const mean = (xs: readonly number[]): number => (xs.length > 0 ? xs.reduce((s, x) => s + x, 0) / xs.length : 0);

/**
 * CPU when nothing was measured: what the e2e bench of 2026-11-25 measured on
 * this 2-core machine (10.9 CPU-seconds for 16,224 requests and 4,408 events
 * over five functions), split as 0.3 ms per request (HTTP, CloudEvent,
 * envelope) and 0.3 ms per event per function. Production CPUs are faster,
 * so this errs high.
 */
export const DEFAULT_CPU = { perRequestS: 0.0003, perEventS: 0.0003 } as const;

/** Production round trips (assumed; the emulators on one machine say nothing about Google's). */
export const DEFAULT_LATENCY_S = { publish: 0.02, bigqueryWrite: 0.05, firestoreCommit: 0.03 } as const;

/** `{"events":[]}` plus a batch message's attributes (eventCount) and Pub/Sub's timestamp and id. */
const BATCH_OVERHEAD_BYTES = 13 + 20 + BILLING_RULES.pubsubMessageOverheadBytes;

export function profileFromModel(m: TrafficModel, cpu: Partial<Record<FunctionName, { perRequestS: number; perEventS: number }>> = {}, source = 'defaults'): PipelineProfile {
  return {
    eventsPerMessage: m.messages > 0 ? m.events / m.messages : 1,
    rowsPerEvent: m.events > 0 ? (m.readingsRows + m.eventsRows) / m.events : 1,
    deviceMessageBytes: mean(m.deviceEventBytes),
    // +1: the comma between events in the array.
    validEventBytes: mean(m.validEventJsonBytes) + 1,
    enrichedEventBytes: mean(m.enrichedEventJsonBytes) + 1,
    batchMessageOverheadBytes: BATCH_OVERHEAD_BYTES,
    rowBytes: mean([...m.readingsRowBytes, ...m.eventsRowBytes]),
    cpu: Object.fromEntries(FUNCTION_NAMES.map((fn) => [fn, cpu[fn] ?? { ...DEFAULT_CPU }])) as PipelineProfile['cpu'],
    latencyS: { ...DEFAULT_LATENCY_S },
    firestoreReadsPerWrite: 1,
    source,
  };
}

/** Sizes from the bench's own traffic (bench/messages.ts) through the real cores, CPU from `cpu` or the defaults. */
export async function benchProfile(cpu?: Parameters<typeof profileFromModel>[1], source?: string): Promise<PipelineProfile> {
  const now = new Date();
  const model = await modelTraffic(buildTraffic({ count: 2000, now }), now, BILLING_RULES);
  return profileFromModel(model, cpu, source ?? 'sizes from the real cores on 2,000 bench messages; CPU defaults (bench/cost-profile.ts)');
}

const REQUEST_BASED: FunctionDeployment = { vcpu: 1, memoryGiB: 0.25, concurrency: 80, minInstances: 0, billing: 'request' };

/** Concurrency per function (infra/envs/prod/main.tf): the sinks hold deliveries for their windows. */
export const CONCURRENCY: Readonly<Record<FunctionName, number>> = { validate: 250, enrich: 80, sinkBigquery: 250, sinkFirestore: 500, sinkDeadletter: 80 };

function deploy(over: Partial<FunctionDeployment>): Record<FunctionName, FunctionDeployment> {
  const d = uniformDeploy({ ...REQUEST_BASED, ...over });
  for (const fn of FUNCTION_NAMES) d[fn].concurrency = CONCURRENCY[fn];
  return d;
}

/** The pipeline as configured by default: events batched between functions, request-based billing. */
export function defaultConfig(over: Partial<PipelineConfig> = {}): PipelineConfig {
  return {
    eventBatch: { windowS: 0.1, maxEvents: 500, earlyFlush: true },
    bigqueryBatch: { windowS: 0.25, maxRows: 500, earlyFlush: true },
    firestoreCoalesceS: 1.25,
    // The code's default (BQ_WRITE_API=storage-write, functions/lib/config.ts).
    bigqueryWrite: 'storageWrite',
    firestore: true,
    requestLogShare: 1,
    deploy: deploy({}),
    ...over,
  };
}

/** Before batching: every event its own message on every hop (about 5.4 requests per device message), insertAll. */
export function unbatchedConfig(over: Partial<PipelineConfig> = {}): PipelineConfig {
  return defaultConfig({
    eventBatch: { windowS: 0, maxEvents: 1, earlyFlush: false },
    bigqueryWrite: 'insertAll',
    bigqueryBatch: { windowS: 0.25, maxRows: 500, earlyFlush: false },
    ...over,
  });
}

/**
 * What the README recommends: request logs excluded, the Storage Write API,
 * and per function the cheaper billing at the rate (instance-based once an
 * instance is busy most of the time).
 */
export function recommendedConfig(over: Partial<PipelineConfig> = {}): PipelineConfig {
  return defaultConfig({ bigqueryWrite: 'storageWrite', requestLogShare: 0, deploy: deploy({ billing: 'auto' }), ...over });
}
