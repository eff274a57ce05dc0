// The whole pipeline on one machine: the gcloud Pub/Sub and Firestore
// emulators, the project's BigQuery emulator, one process per function, the
// provisioning, and delivery (the push bridge, or the emulator's own push).
// `npm run emulate` (main.ts) and the end-to-end tests both start it from here.
import { readFileSync } from 'node:fs';
import type { BigQuery } from '@google-cloud/bigquery';
import type { Firestore } from '@google-cloud/firestore';
import type { PubSub } from '@google-cloud/pubsub';
import { FUNCTIONS, FUNCTION_NAMES, GATEWAY_ROUTE, LOCAL_PROJECT_ID, type FunctionName } from '../../functions/lib/names.js';
import { LOOPBACK, freePort, httpOk, waitUntil } from '../lib/ports.js';
import { bigqueryClient, firestoreClient, pubsubClient, type EmulatorEndpoints } from '../lib/emulator-clients.js';
import { startFirestoreEmulator, startPubSubEmulator, type RunningEmulator } from './gcloud-emulators.js';
import { listening, startBigQueryProcess, startFunctionProcess, type NodeComponent } from './node-components.js';
import {
  createDatasetAndTables,
  createSubscriptions,
  createTopics,
  loadRulesIfPresent,
  seedRegistry,
  tablesExist,
  type DeliveryMode,
} from './provision.js';
import { PushBridge, type BridgeTarget, type DeliveryRecord, type TargetStats } from './push-bridge.js';
import { seedGatewayRegistry, startGatewayProcess, type GatewayPorts, type RunningGatewayProcess } from './gateway-component.js';
import type { ManagedProcess } from '../lib/process-group.js';
import { repoPath } from './repo-root.js';

export type { DeliveryMode } from './provision.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms).unref());

export interface StackPorts {
  pubsub: number;
  firestore: number;
  bigquery: number;
  /** The BigQuery emulator's Storage Write API (gRPC). */
  bigqueryGrpc: number;
  /** First function port; the five functions take it and the next four. */
  functions: number;
}

export type RestartableComponent = 'pubsub' | 'firestore' | 'bigquery' | FunctionName;

export interface StackOptions {
  projectId?: string;
  /** Missing entries come from firebase.json; 0 means a free port (tests). */
  ports?: Partial<StackPorts>;
  /** The BigQuery emulator keeps its tables in this file across restarts. */
  bigqueryDataFile?: string;
  /** A BigQuery emulator CLI other than the project's build (same flags). */
  bigqueryCli?: string;
  delivery?: DeliveryMode;
  /** Bridge delivery: concurrent requests per subscription (default 80). */
  deliveryConcurrency?: number;
  /** Bridge delivery: retry backoff bounds (default 1 s .. 60 s, as a subscription's retryPolicy). */
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /** enableMessageOrdering on the subscriptions. */
  ordering?: boolean;
  /** Extra environment for the function processes (e.g. FIRESTORE_COALESCE_MS). */
  functionEnv?: Record<string, string>;
  /** Bridge delivery: subscriptions delivered without per-ordering-key serialization (default none: every key in order). */
  unorderedSubscriptions?: readonly string[];
  /** Seed the device registry (default true). */
  seed?: boolean;
  /** Start the device gateway (HTTP and MQTT bridges) on these ports (0: a free one), its CA and seeded keys in `dir`. */
  gateway?: GatewayPorts & { dir: string };
  /** Called with each child as soon as it is spawned (and again after a restart), so a pid file can name it before the stack is ready. */
  onSpawn?: (component: string, pid: number) => void;
  log: (component: string, line: string) => void;
}

/** How long each child gets for SIGTERM before its process group gets SIGKILL. */
export const STOP_GRACE_MS = 3000;

export interface StackUrls {
  pubsub: string;
  firestore: string;
  bigquery: string;
  /** http://127.0.0.1:PORT of the Storage Write API (plaintext gRPC). */
  bigqueryGrpc: string;
  functions: Record<FunctionName, string>;
}

export interface Stack {
  readonly projectId: string;
  readonly delivery: DeliveryMode;
  readonly ports: StackPorts & { functionPorts: Record<FunctionName, number> };
  readonly urls: StackUrls;
  readonly endpoints: EmulatorEndpoints;
  /** The variables that point standard clients at this stack. */
  readonly env: Record<string, string>;
  /** The gateway, when started (StackOptions.gateway): its ports, CA and the seeded devices' private key files. */
  readonly gateway: (RunningGatewayProcess & { deviceKeys: Record<string, string> }) | undefined;
  /** Process ids of every child, by component (for the pid file and for fault injection). */
  pids(): Record<string, number>;
  bridgeStats(): Record<string, TargetStats>;
  /** Each push delivery's span and billable size, per function (bridge delivery only; empty otherwise). */
  bridgeRecords(): Record<string, readonly DeliveryRecord[]>;
  /** Kills and restarts one component on the same port, then provisions what it lost. */
  restart(component: RestartableComponent): Promise<void>;
  /**
   * Stops the bridge and every child at once, each with STOP_GRACE_MS for
   * SIGTERM before SIGKILL of its process group: done in about 4 s at most.
   */
  stop(): Promise<void>;
  /** SIGKILL to every child's process group now (a hung stop's last resort). */
  kill(): void;
}

interface Firebase {
  emulators?: Partial<Record<'pubsub' | 'firestore' | 'bigquery' | 'functions', { port?: number; grpcPort?: number }>>;
}

/** Ports from firebase.json (pubsub 8085, firestore 8080, bigquery 9050 and gRPC 9060, functions from 8090). */
export function defaultPorts(): StackPorts {
  const fallback: StackPorts = { pubsub: 8085, firestore: 8080, bigquery: 9050, bigqueryGrpc: 9060, functions: 8090 };
  try {
    const fb = JSON.parse(readFileSync(repoPath('firebase.json'), 'utf8')) as Firebase;
    return {
      pubsub: fb.emulators?.pubsub?.port ?? fallback.pubsub,
      firestore: fb.emulators?.firestore?.port ?? fallback.firestore,
      bigquery: fb.emulators?.bigquery?.port ?? fallback.bigquery,
      bigqueryGrpc: fb.emulators?.bigquery?.grpcPort ?? fallback.bigqueryGrpc,
      functions: fb.emulators?.functions?.port ?? fallback.functions,
    };
  } catch {
    return fallback;
  }
}

async function resolvePorts(requested: Partial<StackPorts> | undefined): Promise<StackPorts & { functionPorts: Record<FunctionName, number> }> {
  const p = { ...defaultPorts(), ...requested };
  // A caller that asks for free ports and predates the gRPC port gets a free one there too.
  if (requested?.bigqueryGrpc === undefined && (requested?.bigquery === 0 || requested?.pubsub === 0)) p.bigqueryGrpc = 0;
  const pick = async (n: number): Promise<number> => (n === 0 ? freePort() : n);
  const functionPorts = {} as Record<FunctionName, number>;
  for (const [i, fn] of FUNCTION_NAMES.entries()) functionPorts[fn] = p.functions === 0 ? await freePort() : p.functions + i;
  return {
    pubsub: await pick(p.pubsub),
    firestore: await pick(p.firestore),
    bigquery: await pick(p.bigquery),
    bigqueryGrpc: await pick(p.bigqueryGrpc),
    functions: functionPorts[FUNCTION_NAMES[0]!],
    functionPorts,
  };
}

/** Every port the stack would bind with these options (main.ts checks them before starting). */
export async function plannedPorts(requested: Partial<StackPorts> | undefined): Promise<Record<string, number>> {
  const p = await resolvePorts(requested);
  return { pubsub: p.pubsub, firestore: p.firestore, bigquery: p.bigquery, bigqueryGrpc: p.bigqueryGrpc, ...p.functionPorts };
}

export async function startStack(opts: StackOptions): Promise<Stack> {
  // The same for this process's own clients (provisioning, the bridge).
  process.env.METADATA_SERVER_DETECTION ??= 'none';
  const projectId = opts.projectId ?? LOCAL_PROJECT_ID;
  const delivery = opts.delivery ?? 'bridge';
  const log = opts.log;
  const ports = await resolvePorts(opts.ports);
  const host = (port: number): string => `${LOOPBACK}:${port}`;
  const endpoints: EmulatorEndpoints = {
    projectId,
    pubsubHost: host(ports.pubsub),
    firestoreHost: host(ports.firestore),
    bigqueryUrl: `http://${host(ports.bigquery)}`,
  };
  const functionUrls = Object.fromEntries(FUNCTION_NAMES.map((fn) => [fn, `http://${host(ports.functionPorts[fn])}`])) as Record<FunctionName, string>;
  const urls: StackUrls = {
    pubsub: `http://${endpoints.pubsubHost}`,
    firestore: `http://${endpoints.firestoreHost}`,
    bigquery: endpoints.bigqueryUrl,
    bigqueryGrpc: `http://${host(ports.bigqueryGrpc)}`,
    functions: functionUrls,
  };
  const env: Record<string, string> = {
    GOOGLE_CLOUD_PROJECT: projectId,
    PUBSUB_EMULATOR_HOST: endpoints.pubsubHost,
    FIRESTORE_EMULATOR_HOST: endpoints.firestoreHost,
    BIGQUERY_EMULATOR_HOST: endpoints.bigqueryUrl,
    // The Storage Write client's endpoint (there is no standard emulator
    // variable for it): http:// means plaintext, as for a local gRPC server.
    BQ_STORAGE_ENDPOINT: `http://${host(ports.bigqueryGrpc)}`,
  };

  let pubsubEmu: RunningEmulator | undefined;
  let firestoreEmu: RunningEmulator | undefined;
  let bigqueryProc: NodeComponent | undefined;
  const functionProcs = new Map<FunctionName, NodeComponent>();
  let bridge: PushBridge | undefined;
  let gateway: (RunningGatewayProcess & { deviceKeys: Record<string, string> }) | undefined;
  let pubsub: PubSub | undefined;
  let firestore: Firestore | undefined;
  let bigquery: BigQuery | undefined;

  const lineTo = (component: string) => (line: string) => log(component, line);
  // A child that dies on its own (not stopped, not being restarted) is reported once.
  let stopping = false;
  const expectedExit = new Set<string>();
  const watch = (name: string, proc: { exited: Promise<number | string> }): void => {
    void proc.exited.then((code) => {
      if (!stopping && !expectedExit.has(name)) log('stack', `${name} exited unexpectedly (${code}); stack.restart('${name}') or restart npm run emulate`);
    });
  };
  // Every child ever spawned, including one still starting (not yet in the
  // variables above), so stop() and kill() reach it too.
  const spawned = new Map<string, ManagedProcess>();
  const onSpawn = (component: string) => (p: ManagedProcess): void => {
    spawned.set(component, p);
    opts.onSpawn?.(component, p.pid);
  };
  const startPubSub = async (): Promise<void> => {
    pubsubEmu = await startPubSubEmulator({ port: ports.pubsub, onLine: lineTo('pubsub'), onSpawn: onSpawn('pubsub') });
    watch('pubsub', pubsubEmu.process);
  };
  const startFirestore = async (): Promise<void> => {
    firestoreEmu = await startFirestoreEmulator({ port: ports.firestore, projectId, onLine: lineTo('firestore'), onSpawn: onSpawn('firestore') });
    watch('firestore', firestoreEmu.process);
  };
  const startBigQuery = async (): Promise<void> => {
    bigqueryProc = await startBigQueryProcess({
      port: ports.bigquery,
      grpcPort: ports.bigqueryGrpc,
      ...(opts.bigqueryCli ? { cli: opts.bigqueryCli } : {}),
      ...(opts.bigqueryDataFile ? { dataFile: opts.bigqueryDataFile } : {}),
      onLine: lineTo('bigquery'),
      onSpawn: onSpawn('bigquery'),
    });
    watch('bigquery', bigqueryProc.process);
  };
  // Offline there is no metadata server; where something answers its address
  // anyway (a proxy's 403), google-auth-library waits seconds on the first
  // request of every process before giving up. Locally nothing needs it.
  const functionEnv = { ...env, METADATA_SERVER_DETECTION: 'none', ...opts.functionEnv };
  const startFunction = async (fn: FunctionName): Promise<void> => {
    const proc = await startFunctionProcess({ target: fn, port: ports.functionPorts[fn], env: functionEnv, onLine: lineTo(fn), onSpawn: onSpawn(fn) });
    functionProcs.set(fn, proc);
    watch(fn, proc.process);
  };

  const provisionPubSub = async (): Promise<void> => {
    await createTopics(pubsub!);
    await createSubscriptions(pubsub!, { projectId, delivery, functionUrls, ...(opts.ordering ? { ordering: true } : {}) });
  };
  const provisionFirestore = async (): Promise<void> => {
    if (await loadRulesIfPresent(endpoints.firestoreHost, projectId)) log('stack', 'firestore.rules loaded');
    if (opts.seed ?? true) log('stack', `seeded ${await seedRegistry(firestore!)} devices into devices/`);
  };
  const provisionBigQuery = async (): Promise<void> => {
    await createDatasetAndTables(bigquery!);
  };

  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopped ??= (async () => {
      stopping = true;
      // The bridge first, so nothing new is delivered; it gives up on a pull or
      // an ack after 1 s (the emulator goes down next anyway: unacked messages
      // are redelivered, never lost, when the stack runs again on --data).
      await bridge?.stop().catch((err: Error) => log('stack', `bridge stop: ${err.message}`));
      await Promise.race([Promise.allSettled([pubsub?.close(), firestore?.terminate()]), sleep(500)]);
      // Every child at once: a function's in-flight request is at-least-once
      // (unacked, so redelivered), so there is nothing to gain from ordering
      // the stop, and a sequential stop multiplies the grace periods.
      const outcomes = await Promise.all(
        [...spawned].map(async ([name, p]) => {
          const t0 = Date.now();
          const outcome = await p.stop(STOP_GRACE_MS);
          if (outcome === 'killed') log('stack', `${name} (pid ${p.pid}) did not stop within ${STOP_GRACE_MS} ms of SIGTERM: sent SIGKILL to its process group`);
          return { name, outcome, ms: Date.now() - t0 };
        }),
      );
      const killed = outcomes.filter((o) => o.outcome === 'killed').length;
      if (killed) log('stack', `${killed} of ${outcomes.length} children needed SIGKILL`);
    })());
  const kill = (): void => {
    stopping = true;
    for (const p of spawned.values()) p.kill();
  };

  try {
    // The Java emulators take seconds: start everything at once.
    const started: Promise<void>[] = [
      startPubSub().then(() => log('stack', `pubsub    ${urls.pubsub}`)),
      startFirestore().then(() => log('stack', `firestore ${urls.firestore}`)),
      startBigQuery().then(() => log('stack', `bigquery  ${urls.bigquery} (Storage Write API, gRPC: ${urls.bigqueryGrpc.replace('http://', '')})`)),
      ...FUNCTION_NAMES.map((fn) => startFunction(fn).then(() => log('stack', `${fn.padEnd(14)} ${functionUrls[fn]}`))),
    ];
    const results = await Promise.allSettled(started);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;

    pubsub = pubsubClient(endpoints);
    firestore = firestoreClient(endpoints);
    bigquery = bigqueryClient(endpoints);
    await Promise.all([provisionPubSub(), provisionFirestore(), provisionBigQuery()]);
    log('stack', `provisioned topics, subscriptions (${delivery} delivery), dataset and tables`);

    if (delivery === 'bridge') {
      bridge = new PushBridge({
        pubsub,
        projectId,
        targets: FUNCTION_NAMES.map((fn): BridgeTarget => ({
          name: fn,
          subscription: FUNCTIONS[fn].subscription,
          topic: FUNCTIONS[fn].topic,
          url: functionUrls[fn],
          // As many in flight as a deployed instance takes (names.ts), unless overridden.
          concurrency: opts.deliveryConcurrency ?? FUNCTIONS[fn].concurrency,
          ...(opts.unorderedSubscriptions?.includes(FUNCTIONS[fn].subscription) ? { ordered: false } : {}),
        })).concat(opts.gateway ? [{
          // validate's second subscription: the gateway's topic (trusted device ids).
          name: `${GATEWAY_ROUTE.target}-gateway`,
          subscription: GATEWAY_ROUTE.subscription,
          topic: GATEWAY_ROUTE.topic,
          url: functionUrls[GATEWAY_ROUTE.target],
          concurrency: opts.deliveryConcurrency ?? FUNCTIONS[GATEWAY_ROUTE.target].concurrency,
        }] : []),
        ...(opts.minBackoffMs !== undefined ? { minBackoffMs: opts.minBackoffMs } : {}),
        ...(opts.maxBackoffMs !== undefined ? { maxBackoffMs: opts.maxBackoffMs } : {}),
        log,
      });
      bridge.start();
    }

    if (opts.gateway) {
      const g = opts.gateway;
      const pick = async (n: number): Promise<number> => (n === 0 ? freePort() : n);
      const gwPorts = { http: await pick(g.http), mqtt: await pick(g.mqtt), mqtts: await pick(g.mqtts) };
      const deviceKeys = opts.seed ?? true ? await seedGatewayRegistry(firestore!, g.dir) : {};
      const proc = await startGatewayProcess({ ports: gwPorts, env: functionEnv, dir: g.dir, onLine: lineTo('gateway'), onSpawn: onSpawn('gateway') });
      watch('gateway', proc.process);
      gateway = { ...proc, deviceKeys };
      log('stack', `gateway   http://${LOOPBACK}:${gwPorts.http} mqtt://${LOOPBACK}:${gwPorts.mqtt} mqtts://localhost:${gwPorts.mqtts} (CA ${proc.ca.caCert})`);
    }

    // Ready only when everything answers.
    await waitUntil(async () => {
      const checks = await Promise.all([
        httpOk(`${urls.pubsub}/`),
        httpOk(`${urls.firestore}/`),
        ...FUNCTION_NAMES.map((fn) => listening(ports.functionPorts[fn])),
        tablesExist(bigquery!),
      ]);
      return checks.every(Boolean);
    }, 30_000, 'every component to answer');
  } catch (err) {
    await stop();
    throw err;
  }

  const restart = async (component: RestartableComponent): Promise<void> => {
    log('stack', `restarting ${component}`);
    expectedExit.add(component);
    if (component === 'pubsub') {
      await pubsubEmu?.stop();
      await startPubSub();
      await provisionPubSub();
    } else if (component === 'firestore') {
      await firestoreEmu?.stop();
      await startFirestore();
      // The Firestore emulator keeps nothing across restarts: rules and registry come back, live state does not.
      await provisionFirestore();
    } else if (component === 'bigquery') {
      await bigqueryProc?.stop();
      await startBigQuery();
      await provisionBigQuery();
    } else {
      await functionProcs.get(component)?.stop();
      await startFunction(component);
    }
    expectedExit.delete(component);
    log('stack', `${component} is back`);
  };

  return {
    projectId,
    delivery,
    ports,
    urls,
    endpoints,
    env,
    get gateway() {
      return gateway;
    },
    pids: () => Object.fromEntries([...spawned].map(([name, p]) => [name, p.pid])),
    bridgeStats: () => bridge?.stats() ?? {},
    bridgeRecords: () => bridge?.records() ?? {},
    restart,
    stop,
    kill,
  };
}
