// The fault harness: the whole local stack (startStack, the code behind
// `npm run emulate`) on free ports with a unique project id, a realistic
// seeded message mix (tools/lib/message-mix.ts: invalid messages, exact
// duplicates, out-of-order, unknown and disabled devices) published to
// device-events at a bounded rate, and while it flows: BigQuery made slow
// (a latency proxy between the functions and the emulator), the BigQuery
// emulator killed and restarted on its --data file, the Firestore emulator
// killed and restarted, the sinkBigquery process killed and restarted, and
// sinkFirestore frozen (SIGSTOP) for a few seconds. A poison message proves
// the retry budget (poison.ts). Then it waits, bounded, for the pipeline to
// drain and does the accounting: nothing lost, nothing doubled.
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { COLLECTIONS, DATASET, FUNCTION_NAMES, TABLES, TOPICS } from '../../functions/lib/names.js';
import { bigqueryClient, firestoreClient, pubsubClient } from '../lib/emulator-clients.js';
import { generateMix, type MessageMix } from '../lib/message-mix.js';
import { LOOPBACK, freePort } from '../lib/ports.js';
import { ACTIVE_DEVICES, DISABLED_DEVICES, type SeedDevice } from '../emulate/seed.js';
import { startStack, type RestartableComponent, type Stack } from '../emulate/stack.js';
import { accountingOk, bigQueryAccounting, currentCounts, storedKeys, type Accounting, type Counts } from './accounting.js';
import { compareState, planStateChecks } from './expected-state.js';
import { startPoison, type PoisonRun } from './poison.js';
import { formatReport, type FaultRecord, type RunInfo } from './report.js';
import { startSlowProxy, type SlowProxy } from './slow-proxy.js';
import { startWatchdog, type Watchdog } from './watchdog.js';

export interface FaultHarnessOptions {
  /** Messages in the mix (default 10,000). */
  messages?: number;
  /** Publishing devices, spread over the seeded tenants (default 50, at most 60). */
  devices?: number;
  seed?: number;
  /** Publish rate, messages per second (default 90). */
  rate?: number;
  /** Inject the faults (default true); false gives the same run without them, for comparison. */
  faults?: boolean;
  /** Poison messages that must end as max-delivery-attempts (default 3). */
  poisonMessages?: number;
  /** Longest wait for the pipeline to drain after the last publish (default 150 s). */
  drainTimeoutMs?: number;
  /** Progress lines (default: none). */
  progress?: (line: string) => void;
  /** Every component log line is appended here too (default: kept in memory only). */
  logFile?: string;
}

export interface FaultHarnessResult {
  ok: boolean;
  report: string;
  accounting: Accounting;
  faults: FaultRecord[];
  info: RunInfo;
  /** Functions that died unplanned; moments a function did not answer its health probe. */
  processes: { crashed: string[]; unanswered: string[] };
  /** The last log lines of every component, for a failed run. */
  logTail(n?: number): string;
}

export const DEFAULTS = { messages: 10_000, devices: 50, seed: 20261125, rate: 90, poisonMessages: 3, drainTimeoutMs: 150_000 } as const;

/**
 * A scaled-down production retryPolicy (infra/: 10 s .. 600 s, where 5
 * attempts span 150 s): here they span 5+10+20+40 = 75 s, longer than any
 * outage below (a Java emulator restart takes 30-70 s on a busy 2-core box).
 */
export const BACKOFF = { minMs: 5000, maxMs: 80_000 } as const;

const UNKNOWN_DEVICES = ['ghost-sensor-01', 'ghost-sensor-02'];
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** n seeded devices taken round-robin over the tenants, so every tenant publishes. */
export function publishers(n: number): SeedDevice[] {
  const byTenant = new Map<string, SeedDevice[]>();
  for (const d of ACTIVE_DEVICES) byTenant.set(d.tenantId, [...(byTenant.get(d.tenantId) ?? []), d]);
  const lists = [...byTenant.values()];
  const out: SeedDevice[] = [];
  for (let i = 0; out.length < Math.min(n, ACTIVE_DEVICES.length); i++) {
    const d = lists[i % lists.length]![Math.floor(i / lists.length)];
    if (d) out.push(d);
  }
  return out;
}

interface FaultContext {
  stack: Stack;
  /** Keys stored when the BigQuery emulator came back (see accounting.ts doubledAcrossRestart). */
  keysAfterBigQueryRestart?: { readings: Set<string>; events: Set<string> };
  bigquery: ReturnType<typeof bigqueryClient>;
  watchdog: Watchdog;
  /** Resolves once enrich has looked up (and cached) every registered device published so far. */
  registryCached(): Promise<void>;
  proxy: SlowProxy;
  dataFile: string;
  /** Called when the Firestore emulator is back (live state restarts from nothing there). */
  firestoreBack(): void;
}

interface PlannedFault {
  /** Share of the messages published when it starts. */
  at: number;
  name: string;
  run(c: FaultContext): Promise<string>;
}

async function timedRestart(stack: Stack, c: RestartableComponent): Promise<number> {
  const t = Date.now();
  await stack.restart(c);
  return Date.now() - t;
}

function alive(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Signals a process group; only ever the stack's own children (by the pid the stack reports). */
function signalGroup(pid: number, signal: NodeJS.Signals): void {
  process.kill(-pid, signal);
}

// Every fault starts in the first 55 % of the stream, so the retries it causes
// have run out of backoff by the time the last messages are published.
export const FAULT_PLAN: readonly PlannedFault[] = [
  {
    at: 0.08,
    name: 'slow bigquery',
    async run(c) {
      c.proxy.setLatency(250);
      await sleep(10_000);
      c.proxy.setLatency(0);
      return 'proxy before the emulator adds 250 ms to every chunk, both ways, for 10 s';
    },
  },
  {
    at: 0.2,
    name: 'restart firestore',
    async run(c) {
      await c.registryCached();
      const pid = c.stack.pids().firestore;
      const ms = await timedRestart(c.stack, 'firestore');
      c.firestoreBack();
      return `pid ${pid} -> ${c.stack.pids().firestore}, down ${(ms / 1000).toFixed(1)} s; in-memory emulator: registry re-seeded, live state starts empty`;
    },
  },
  {
    at: 0.35,
    name: 'restart bigquery',
    async run(c) {
      const pid = c.stack.pids().bigquery;
      const ms = await timedRestart(c.stack, 'bigquery');
      c.keysAfterBigQueryRestart = await storedKeys(c.bigquery);
      return `pid ${pid} -> ${c.stack.pids().bigquery}, down ${(ms / 1000).toFixed(1)} s; rows kept in --data ${path.basename(c.dataFile)}`;
    },
  },
  {
    at: 0.45,
    name: 'restart sinkBigquery',
    async run(c) {
      const pid = c.stack.pids().sinkBigquery;
      const ms = await c.watchdog.planned('sinkBigquery', () => timedRestart(c.stack, 'sinkBigquery'));
      return `pid ${pid} -> ${c.stack.pids().sinkBigquery}, down ${(ms / 1000).toFixed(1)} s; rows in its group commit were never acked`;
    },
  },
  {
    at: 0.55,
    name: 'freeze sinkFirestore',
    async run(c) {
      const pid = c.stack.pids().sinkFirestore;
      if (!pid) throw new Error('no sinkFirestore pid');
      await c.watchdog.planned('sinkFirestore', async () => {
        signalGroup(pid, 'SIGSTOP');
        try {
          await sleep(5000);
        } finally {
          signalGroup(pid, 'SIGCONT');
        }
      });
      return `SIGSTOP pid ${pid} for 5 s, then SIGCONT (requests in flight hang, then finish)`;
    },
  },
];

export async function runFaultHarness(options: FaultHarnessOptions = {}): Promise<FaultHarnessResult> {
  const o = { ...DEFAULTS, faults: true, ...options };
  const progress = options.progress ?? (() => undefined);
  const lines: string[] = [];
  const logStream = options.logFile ? createWriteStream(options.logFile, { flags: 'a' }) : undefined;
  const log = (component: string, line: string): void => {
    const tagged = `${component.padEnd(14)} | ${line}`;
    lines.push(tagged);
    if (lines.length > 4000) lines.splice(0, 2000);
    logStream?.write(`${new Date().toISOString().slice(11, 23)} ${tagged}\n`);
  };
  const logTail = (n = 80): string => lines.slice(-n).join('\n');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'iot-faults-'));
  const dataFile = path.join(dir, 'bigquery.duckdb');
  const projectId = `demo-faults-${randomBytes(4).toString('hex')}`;

  // The functions reach BigQuery through the proxy; the stack's own clients go direct.
  const bigqueryPort = await freePort();
  const proxy = await startSlowProxy({ listenPort: await freePort(), targetPort: bigqueryPort });
  let stack: Stack | undefined;
  let poison: PoisonRun | undefined;
  let watchdog: Watchdog | undefined;
  const clients: { close(): Promise<unknown> }[] = [];
  try {
    const t0 = Date.now();
    stack = await startStack({
      projectId,
      ports: { pubsub: 0, firestore: 0, bigquery: bigqueryPort, bigqueryGrpc: 0, functions: 0 },
      bigqueryDataFile: dataFile,
      minBackoffMs: BACKOFF.minMs,
      maxBackoffMs: BACKOFF.maxMs,
      functionEnv: {
        BIGQUERY_EMULATOR_HOST: `http://${LOOPBACK}:${proxy.port}`,
        // The registry is read once per device and kept: a Firestore restart
        // (which empties the emulator until it is re-seeded) must not turn
        // registered devices into unknown ones. In production the registry
        // does not vanish; this keeps an emulator artifact out of the books.
        DEVICE_CACHE_TTL_MS: '3600000',
        FIRESTORE_COALESCE_MS: '200',
        LOG_LEVEL: 'WARNING',
      },
      log,
    });
    progress(`stack up in ${((Date.now() - t0) / 1000).toFixed(1)} s (project ${projectId})`);
    const pubsub = pubsubClient(stack.endpoints);
    const bigquery = bigqueryClient(stack.endpoints);
    clients.push(pubsub);

    const devices = publishers(o.devices);
    const mix: MessageMix = generateMix({
      seed: o.seed,
      devices,
      unknownDevices: UNKNOWN_DEVICES,
      disabledDevices: DISABLED_DEVICES.map((d) => d.deviceId),
      messages: o.messages,
    });
    if (o.poisonMessages > 0) poison = await startPoison({ pubsub, projectId, env: stack.env, count: o.poisonMessages, log });

    // ---- publish at a bounded rate, faults keyed to publishing progress ----
    let publishedCount = 0;
    let firstIndexAfterFirestoreRestart = 0;
    const faultRecords: FaultRecord[] = [];
    const tPublish = Date.now();
    watchdog = startWatchdog(stack, log);
    const pidsAtStart = stack.pids();
    const ctx: FaultContext = {
      stack,
      bigquery,
      watchdog,
      proxy,
      dataFile,
      firestoreBack: () => (firstIndexAfterFirestoreRestart = publishedCount),
      registryCached: () => registryCached(bigquery, mix, publishedCount, progress),
    };
    // Each fault starts at its own point of the stream, whether or not the
    // previous one has finished (they may overlap, as real outages do).
    const faultsDone = Promise.all(
      (o.faults ? FAULT_PLAN : []).map(async (f) => {
        while (publishedCount < f.at * mix.messages.length) await sleep(50);
        const rec: FaultRecord = { name: f.name, atSeconds: (Date.now() - tPublish) / 1000, atMessage: publishedCount, durationMs: 0, detail: '' };
        progress(`fault: ${f.name} at message ${publishedCount}`);
        const t = Date.now();
        try {
          rec.detail = await f.run(ctx);
        } catch (err) {
          rec.error = err instanceof Error ? err.message : String(err);
        }
        rec.durationMs = Date.now() - t;
        faultRecords.push(rec);
        progress(`fault: ${f.name} done in ${(rec.durationMs / 1000).toFixed(1)} s${rec.error ? ` FAILED ${rec.error}` : ''}`);
      }),
    );

    const topic = pubsub.topic(TOPICS.deviceEvents, { batching: { maxMessages: 50, maxMilliseconds: 10 } });
    let pending: Promise<string>[] = [];
    let lastProgress = Date.now();
    for (const m of mix.messages) {
      const due = tPublish + (publishedCount / o.rate) * 1000;
      const wait = due - Date.now();
      if (wait > 2) await sleep(wait);
      pending.push(topic.publishMessage({ data: m.data, attributes: m.attributes }));
      publishedCount++;
      if (pending.length >= 200) {
        await Promise.all(pending);
        pending = [];
      }
      if (Date.now() - lastProgress > 10_000) {
        lastProgress = Date.now();
        progress(`published ${publishedCount}/${mix.messages.length}`);
      }
    }
    await Promise.all(pending);
    await topic.flush();
    const publishSeconds = (Date.now() - tPublish) / 1000;
    progress(`published ${publishedCount} messages in ${publishSeconds.toFixed(1)} s; waiting for the faults to finish`);
    await faultsDone;

    // ---- drain: until every table holds what it should, or nothing moves ----
    const extraDeadLetters: Record<string, number> = poison ? { 'max-delivery-attempts': poison.published } : {};
    const want: Counts = {
      readings: mix.expected.readings.size,
      events: mix.expected.events.size,
      deadletter: Object.values(mix.expected.deadLetters).reduce((a, b) => a + b, 0) + (poison?.published ?? 0),
    };
    const tDrain = Date.now();
    const drained = await drain(bigquery, want, o.drainTimeoutMs, progress);
    const drainSeconds = (Date.now() - tPublish) / 1000 - publishSeconds;

    // ---- Firestore: newest value per device and field (after the restart) ----
    const plan = planStateChecks(mix.messages, mix.expected.deviceState, firstIndexAfterFirestoreRestart);
    const firestore = firestoreClient(stack.endpoints);
    clients.push({ close: () => firestore.terminate() });
    // sinkFirestore drains its own subscription (coalesced per device): wait,
    // bounded, until the state is right or stops getting closer.
    let problems: string[] = [];
    let documents = 0;
    let best = Number.POSITIVE_INFINITY;
    let bestAt = Date.now();
    const stateDeadline = Date.now() + 150_000;
    for (;;) {
      const snap = await firestore.collection(COLLECTIONS.deviceState).get();
      documents = snap.size;
      problems = compareState(new Map(snap.docs.map((d) => [d.id, d.data()])), plan.checked);
      if (problems.length === 0 || Date.now() > stateDeadline || Date.now() - bestAt > 30_000) break;
      if (problems.length < best) {
        best = problems.length;
        bestAt = Date.now();
        progress(`deviceState: ${problems.length} of ${plan.checked.length} fields not yet at their newest value`);
      }
      await sleep(2000);
    }

    const bq = await bigQueryAccounting(bigquery, mix.expected, extraDeadLetters, ctx.keysAfterBigQueryRestart);
    const accounting: Accounting = {
      published: { ...mix.expected.published, poison: poison?.published ?? 0 },
      ...bq,
      firestore: { documents, checked: plan.checked.length, skipped: plan.skipped.length, problems },
    };
    const info: RunInfo = {
      messages: mix.messages.length,
      devices: devices.length,
      seed: o.seed,
      rate: o.rate,
      publishSeconds,
      drainSeconds: drained ? drainSeconds : (Date.now() - tDrain) / 1000,
      drained,
      poisonDeliveries: poison?.deliveries() ?? 0,
    };
    // Every function process not deliberately restarted must be the one that started, still alive.
    const restarted = new Set(['sinkBigquery']);
    const pidsNow = stack.pids();
    const crashed = FUNCTION_NAMES.filter((fn) => !restarted.has(fn) && (pidsNow[fn] !== pidsAtStart[fn] || !alive(pidsNow[fn])));
    const processes = { crashed, unanswered: watchdog.failures() };
    faultRecords.sort((a, b) => a.atSeconds - b.atSeconds);
    const report = formatReport(info, faultRecords, accounting, processes);
    const ok = accountingOk(accounting) && drained && faultRecords.every((f) => !f.error) && crashed.length === 0;
    return { ok, report, accounting, faults: faultRecords, info, processes, logTail };
  } finally {
    watchdog?.stop();
    await poison?.stop().catch(() => undefined);
    await Promise.allSettled(clients.map((c) => c.close()));
    await stack?.stop();
    await proxy.close();
    rmSync(dir, { recursive: true, force: true });
    await new Promise<void>((r) => (logStream ? logStream.end(() => r()) : r()));
  }
}

/**
 * The Firestore emulator comes back empty and is re-seeded a moment later:
 * a device first looked up in that moment would be "unknown" (and cached as
 * such). Production's registry never vanishes, so before the restart the
 * harness waits (bounded) until enrich has handled every registered device
 * published so far: each publisher has a row in telemetry.events, each
 * disabled device its disabled-device dead letter.
 */
async function registryCached(bq: ReturnType<typeof bigqueryClient>, mix: MessageMix, published: number, progress: (l: string) => void): Promise<void> {
  const seen = new Set<string>();
  for (const m of mix.messages.slice(0, published)) {
    if (m.kind === 'unknown-device' || m.kind === 'invalid') continue;
    const id = (JSON.parse(m.data.toString('utf8')) as { deviceId?: unknown }).deviceId;
    if (typeof id === 'string') seen.add(id);
  }
  const deadline = Date.now() + 90_000;
  for (;;) {
    const [rows] = await bq.query({
      query: `SELECT DISTINCT device_id FROM ${DATASET}.${TABLES.events}
              UNION DISTINCT SELECT DISTINCT device_id FROM ${DATASET}.${TABLES.deadLetter} WHERE reason = 'disabled-device'`,
    });
    const have = new Set((rows as { device_id: string | null }[]).map((r) => r.device_id));
    const missing = [...seen].filter((d) => !have.has(d));
    if (missing.length === 0) return;
    if (Date.now() > deadline) {
      progress(`registry not yet cached for ${missing.length} devices; restarting Firestore anyway`);
      return;
    }
    await sleep(1000);
  }
}

/** Polls the row counts until they reach `want` and hold still for 3 s, or stop moving for 100 s (longer than the largest backoff), or the deadline. */
async function drain(bq: ReturnType<typeof bigqueryClient>, want: Counts, timeoutMs: number, progress: (l: string) => void): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  let since = Date.now();
  let lastProgress = 0;
  for (;;) {
    let c: Counts;
    try {
      c = await currentCounts(bq);
    } catch {
      await sleep(1000);
      continue;
    }
    const key = JSON.stringify(c);
    if (key !== last) {
      last = key;
      since = Date.now();
    }
    const reached = c.readings >= want.readings && c.events >= want.events && c.deadletter >= want.deadletter;
    if (reached && Date.now() - since >= 3000) return true;
    if (Date.now() - since > 100_000) return false;
    if (Date.now() > deadline) return reached;
    if (Date.now() - lastProgress > 10_000) {
      lastProgress = Date.now();
      progress(`draining: ${key} of ${JSON.stringify(want)}`);
    }
    await sleep(1000);
  }
}
