// `npm run emulate`: the whole pipeline on this machine in one command.
// SIGINT (Ctrl-C), SIGTERM or SIGHUP, to this process or to its process
// group, stops everything it started, children included, within 5 s, and
// exits 0; a second signal SIGKILLs at once. A start beside a previous run
// of the same state dir (live, hung or crashed) stops that run first.
import path from 'node:path';
import { parseArgs } from 'node:util';
import { LOCAL_PROJECT_ID } from '../../functions/lib/names.js';
import { readFileSync } from 'node:fs';
import { startDashboard, type Dashboard } from '../dashboard/server.js';
import { MissingComponentError } from './gcloud-emulators.js';
import { repoPath } from './repo-root.js';
import { formatLine } from './log-format.js';
import { MissingBuildError } from './node-components.js';
import { killAllStarted, stopAllStarted } from '../lib/process-group.js';
import { PID_FILE, cleanLeftovers, record, removePidFile, writePidFile, type PidFile } from './pid-file.js';
import { busyPorts, describeOwner } from './port-owners.js';
import { STOP_GRACE_MS, defaultPorts, plannedPorts, startStack, type DeliveryMode, type Stack, type StackPorts } from './stack.js';

const HELP = `npm run emulate [-- options]

Starts the Pub/Sub and Firestore emulators (gcloud), the BigQuery emulator,
the five functions, provisions topics, subscriptions, dataset, tables, rules
and the device registry, and delivers messages to the functions.

Options:
  --project ID           project id (default ${LOCAL_PROJECT_ID})
  --delivery MODE        bridge (default): pull + forward with production-like
                         concurrency; push: the emulator's own push subscriptions
                         (the production config, but at most 2 requests in flight)
  --concurrency N        bridge: concurrent requests per subscription (default: what
                         the function's Cloud Run instance takes, FUNCTIONS in names.ts)
  --min-backoff MS       bridge: first retry delay (default 1000)
  --max-backoff MS       bridge: longest retry delay (default 60000)
  --ordering             enable message ordering on the subscriptions
  --data FILE            BigQuery emulator data file (tables survive restarts)
  --pubsub-port N        default ${defaultPorts().pubsub} (0 = any free port)
  --firestore-port N     default ${defaultPorts().firestore}
  --bigquery-port N      default ${defaultPorts().bigquery}
  --bigquery-grpc-port N Storage Write API (gRPC), default ${defaultPorts().bigqueryGrpc}
  --functions-port N     first function port, default ${defaultPorts().functions} (the five take N..N+4)
  --dashboard-port N     live dashboard, default from firebase.json (8070)
  --no-dashboard         do not serve the dashboard
  --free-ports           take free ports for everything
  --no-seed              do not seed the device registry
  --gateway-http-port N  device gateway HTTP bridge, default 8095 (firebase.json)
  --gateway-mqtt-port N  device gateway MQTT, plain, default 1883
  --gateway-mqtts-port N device gateway MQTT over TLS (local CA), default 8883
  --no-gateway           do not start the device gateway
  --state-dir DIR        where the pid file of this run goes (default .emulate/)
  -h, --help             this text
`;

function int(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v)) throw new UsageError(`--${name} expects a non-negative integer, got ${JSON.stringify(v)}`);
  return Number(v);
}

class UsageError extends Error {}

/**
 * A stop takes about 4 s at most (the bridge 1 s, then every child at once
 * with 3 s for SIGTERM before SIGKILL); past this, main SIGKILLs every child
 * group itself and exits, so a signal always frees every port within 5 s.
 */
const STOP_DEADLINE_MS = 4500;

interface Cli {
  projectId: string;
  delivery: DeliveryMode;
  concurrency: number | undefined;
  minBackoffMs: number | undefined;
  maxBackoffMs: number | undefined;
  ordering: boolean;
  dataFile: string | undefined;
  ports: Partial<StackPorts>;
  seed: boolean;
  /** undefined: no dashboard. */
  dashboardPort: number | undefined;
  pidFile: string;
  /** undefined: no gateway. */
  gateway: { http: number; mqtt: number; mqtts: number; dir: string } | undefined;
}

function parseCli(argv: string[]): Cli | 'help' {
  const { values } = parseArgs({
    args: argv,
    options: {
      project: { type: 'string' },
      delivery: { type: 'string' },
      concurrency: { type: 'string' },
      'min-backoff': { type: 'string' },
      'max-backoff': { type: 'string' },
      ordering: { type: 'boolean' },
      data: { type: 'string' },
      'pubsub-port': { type: 'string' },
      'firestore-port': { type: 'string' },
      'bigquery-port': { type: 'string' },
      'bigquery-grpc-port': { type: 'string' },
      'functions-port': { type: 'string' },
      'free-ports': { type: 'boolean' },
      'dashboard-port': { type: 'string' },
      'no-dashboard': { type: 'boolean' },
      'no-seed': { type: 'boolean' },
      'gateway-http-port': { type: 'string' },
      'gateway-mqtt-port': { type: 'string' },
      'gateway-mqtts-port': { type: 'string' },
      'no-gateway': { type: 'boolean' },
      'state-dir': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) return 'help';
  const delivery = values.delivery ?? 'bridge';
  if (delivery !== 'bridge' && delivery !== 'push') throw new UsageError(`--delivery must be bridge or push, got ${JSON.stringify(delivery)}`);
  const concurrency = int('concurrency', values.concurrency);
  if (concurrency === 0) throw new UsageError('--concurrency must be at least 1');
  const free = values['free-ports'] ? 0 : undefined;
  const ports: Partial<StackPorts> = {};
  const set = (k: keyof StackPorts, v: number | undefined): void => {
    const p = v ?? free;
    if (p !== undefined) ports[k] = p;
  };
  set('pubsub', int('pubsub-port', values['pubsub-port']));
  set('firestore', int('firestore-port', values['firestore-port']));
  set('bigquery', int('bigquery-port', values['bigquery-port']));
  set('bigqueryGrpc', int('bigquery-grpc-port', values['bigquery-grpc-port']));
  set('functions', int('functions-port', values['functions-port']));
  return {
    projectId: values.project ?? LOCAL_PROJECT_ID,
    delivery,
    concurrency,
    minBackoffMs: int('min-backoff', values['min-backoff']),
    maxBackoffMs: int('max-backoff', values['max-backoff']),
    ordering: values.ordering ?? false,
    dataFile: values.data,
    ports,
    seed: !values['no-seed'],
    dashboardPort: values['no-dashboard'] ? undefined : (int('dashboard-port', values['dashboard-port']) ?? free ?? defaultDashboardPort()),
    pidFile: values['state-dir'] ? path.resolve(values['state-dir'], 'pids.json') : PID_FILE,
    gateway: values['no-gateway']
      ? undefined
      : {
          http: int('gateway-http-port', values['gateway-http-port']) ?? free ?? gatewayDefault('port', 8095),
          mqtt: int('gateway-mqtt-port', values['gateway-mqtt-port']) ?? free ?? gatewayDefault('mqttPort', 1883),
          mqtts: int('gateway-mqtts-port', values['gateway-mqtts-port']) ?? free ?? gatewayDefault('mqttsPort', 8883),
          // The local CA and the seeded devices' private keys, kept across runs.
          dir: path.join(values['state-dir'] ? path.resolve(values['state-dir']) : path.dirname(PID_FILE), 'gateway'),
        },
  };
}

function gatewayDefault(key: 'port' | 'mqttPort' | 'mqttsPort', fallback: number): number {
  try {
    const fb = JSON.parse(readFileSync(repoPath('firebase.json'), 'utf8')) as { emulators?: { gateway?: Record<string, number> } };
    return fb.emulators?.gateway?.[key] ?? fallback;
  } catch {
    return fallback;
  }
}

function defaultDashboardPort(): number {
  try {
    const fb = JSON.parse(readFileSync(repoPath('firebase.json'), 'utf8')) as { emulators?: { dashboard?: { port?: number } } };
    return fb.emulators?.dashboard?.port ?? 8070;
  } catch {
    return 8070;
  }
}

function tryIt(stack: Stack, dashboard: Dashboard | undefined): string {
  return [
    '',
    'Try it:',
    `  npm run simulate                       # devices publish to ${stack.urls.pubsub}`,
    `  npm run query -- "SELECT tenant_id, metric, COUNT(*) n FROM telemetry.readings GROUP BY 1, 2"`,
    dashboard ? `  open ${dashboard.url}          # live dashboard` : '  npm run dashboard                      # live dashboard',
    ...gatewayTryIt(stack),
    '  Clients pick the stack up from these variables:',
    ...Object.entries(stack.env).map(([k, v]) => `    export ${k}=${v}`),
    'Ctrl-C stops everything.',
    '',
  ].join('\n');
}

/** A device sample that works at once against the seeded demo-registry (docs/gateway.md has more). */
function gatewayTryIt(stack: Stack): string[] {
  const g = stack.gateway;
  if (!g) return [];
  const key = g.deviceKeys['demo-device-es256'];
  const id = `projects/${stack.projectId}/locations/us-central1/registries/demo-registry/devices/demo-device-es256`;
  return [
    `  Device gateway (IoT Core protocol): MQTT mqtts://localhost:${g.ports.mqtts} (CA ${g.ca.caCert}), plain mqtt://127.0.0.1:${g.ports.mqtt}, HTTP http://127.0.0.1:${g.ports.http}`,
    ...(key
      ? [
          `    JWT=$(node build/tools/devices/jwt.js --key ${key} --project ${stack.projectId})`,
          `    mosquitto_pub -h localhost -p ${g.ports.mqtts} --cafile ${g.ca.caCert} -i ${id} -u unused -P "$JWT" -t /devices/demo-device-es256/events -q 1 -m '{"seq":1,"readings":{"temperature":21.5}}'`,
        ]
      : []),
    `  npm run devices -- --help               # registry, keys, config, commands`,
  ];
}

async function main(): Promise<number> {
  let cli: Cli | 'help';
  try {
    cli = parseCli(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${HELP}`);
    return 2;
  }
  if (cli === 'help') {
    process.stdout.write(HELP);
    return 0;
  }
  const tty = Boolean(process.stdout.isTTY);
  const log = (component: string, line: string): void => {
    process.stdout.write(formatLine(component, line, { tty }) + '\n');
  };

  // Output may go to a pipe whose reader is gone (npm killed by the same
  // signal): a write error must not crash main before it stops its children.
  process.stdout.on('error', () => undefined);
  process.stderr.on('error', () => undefined);

  // A previous run of this state dir, live, hung or crashed: say so and end it.
  const leftovers = await cleanLeftovers(cli.pidFile, (line) => log('stack', line));
  if (leftovers.kind === 'cleaned' && leftovers.killed.length) {
    log('stack', `stopped ${leftovers.killed.length} leftover process groups of a previous run: ${leftovers.killed.map((k) => `${k.component} (pid ${k.pid})`).join(', ')}`);
  }

  const planned = { ...(await plannedPorts(cli.ports)), ...(cli.gateway ? { 'gateway-http': cli.gateway.http, 'gateway-mqtt': cli.gateway.mqtt, 'gateway-mqtts': cli.gateway.mqtts } : {}) };
  const busy = await busyPorts(planned);
  if (busy.length) {
    for (const b of busy) log('stack', `${b.component}: ${describeOwner(b.owner)}`);
    log('stack', 'cannot start: free those ports, or pick others (--pubsub-port, --firestore-port, --bigquery-port, --bigquery-grpc-port, --functions-port, --free-ports)');
    return 1;
  }

  let stack: Stack | undefined;
  let dashboard: Dashboard | undefined;
  let stopping: Promise<void> | undefined;
  // The pid file names this process and every child from the moment it is
  // spawned, so a start after a kill -9 of this process, even mid-start, finds them.
  const pidData: PidFile = { main: record('main', process.pid), startedAt: new Date().toISOString(), children: [] };
  const onSpawn = (component: string, pid: number): void => {
    pidData.children = [...pidData.children.filter((c) => c.component !== component), record(component, pid)];
    writePidFile(pidData, cli.pidFile);
  };
  writePidFile(pidData, cli.pidFile);
  const finish = (code: number): never => {
    removePidFile(cli.pidFile);
    process.exit(code);
  };
  const shutdown = (signal: string): void => {
    if (stopping) {
      // A second Ctrl-C: no more waiting.
      log('stack', `${signal} again: SIGKILL to every child process group`);
      stack?.kill();
      killAllStarted();
      finish(130);
    }
    log('stack', `${signal}: stopping everything`);
    // However the stop goes, main is gone within STOP_DEADLINE_MS and takes every child group with it.
    setTimeout(() => {
      log('stack', `stop still running after ${STOP_DEADLINE_MS} ms: SIGKILL to every child process group`);
      stack?.kill();
      killAllStarted();
      finish(0);
    }, STOP_DEADLINE_MS).unref();
    stopping = (async () => {
      await dashboard?.close();
      await stack?.stop();
      // Mid-start (no stack yet), the children spawned so far.
      await stopAllStarted(STOP_GRACE_MS);
      removePidFile(cli.pidFile);
      log('stack', 'stopped');
    })();
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => shutdown(signal));

  try {
    const t0 = Date.now();
    stack = await startStack({
      projectId: cli.projectId,
      ports: cli.ports,
      delivery: cli.delivery,
      ...(cli.concurrency !== undefined ? { deliveryConcurrency: cli.concurrency } : {}),
      ...(cli.minBackoffMs !== undefined ? { minBackoffMs: cli.minBackoffMs } : {}),
      ...(cli.maxBackoffMs !== undefined ? { maxBackoffMs: cli.maxBackoffMs } : {}),
      ...(cli.dataFile ? { bigqueryDataFile: cli.dataFile } : {}),
      ordering: cli.ordering,
      seed: cli.seed,
      ...(cli.gateway ? { gateway: cli.gateway } : {}),
      onSpawn,
      log,
    });
    if (stopping) {
      // The signal came while starting: stop() ran before the stack existed.
      await stopping;
      await stack.stop();
      removePidFile(cli.pidFile);
      return 0;
    }
    if (cli.dashboardPort !== undefined) {
      dashboard = await startDashboard({
        port: cli.dashboardPort,
        projectId: stack.projectId,
        firestoreHost: stack.env.FIRESTORE_EMULATOR_HOST ?? '',
        bigqueryUrl: stack.env.BIGQUERY_EMULATOR_HOST ?? '',
        log: (line) => log('dashboard', line),
      });
      log('stack', `dashboard ${dashboard.url}`);
    }
    log('stack', `ready in ${((Date.now() - t0) / 1000).toFixed(1)} s: project ${stack.projectId}, ${stack.delivery} delivery`);
    process.stdout.write(tryIt(stack, dashboard));
  } catch (err) {
    if (stopping) {
      await stopping;
      return 0;
    }
    if (err instanceof MissingComponentError || err instanceof MissingBuildError) log('stack', `cannot start: ${err.message}`);
    else log('stack', `start failed: ${(err as Error).stack ?? String(err)}`);
    // Whatever did start (e.g. the stack, when the dashboard's port was taken) is stopped.
    await dashboard?.close();
    await stack?.stop();
    removePidFile(cli.pidFile);
    return 1;
  }
  // Runs until a signal arrives.
  await new Promise<void>((resolve) => {
    const wait = setInterval(() => {
      if (stopping) {
        clearInterval(wait);
        resolve();
      }
    }, 100);
  });
  await stopping;
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
