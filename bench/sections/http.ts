// Section "http": our validate function served by the functions-framework,
// against a bare framework function that only decodes, under the same
// loopback load (autocannon: same connections, same duration, same Pub/Sub
// push bodies), measured alternately. validate publishes for real, to a
// Pub/Sub emulator this section starts (topics created), and looks device
// keys up in a Firestore emulator, exactly as deployed. A third server runs
// validate's core without the publish, so the table shows what publishing
// costs when it dominates.
import autocannon from 'autocannon';
import { LOCAL_PROJECT_ID, TOPICS } from '../../functions/lib/names.js';
import { startFirestoreEmulator, startPubSubEmulator, type RunningEmulator } from '../../tools/emulate/gcloud-emulators.js';
import { buildPath } from '../../tools/emulate/repo-root.js';
import { freePort, LOOPBACK, waitUntil } from '../../tools/lib/ports.js';
import { startProcess, type ManagedProcess } from '../../tools/lib/process-group.js';
import { BARE_TARGET, NO_PUBLISH_TARGET } from '../fixtures/targets.js';
import { buildTraffic, pushEnvelope } from '../messages.js';
import { toRow } from '../report.js';
import { SectionSkipped, type SectionContext } from '../section.js';
import { median, rotatingRounds } from '../stats.js';
import type { BenchRow } from '../types.js';

interface Server {
  name: string;
  url: string;
  proc: ManagedProcess;
  errors: string[];
}

const PUSH_PATH = `/projects/${LOCAL_PROJECT_ID}/topics/${TOPICS.deviceEvents}`;

async function startServer(name: string, source: string, target: string, env: Record<string, string>): Promise<Server> {
  const port = await freePort();
  const errors: string[] = [];
  const proc = startProcess({
    name,
    command: process.execPath,
    args: [buildPath('tools', 'emulate', 'function-host.js'), `--source=${source}`, `--target=${target}`, `--port=${port}`],
    env: { ...process.env, ...env, K_SERVICE: target, FUNCTION_TARGET: target, FUNCTION_SIGNATURE_TYPE: 'cloudevent' },
    // Keep the first few error lines: a function failing every request must not pass as fast.
    onLine: (l, stream) => {
      if ((stream === 'stderr' || l.includes('"ERROR"')) && errors.length < 5) errors.push(l.slice(0, 300));
    },
  });
  const url = `http://${LOOPBACK}:${port}`;
  await waitUntil(async () => {
    const res = await fetch(`${url}/`, { signal: AbortSignal.timeout(1000) });
    await res.arrayBuffer();
    return true;
  }, 30_000, `${name} on ${url}`);
  return { name, url, proc, errors };
}

async function createTopics(emu: RunningEmulator, names: string[]): Promise<void> {
  for (const t of names) {
    const res = await fetch(`http://${emu.host}/v1/projects/${LOCAL_PROJECT_ID}/topics/${t}`, { method: 'PUT' });
    if (!res.ok && res.status !== 409) throw new Error(`creating topic ${t}: HTTP ${res.status}`);
    await res.arrayBuffer();
  }
}

interface LoadResult {
  rps: number;
  non2xx: number;
  errors: number;
  p99: number;
}

async function load(server: Server, bodies: string[], connections: number, seconds: number): Promise<LoadResult> {
  const r = await autocannon({
    url: server.url,
    connections,
    duration: seconds,
    timeout: 30,
    requests: bodies.map((body) => ({ method: 'POST', path: PUSH_PATH, headers: { 'content-type': 'application/json' }, body })),
  });
  return { rps: r['2xx'] / r.duration, non2xx: r.non2xx, errors: r.errors + r.timeouts, p99: r.latency.p99 };
}

export async function benchHttp(ctx: SectionContext): Promise<BenchRow[]> {
  const connections = 50;
  const seconds = ctx.quick ? 3 : 5;
  const rounds = ctx.quick ? 2 : 4;

  ctx.progress('http: starting the Pub/Sub and Firestore emulators');
  let pubsub: RunningEmulator;
  let firestore: RunningEmulator;
  try {
    [pubsub, firestore] = await Promise.all([startPubSubEmulator(), startFirestoreEmulator()]);
  } catch (err) {
    throw new SectionSkipped(`emulators unavailable: ${(err as Error).message}`);
  }
  const servers: Server[] = [];
  try {
    await createTopics(pubsub, [TOPICS.deviceEvents, TOPICS.valid, TOPICS.deadLetter]);
    const env = {
      GOOGLE_CLOUD_PROJECT: LOCAL_PROJECT_ID,
      PUBSUB_EMULATOR_HOST: pubsub.host,
      FIRESTORE_EMULATOR_HOST: firestore.host,
    };
    ctx.progress('http: starting validate, validate without publish and the bare function');
    const fixtures = buildPath('bench', 'fixtures');
    const [validate, noPublish, bare] = await Promise.all([
      startServer('validate', buildPath('functions', 'index.js'), 'validate', env),
      startServer('validate-no-publish', `${fixtures}/validate-no-publish.js`, NO_PUBLISH_TARGET, env),
      startServer('bare', `${fixtures}/bare-function.js`, BARE_TARGET, env),
    ]);
    servers.push(validate, noPublish, bare);

    const now = new Date();
    const traffic = buildTraffic({ count: 500, now, seqBase: 1 });
    const bodies = traffic.map((m, i) => JSON.stringify(pushEnvelope(m, String(i + 1), now)));

    // Warm-up: JIT, connections, the key cache and Pub/Sub publisher streams.
    for (const s of servers) {
      ctx.progress(`http: warming up ${s.name}`);
      await load(s, bodies, connections, 2);
    }
    const results: Record<string, LoadResult[]> = { validate: [], 'validate-no-publish': [], bare: [] };
    await rotatingRounds(
      rounds,
      servers.map((s) => ({
        name: s.name,
        run: async () => {
          ctx.progress(`http: ${s.name} (${connections} connections, ${seconds} s)`);
          const r = await load(s, bodies, connections, seconds);
          results[s.name]?.push(r);
          return r.rps;
        },
      })),
      (i) => ctx.progress(`http: round ${i + 1}/${rounds} done`),
    );
    const rps = (name: string): number => median((results[name] ?? []).map((r) => r.rps));
    const bad = (name: string): number => (results[name] ?? []).reduce((s, r) => s + r.non2xx + r.errors, 0);
    for (const s of servers) {
      if (bad(s.name) > 0) ctx.note(`http: ${s.name} answered ${bad(s.name)} requests with errors or non-2xx${s.errors[0] ? ` (first: ${s.errors[0]})` : ''}`);
    }
    const p99 = (name: string): number => median((results[name] ?? []).map((r) => r.p99));
    ctx.note(
      `http: ${connections} connections, ${rounds} rounds of ${seconds} s per server, medians; p99 latency validate ${p99('validate')} ms, ` +
        `without publish ${p99('validate-no-publish')} ms, bare ${p99('bare')} ms. validate awaits its publish (client batching up to PUBLISH_BATCH_MAX_MS, default 1 ms) ` +
        `to a Pub/Sub emulator on the same machine, which also competes for the CPU`,
    );
    const baseline = { baselineName: 'bare decode function', baseline: rps('bare'), better: 'higher' as const };
    return [
      toRow({ group: 'http', name: 'validate incl. publish', unit: 'req/s', value: rps('validate'), ...baseline, target: { on: 'ratio', op: '>=', threshold: 0.8 } }),
      toRow({ group: 'http', name: 'validate core, publish skipped', unit: 'req/s', value: rps('validate-no-publish'), ...baseline }),
    ];
  } finally {
    await Promise.allSettled(servers.map((s) => s.proc.stop()));
    await Promise.allSettled([pubsub.stop(), firestore.stop()]);
  }
}
