// One end-to-end load run through the local stack (tools/emulate/stack.ts on
// free ports, push bridge delivering with production-like concurrency):
// devices publish at a steady rate, and the run lasts until every event's
// rows are in BigQuery and every event went through sinkFirestore. It counts
// what the e2e, memory and cost sections need: BigQuery requests and rows
// (the emulator's /emulator/v1/stats), Firestore commits, writes and reads
// (bench/fixtures/firestore-counter.ts preloaded into the functions), push
// deliveries (the bridge), CPU time and peak RSS of every function process.
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { COLLECTIONS, FUNCTION_NAMES, TOPICS, type FunctionName } from '../functions/lib/names.js';
import { firestoreClient, pubsubClient } from '../tools/lib/emulator-clients.js';
import { buildPath } from '../tools/emulate/repo-root.js';
import { ACTIVE_DEVICES } from '../tools/emulate/seed.js';
import { MissingBuildError } from '../tools/emulate/node-components.js';
import { startStack, type Stack } from '../tools/emulate/stack.js';
import type { DeliveryRecord } from '../tools/emulate/push-bridge.js';
import type { FirestoreCounters } from './fixtures/firestore-counter-format.js';
import { buildTraffic, newestEventIds, type DeviceMessage } from './messages.js';
import { parseCounterLine, readCpuSeconds, readVmHwmMiB } from './proc-stats.js';
import { SectionSkipped, type SectionContext } from './section.js';

/**
 * batched: the defaults (no ordering keys, as infra/ deploys by default, so a
 * device's events reach the sinks concurrently and share a BigQuery request
 * or a Firestore write; each subscription delivers as many at once as the
 * function's instance takes); naive: the same with batching off.
 */
export type PathMode = 'batched' | 'naive';

export const PATH_LABELS: Readonly<Record<PathMode, string>> = {
  batched: 'batched',
  naive: 'naive',
};

const SEQ_BASE: Readonly<Record<PathMode, number>> = { batched: 1, naive: 1_000_000 };

/** One request per message: group commit and coalescing switched off (functions/lib/config.ts). */
export const NAIVE_ENV: Readonly<Record<string, string>> = {
  BQ_BATCH_MAX_ROWS: '1',
  BQ_BATCH_MAX_WAIT_MS: '0',
  FIRESTORE_COALESCE_MS: '0',
  // One events-valid / events-enriched message per event, as before issue 14.
  EVENT_BATCH_MAX_EVENTS: '1',
  EVENT_BATCH_WINDOW_MS: '0',
};

export interface LoadPlan {
  devices: number;
  /** Messages per second per device. */
  ratePerDevice: number;
  messages: number;
  /** How long to wait for the pipeline to drain after the last publish. */
  drainTimeoutMs: number;
}

export function loadPlan(quick: boolean): LoadPlan {
  // 20 devices x 10 msg/s: 15 s of publishing (quick: 2.5 s).
  return { devices: 20, ratePerDevice: 10, messages: quick ? 500 : 3000, drainTimeoutMs: quick ? 60_000 : 120_000 };
}

export interface BigQueryCounts {
  insertRequests: number;
  rowsInserted: number;
  rowsDeduplicated: number;
  rowsRejected: number;
}

export interface LoadRunResult {
  mode: PathMode;
  plan: LoadPlan;
  traffic: DeviceMessage[];
  publishTime: Date;
  events: number;
  expectedRows: number;
  /** Everything arrived before the drain timeout. */
  completed: boolean;
  publishSeconds: number;
  /** First publish to the last row and state write. */
  elapsedSeconds: number;
  /** Messages fully processed per second, first publish to done. */
  msgPerSecond: number;
  /** Last publish to done. */
  lagSeconds: number;
  bigquery: BigQueryCounts;
  /** Per function (those that talk to Firestore), over the load only; undefined when the counter preload printed nothing. */
  firestore: Partial<Record<FunctionName, FirestoreCounters>>;
  /** Push deliveries (requests to the function) per function, over the load. */
  deliveries: Record<FunctionName, number>;
  /** Deliveries answered 2xx per function (redeliveries included). */
  acked: Record<FunctionName, number>;
  failedDeliveries: number;
  cpuSeconds: Record<FunctionName, number>;
  /** Every push delivery of the load per function: span (ms, from the first publish) and Pub/Sub message size. */
  records: Record<FunctionName, DeliveryRecord[]>;
  peakRssMiB: Record<FunctionName, number>;
  deviceStateDocs: number;
  errorLines: string[];
}

interface StatsDoc {
  insertAll?: { requests?: number; rowsInserted?: number; rowsDeduplicated?: number; rowsRejected?: number };
  storageWrite?: { appendRequests?: number; rowsAppended?: number; rowErrors?: number };
}

/** Both write paths together (BQ_WRITE_API picks one): insertAll requests and rows, Storage Write API appends and rows. */
export async function bigQueryCounts(stack: Pick<Stack, 'urls'>): Promise<BigQueryCounts> {
  const res = await fetch(`${stack.urls.bigquery}/emulator/v1/stats`, { signal: AbortSignal.timeout(5000) });
  if (!res.ok) throw new Error(`BigQuery emulator stats: HTTP ${res.status}`);
  const doc = (await res.json()) as StatsDoc;
  const s = doc.insertAll ?? {};
  const w = doc.storageWrite ?? {};
  return {
    insertRequests: (s.requests ?? 0) + (w.appendRequests ?? 0),
    rowsInserted: (s.rowsInserted ?? 0) + (w.rowsAppended ?? 0),
    rowsDeduplicated: s.rowsDeduplicated ?? 0,
    rowsRejected: (s.rowsRejected ?? 0) + (w.rowErrors ?? 0),
  };
}

function minus<T extends object>(after: T, before: T): T {
  const out = {} as Record<string, number>;
  for (const [k, v] of Object.entries(after)) out[k] = (v as number) - ((before as Record<string, number>)[k] ?? 0);
  return out as T;
}

function perFunction<T>(f: (fn: FunctionName) => T): Record<FunctionName, T> {
  return Object.fromEntries(FUNCTION_NAMES.map((fn) => [fn, f(fn)])) as Record<FunctionName, T>;
}

export async function runLoad(mode: PathMode, ctx: SectionContext): Promise<LoadRunResult> {
  const plan = loadPlan(ctx.quick);
  const label = `e2e ${PATH_LABELS[mode]}`;
  const counters: Partial<Record<string, FirestoreCounters>> = {};
  const errorLines: string[] = [];
  // BENCH_VERBOSE=1 shows every line of the stack (to debug a run).
  const verbose = process.env.BENCH_VERBOSE === '1';
  const log = (component: string, line: string): void => {
    if (verbose) process.stderr.write(`[${component}] ${line}\n`);
    const c = parseCounterLine(line);
    if (c) {
      counters[component] = c;
      return;
    }
    // Error log lines, and the stack's report of a child that died.
    const bad = /"severity":"(ERROR|CRITICAL)"/.test(line) || (component === 'stack' && line.includes('exited unexpectedly'));
    if (bad && errorLines.length < 10) errorLines.push(`${component}: ${line.slice(0, 300)}`);
  };
  const preload = buildPath('bench', 'fixtures', 'firestore-counter.js');
  const functionEnv: Record<string, string> = {
    ...(mode === 'naive' ? NAIVE_ENV : {}),
    NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --require "${preload}"`.trim(),
  };

  ctx.progress(`${label}: starting the local stack`);
  let stack: Stack;
  try {
    stack = await startStack({
      ports: { pubsub: 0, firestore: 0, bigquery: 0, bigqueryGrpc: 0, functions: 0 },
      functionEnv,
      log,
    });
  } catch (err) {
    if (err instanceof MissingBuildError) throw new SectionSkipped(err.message);
    throw err;
  }
  const pubsub = pubsubClient(stack.endpoints);
  const db = firestoreClient(stack.endpoints);
  try {
    const publishTime = new Date();
    const deviceIds = ACTIVE_DEVICES.slice(0, plan.devices).map((d) => d.deviceId);
    const traffic = buildTraffic({ count: plan.messages, deviceIds, now: publishTime, seqBase: SEQ_BASE[mode] });
    const events = traffic.reduce((s, m) => s + m.events, 0);
    const expectedRows = traffic.reduce((s, m) => s + m.events + m.readings, 0);
    const pids = stack.pids();

    // Baselines after start-up, so only the load is counted.
    await sleep(600);
    const bqBefore = await bigQueryCounts(stack);
    const bridgeBefore = stack.bridgeStats();
    const countersBefore = { ...counters };
    const cpuBefore = perFunction((fn) => readCpuSeconds(pids[fn] ?? 0) ?? 0);

    // Devices publish on their own schedules: every device one message per tick.
    const topic = pubsub.topic(TOPICS.deviceEvents, { batching: { maxMessages: 100, maxMilliseconds: 5 } });
    const tickMs = 1000 / plan.ratePerDevice;
    const t0 = performance.now();
    const publishes: Promise<string>[] = [];
    let publishFailures = 0;
    for (let tick = 0; tick * plan.devices < traffic.length; tick++) {
      const wait = t0 + tick * tickMs - performance.now();
      if (wait > 0) await sleep(wait);
      for (const m of traffic.slice(tick * plan.devices, (tick + 1) * plan.devices)) {
        publishes.push(
          topic.publishMessage({ data: m.data, attributes: m.attributes }).catch((err: Error) => {
            publishFailures++;
            if (errorLines.length < 10) errorLines.push(`publish: ${err.message}`);
            return '';
          }),
        );
      }
      if (tick % plan.ratePerDevice === 0) ctx.progress(`${label}: publishing ${Math.min(traffic.length, (tick + 1) * plan.devices)}/${traffic.length} messages`);
    }
    await Promise.all(publishes);
    const tPublished = performance.now();
    if (publishFailures > 0) throw new Error(`${publishFailures} device publishes failed`);

    const acked = (fn: FunctionName): number => (stack.bridgeStats()[fn]?.acked ?? 0) - (bridgeBefore[fn]?.acked ?? 0);
    // Done = every row in BigQuery (the emulator counts duplicates apart) and
    // every device's state at its newest event (deliveries alone cannot tell:
    // redeliveries are acked too).
    const newest = newestEventIds(traffic, SEQ_BASE[mode]);
    const refs = [...newest.keys()].map((id) => db.collection(COLLECTIONS.deviceState).doc(id));
    const statesDone = async (): Promise<number> => (await db.getAll(...refs)).filter((snap) => snap.get('lastEventId') === newest.get(snap.id)).length;
    let bq = minus(await bigQueryCounts(stack), bqBefore);
    let states = 0;
    const deadline = tPublished + plan.drainTimeoutMs;
    let completed = false;
    for (;;) {
      bq = minus(await bigQueryCounts(stack), bqBefore);
      if (bq.rowsInserted >= expectedRows) states = await statesDone();
      if (bq.rowsInserted >= expectedRows && states === refs.length) {
        completed = true;
        break;
      }
      if (performance.now() > deadline) break;
      ctx.progress(
        `${label}: draining: rows ${bq.rowsInserted}/${expectedRows}, device states ${states}/${refs.length}; acked deliveries: sinkBigquery ${acked('sinkBigquery')}, sinkFirestore ${acked('sinkFirestore')} (${events} events)`,
      );
      await sleep(250);
    }
    const tDone = performance.now();
    const cpuAfter = perFunction((fn) => readCpuSeconds(pids[fn] ?? 0) ?? 0);
    const peakRssMiB = perFunction((fn) => readVmHwmMiB(pids[fn] ?? 0) ?? Number.NaN);
    const bridgeAfter = stack.bridgeStats();
    // The counter preload prints every 500 ms: wait for its last line.
    await sleep(1200);
    const firestore: Partial<Record<FunctionName, FirestoreCounters>> = {};
    for (const fn of FUNCTION_NAMES) {
      const after = counters[fn];
      if (after) firestore[fn] = countersBefore[fn] ? minus(after, countersBefore[fn]) : after;
    }
    const deviceStateDocs = (await db.collection(COLLECTIONS.deviceState).select().get()).size;

    // A run that timed out is rated by what got through: rows, and events the Firestore sink acked.
    const firestoreShare = Math.min(1, acked('sinkFirestore') / events);
    const done = completed ? traffic.length : Math.floor(traffic.length * Math.min(1, bq.rowsInserted / expectedRows, firestoreShare));
    const elapsedSeconds = (tDone - t0) / 1000;
    return {
      mode,
      plan,
      traffic,
      publishTime,
      events,
      expectedRows,
      completed,
      publishSeconds: (tPublished - t0) / 1000,
      elapsedSeconds,
      msgPerSecond: done / elapsedSeconds,
      lagSeconds: (tDone - tPublished) / 1000,
      bigquery: bq,
      firestore,
      deliveries: perFunction((fn) => (bridgeAfter[fn]?.delivered ?? 0) - (bridgeBefore[fn]?.delivered ?? 0)),
      acked: perFunction((fn) => (bridgeAfter[fn]?.acked ?? 0) - (bridgeBefore[fn]?.acked ?? 0)),
      failedDeliveries: FUNCTION_NAMES.reduce((s, fn) => s + (bridgeAfter[fn]?.failed ?? 0) - (bridgeBefore[fn]?.failed ?? 0), 0),
      cpuSeconds: perFunction((fn) => cpuAfter[fn] - cpuBefore[fn]),
      records: perFunction((fn) => (stack.bridgeRecords()[fn] ?? []).filter((r) => r.startMs >= t0).map((r) => ({ ...r, startMs: r.startMs - t0, endMs: r.endMs - t0 }))),
      peakRssMiB,
      deviceStateDocs,
      errorLines,
    };
  } finally {
    ctx.progress(`${label}: stopping the stack`);
    await Promise.allSettled([pubsub.close(), db.terminate()]);
    await stack.stop();
  }
}

/** The runs a bench makes (--quick makes them shorter: loadPlan). */
export function pathModes(_quick: boolean): PathMode[] {
  return ['batched', 'naive'];
}

/** Each path's run, started on first request and shared by the e2e, memory and cost sections. */
class LoadRuns {
  private readonly runs = new Map<PathMode, Promise<LoadRunResult>>();
  get(mode: PathMode, ctx: SectionContext): Promise<LoadRunResult> {
    let r = this.runs.get(mode);
    if (!r) {
      r = runLoad(mode, ctx);
      this.runs.set(mode, r);
    }
    return r;
  }
}

export const loadRuns = new LoadRuns();
