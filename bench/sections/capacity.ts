// Section "capacity": how much this machine's local stack sustains, not just
// the load offered. One stack (defaults: batched), steps of rising offered
// rate from 60 devices; after each step's last publish, the time until every
// row of it is in BigQuery is its drain. A step is sustained when it drained
// within DRAIN_SUSTAINED_S; the first step that is not ends the climb. Each
// step reports the CPU share of every process (functions, emulators), so
// the bottleneck is named: the one at about one core (100%).
//
// First, a low-rate step (1 msg/s): the latency of every function's requests
// and the instance time request-based Cloud Run bills for them, showing the
// early flush (nobody waits out a batching window when alone).
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { FUNCTION_NAMES, TOPICS } from '../../functions/lib/names.js';
import { MissingBuildError } from '../../tools/emulate/node-components.js';
import { ACTIVE_DEVICES } from '../../tools/emulate/seed.js';
import { startStack, type Stack } from '../../tools/emulate/stack.js';
import { pubsubClient } from '../../tools/lib/emulator-clients.js';
import { billedSeconds, medianLatencyMs } from '../delivery-measures.js';
import { bigQueryCounts } from '../load-run.js';
import { buildTraffic, type DeviceMessage } from '../messages.js';
import { BILLING_RULES } from '../prices.js';
import { readCpuSeconds, readMachineCpu } from '../proc-stats.js';
import { toRow } from '../report.js';
import { SectionSkipped, type SectionContext } from '../section.js';
import type { BenchRow } from '../types.js';

/** A step counts as sustained when its rows were all in within this long after its last publish. */
export const DRAIN_SUSTAINED_S = 2;

export interface StepResult {
  offered: number;
  messages: number;
  publishSeconds: number;
  /** Last publish to the step's last row; Infinity when it never got there. */
  drainSeconds: number;
  /** Messages through per second, first publish to the last row. */
  throughput: number;
  sustained: boolean;
  /** CPU share (1 = one core) per process over the step and its drain. */
  cpu: Record<string, number>;
  /** Share of all the machine's cores busy (with everything else running on it). */
  machineBusy: number;
}

/** The busiest process and its share of a core. */
export function bottleneck(cpu: Readonly<Record<string, number>>): { name: string; share: number } {
  let best = { name: 'none', share: 0 };
  for (const [name, share] of Object.entries(cpu)) if (share > best.share) best = { name, share };
  return best;
}

async function rowsInserted(stack: Stack): Promise<number> {
  return (await bigQueryCounts(stack)).rowsInserted;
}

/** Publishes `traffic` at `rate` msg/s in 20 ms ticks; resolves with the seconds it took. */
async function publishAt(stack: Stack, traffic: readonly DeviceMessage[], rate: number): Promise<number> {
  const pubsub = pubsubClient(stack.endpoints);
  const topic = pubsub.topic(TOPICS.deviceEvents, { batching: { maxMessages: 200, maxMilliseconds: 5 } });
  const t0 = performance.now();
  const tickMs = 20;
  const perTick = (rate * tickMs) / 1000;
  const pending: Promise<string>[] = [];
  let sent = 0;
  try {
    for (let tick = 1; sent < traffic.length; tick++) {
      const upTo = Math.min(traffic.length, Math.round(tick * perTick));
      for (; sent < upTo; sent++) pending.push(topic.publishMessage({ data: traffic[sent]!.data, attributes: traffic[sent]!.attributes }));
      const wait = t0 + tick * tickMs - performance.now();
      if (wait > 0) await sleep(wait);
    }
    await Promise.all(pending);
    return (performance.now() - t0) / 1000;
  } finally {
    await pubsub.close();
  }
}

/** CPU seconds so far of every stack process, and of this one (the devices' publisher and the push bridge). */
function cpuNow(stack: Stack): Record<string, number> {
  const own = process.cpuUsage();
  return {
    ...Object.fromEntries(Object.entries(stack.pids()).map(([name, pid]) => [name, readCpuSeconds(pid) ?? 0])),
    'bench (publisher + push bridge)': (own.user + own.system) / 1e6,
  };
}

async function runStep(stack: Stack, offered: number, seconds: number, seqBase: number, rowsSoFar: { n: number }, timeoutS: number): Promise<StepResult> {
  const devices = ACTIVE_DEVICES.map((d) => d.deviceId);
  const traffic = buildTraffic({ count: Math.max(1, Math.round(offered * seconds)), deviceIds: devices, seqBase, now: new Date() });
  const expected = rowsSoFar.n + traffic.reduce((s, m) => s + m.events + m.readings, 0);
  const cpu0 = cpuNow(stack);
  const m0 = readMachineCpu();
  const t0 = performance.now();
  const publishSeconds = await publishAt(stack, traffic, offered);
  const tPublished = performance.now();
  let drainSeconds = Number.POSITIVE_INFINITY;
  for (;;) {
    const n = await rowsInserted(stack);
    if (n >= expected) {
      drainSeconds = (performance.now() - tPublished) / 1000;
      break;
    }
    if ((performance.now() - tPublished) / 1000 > timeoutS) break;
    await sleep(100);
  }
  rowsSoFar.n = expected;
  const elapsed = (performance.now() - t0) / 1000;
  const cpu1 = cpuNow(stack);
  const m1 = readMachineCpu();
  const machineBusy = m0 && m1 && m1.total > m0.total ? (m1.busy - m0.busy) / (m1.total - m0.total) : Number.NaN;
  const cpu = Object.fromEntries(Object.keys(cpu1).map((k) => [k, ((cpu1[k] ?? 0) - (cpu0[k] ?? 0)) / elapsed]));
  return {
    offered,
    messages: traffic.length,
    publishSeconds,
    drainSeconds,
    throughput: Number.isFinite(drainSeconds) ? traffic.length / elapsed : Number.NaN,
    // Publishing itself must keep up too: a step whose publishes took much longer than planned was not offered its rate.
    sustained: drainSeconds <= DRAIN_SUSTAINED_S && publishSeconds <= seconds * 1.25,
    cpu,
    machineBusy,
  };
}

export async function benchCapacity(ctx: SectionContext): Promise<BenchRow[]> {
  const rates = ctx.quick ? [100, 300, 900] : [100, 200, 400, 600, 800, 1200, 1600];
  const stepSeconds = ctx.quick ? 4 : 8;
  ctx.progress('capacity: starting the local stack');
  let stack: Stack;
  try {
    stack = await startStack({ ports: { pubsub: 0, firestore: 0, bigquery: 0, functions: 0 }, log: () => undefined });
  } catch (err) {
    if (err instanceof MissingBuildError) throw new SectionSkipped(err.message);
    throw err;
  }
  const rows: BenchRow[] = [];
  try {
    await sleep(600);
    const rowsSoFar = { n: await rowsInserted(stack) };

    // Low rate: 1 msg/s.
    ctx.progress('capacity: 1 msg/s for 15 s (early flush)');
    const mark = performance.now();
    const low = await runStep(stack, 1, ctx.quick ? 8 : 15, 1, rowsSoFar, 30);
    await sleep(300);
    const records = stack.bridgeRecords();
    const parts: string[] = [];
    for (const fn of FUNCTION_NAMES) {
      const recs = (records[fn] ?? []).filter((r) => r.startMs >= mark);
      if (recs.length === 0) continue;
      const billedPer = billedSeconds(recs, BILLING_RULES) / recs.length;
      parts.push(`${fn} median ${medianLatencyMs(recs).toFixed(1)} ms, billed ${(billedPer * 1000).toFixed(0)} ms per request`);
      if (fn === 'validate' || fn === 'enrich' || fn === 'sinkBigquery') {
        const windowMs = fn === 'sinkBigquery' ? 250 : 100;
        rows.push(
          toRow({
            group: 'capacity',
            name: `1 msg/s: ${fn} median request latency (early flush) vs its batching window (${fn === 'sinkBigquery' ? 'BQ_BATCH_MAX_WAIT_MS' : 'EVENT_BATCH_WINDOW_MS'})`,
            unit: 'ms',
            value: medianLatencyMs(recs),
            baselineName: 'window',
            baseline: windowMs,
            better: 'lower',
          }),
        );
      }
    }
    ctx.note(`capacity: at 1 msg/s (${low.messages} messages, drained ${low.drainSeconds.toFixed(2)} s after the last): ${parts.join('; ')}`);

    let best: StepResult | undefined;
    let last: StepResult | undefined;
    for (const [i, rate] of rates.entries()) {
      ctx.progress(`capacity: ${rate} msg/s for ${stepSeconds} s`);
      const step = await runStep(stack, rate, stepSeconds, 1_000_000 * (i + 2), rowsSoFar, 30);
      last = step;
      const b = bottleneck(step.cpu);
      ctx.note(
        `capacity: offered ${rate} msg/s: published in ${step.publishSeconds.toFixed(1)} s, drained ${Number.isFinite(step.drainSeconds) ? `${step.drainSeconds.toFixed(2)} s` : 'NOT within 30 s'}, ` +
          `${step.sustained ? 'sustained' : 'NOT sustained'}; machine ${(step.machineBusy * 100).toFixed(0)}% busy (all processes); busiest of ours ${b.name} at ${(b.share * 100).toFixed(0)}% of a core (${Object.entries(step.cpu)
            .sort((x, y) => y[1] - x[1])
            .slice(0, 4)
            .map(([n, c]) => `${n} ${(c * 100).toFixed(0)}%`)
            .join(', ')})`,
      );
      if (!step.sustained) break;
      best = step;
      // Rows must catch up before the next step, or its drain counts this one's backlog.
      if (!Number.isFinite(step.drainSeconds)) break;
    }
    const top = last ? bottleneck(last.cpu) : { name: 'none', share: 0 };
    rows.push(
      toRow({
        group: 'capacity',
        name: `highest sustained offered rate (drain <= ${DRAIN_SUSTAINED_S} s); at the next step the busiest process was ${top.name} at ${(top.share * 100).toFixed(0)}% of a core, the machine ${((last?.machineBusy ?? Number.NaN) * 100).toFixed(0)}% busy`,
        unit: 'msg/s',
        value: best?.offered ?? 0,
        better: 'higher',
      }),
    );
    ctx.detail('capacity', { low, best, last });
  } finally {
    ctx.progress('capacity: stopping the stack');
    await stack.stop();
  }
  return rows;
}
