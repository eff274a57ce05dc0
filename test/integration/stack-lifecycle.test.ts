// `npm run emulate` as a user, a terminal, `timeout`, systemd or CI runs and
// stops it: started as its own process (group), ready line, then a signal.
// Each way must leave, within 5 s of the signal, every port it printed free
// and none of the processes it started (however deep) running. A start beside
// a previous run of the same state dir (crashed, live or hung) must say so
// and clean it up.
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startProcess, waitForExit, type ManagedProcess } from '../../tools/lib/process-group.js';
import { portInUse, waitUntil } from '../../tools/lib/ports.js';
import { buildPath, repoPath } from '../../tools/emulate/repo-root.js';
import type { PidFile } from '../../tools/emulate/pid-file.js';
import { uniqueProjectId } from '../support/stack.js';
import { descendants, describeProc, procInfo, stillRunning, type ProcInfo } from '../support/proc-tree.js';

const STACK_CHILDREN = ['pubsub', 'firestore', 'bigquery', 'validate', 'enrich', 'sinkBigquery', 'sinkFirestore', 'sinkDeadletter', 'gateway'] as const;

/** The target of issue 15: everything stopped and every port free this long after the signal. */
const STOP_WITHIN_MS = 5000;

interface Run {
  proc: ManagedProcess;
  lines: string[];
  /** Every port the run printed (emulators, functions, dashboard). */
  ports: number[];
  /** Everything below the started process, taken when it was ready. */
  children: ProcInfo[];
  /** The node process running tools/emulate/main.js (below npm when started through it). */
  mainPid: number;
  stateDir: string;
}

const runs: Run[] = [];
const stateDirs: string[] = [];

function newStateDir(): string {
  const d = mkdtempSync(path.join(os.tmpdir(), 'emulate-state-'));
  stateDirs.push(d);
  return d;
}

function pidFile(stateDir: string): PidFile | null {
  const f = path.join(stateDir, 'pids.json');
  return existsSync(f) ? (JSON.parse(readFileSync(f, 'utf8')) as PidFile) : null;
}

async function startEmulate(stateDir: string, opts: { viaNpm?: boolean; waitReady?: boolean } = {}): Promise<Run> {
  const lines: string[] = [];
  const args = ['--free-ports', '--project', uniqueProjectId('life'), '--state-dir', stateDir];
  const main = buildPath('tools', 'emulate', 'main.js');
  // Through npm, as a user runs it: the signal then reaches npm, its shell and main.
  const npmCli = process.env.npm_execpath;
  const [command, argv] = opts.viaNpm
    ? npmCli
      ? [process.execPath, [npmCli, 'run', '--silent', 'emulate', '--', ...args]]
      : ['npm', ['run', '--silent', 'emulate', '--', ...args]]
    : [process.execPath, [main, ...args]];
  const proc = startProcess({ name: 'emulate', command, args: argv, cwd: repoPath(), env: { ...process.env, LOG_LEVEL: 'WARNING', NO_COLOR: '1' }, onLine: (l) => lines.push(l) });
  const run: Run = { proc, lines, ports: [], children: [], mainPid: 0, stateDir };
  runs.push(run);
  if (opts.waitReady === false) return run;
  await waitReady(run);
  return run;
}

async function waitReady(run: Run): Promise<void> {
  try {
    await waitUntil(async () => {
      if (run.lines.some((l) => /start failed|cannot start/.test(l))) throw new Error('failed');
      return run.lines.some((l) => /\bready in\b/.test(l));
    }, 180_000, 'the ready line');
  } catch (err) {
    throw new Error(`${(err as Error).message}\n${run.lines.slice(-40).join('\n')}`);
  }
  run.ports = [...new Set(run.lines.filter((l) => l.startsWith('stack')).flatMap((l) => [...l.matchAll(/(?:http|mqtts?):\/\/(?:127\.0\.0\.1|localhost):(\d+)/g)].map((m) => Number(m[1]))))];
  assert.ok(run.ports.length >= 9, `expected at least 9 component URLs (emulators, functions, gateway HTTP/MQTT/MQTTS, dashboard), got ${run.ports.join(', ')}`);
  for (const p of run.ports) assert.ok(await portInUse(p), `port ${p} should be open while running`);
  run.children = descendants(run.proc.pid);
  assert.ok(run.children.length >= 8, `expected at least 8 descendants, got ${run.children.length}`);
  const pids = pidFile(run.stateDir);
  assert.ok(pids, 'pid file written');
  // Every child the stack starts, by name: a new component must be added here, so a stop test
  // can never pass while one of them is left out of the pid file.
  assert.deepEqual(
    pids.children.map((c) => c.component).sort(),
    [...STACK_CHILDREN].sort(),
    `the pid file names every child: ${pids.children.map((c) => c.component).join(', ')}`,
  );
  run.mainPid = pids.main.pid;
}

/** Waits until nothing of `run` is left (or STOP_WITHIN_MS passed since `t0`), then asserts it. */
async function assertAllGone(run: Run, t0: number, what: string): Promise<number> {
  const busyPorts = async (): Promise<number[]> => (await Promise.all(run.ports.map(async (p) => ((await portInUse(p)) ? p : 0)))).filter(Boolean);
  const leftProcs = (): string[] => run.children.filter(stillRunning).map(describeProc);
  while (Date.now() - t0 < STOP_WITHIN_MS && ((await busyPorts()).length || leftProcs().length || procInfo(run.proc.pid)?.state.match(/^[^Z]/))) {
    await new Promise((r) => setTimeout(r, 50));
  }
  const ms = Date.now() - t0;
  const context = `\n${run.lines.slice(-25).join('\n')}`;
  assert.deepEqual(await busyPorts(), [], `${what}: ports still open after ${ms} ms${context}`);
  assert.deepEqual(leftProcs(), [], `${what}: processes still running after ${ms} ms${context}`);
  console.log(`      ${what}: everything stopped and every port free ${ms} ms after the signal`);
  return ms;
}

describe('integration: npm run emulate stops everything, under any signal, within 5 s', function () {
  this.timeout(300_000);

  afterEach(async () => {
    for (const r of runs.splice(0)) {
      try {
        process.kill(r.mainPid, 'SIGCONT');
      } catch {
        // gone
      }
      await r.proc.stop();
    }
  });
  after(() => {
    for (const d of stateDirs) rmSync(d, { recursive: true, force: true });
  });

  it('SIGINT to main, with the dashboard open in a browser-like client, stops everything and exits 0', async () => {
    const run = await startEmulate(newStateDir());
    const dash = Number(/dashboard http:\/\/127\.0\.0\.1:(\d+)/.exec(run.lines.join('\n'))?.[1]);
    assert.ok(dash > 0, 'dashboard port printed');
    // A browser keeps a keep-alive socket after the page's requests, and may
    // be half-way through sending another one: neither may hold the stop.
    const agent = new http.Agent({ keepAlive: true });
    const config = await new Promise<number>((resolve, reject) => {
      http.get({ host: '127.0.0.1', port: dash, path: '/api/config', agent }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      }).on('error', reject);
    });
    assert.equal(config, 200);
    const half = net.connect(dash, '127.0.0.1');
    await new Promise((r) => half.once('connect', r));
    half.write('GET /api/deadletters HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    const halfClosed = new Promise<void>((r) => half.once('close', () => r()));
    half.on('error', () => undefined);

    const t0 = Date.now();
    process.kill(run.mainPid, 'SIGINT');
    await assertAllGone(run, t0, 'SIGINT to main');
    assert.ok(await waitForExit(run.proc, 1000), 'main exited');
    assert.equal(await run.proc.exited, 0);
    await halfClosed;
    agent.destroy();
    assert.ok(run.lines.some((l) => /SIGINT: stopping everything/.test(l)));
    assert.ok(run.lines.some((l) => /\| stopped$/.test(l)), 'it says it stopped');
    assert.equal(pidFile(run.stateDir), null, 'pid file removed');
  });

  it('SIGTERM to the process group of npm run emulate (as timeout, systemd and CI send it) stops everything', async () => {
    const run = await startEmulate(newStateDir(), { viaNpm: true });
    assert.notEqual(run.mainPid, run.proc.pid, 'main runs below npm');
    const t0 = Date.now();
    process.kill(-run.proc.pid, 'SIGTERM');
    await assertAllGone(run, t0, 'SIGTERM to the npm group');
    assert.ok(await waitForExit(run.proc, 2000), 'npm exited');
    // npm re-raises the signal it got once its script is done; main itself stopped cleanly.
    assert.ok([0, 'SIGTERM'].includes(await run.proc.exited), `npm exit ${await run.proc.exited}`);
    assert.ok(run.lines.some((l) => /\| stopped$/.test(l)), 'main says it stopped');
    assert.equal(pidFile(run.stateDir), null, 'pid file removed');
  });

  it('a hung child (SIGSTOPped: SIGTERM never acts) is SIGKILLed by process group, still within 5 s', async () => {
    const run = await startEmulate(newStateDir());
    const pids = pidFile(run.stateDir)!;
    const hung = pids.children.filter((c) => c.component === 'sinkBigquery' || c.component === 'firestore');
    assert.equal(hung.length, 2);
    for (const c of hung) process.kill(-c.pid, 'SIGSTOP');
    const t0 = Date.now();
    process.kill(run.mainPid, 'SIGTERM');
    await assertAllGone(run, t0, 'SIGTERM to main with 2 hung children');
    assert.equal(await run.proc.exited, 0);
    for (const c of hung) assert.ok(run.lines.some((l) => l.includes(`${c.component} (pid ${c.pid}) did not stop`) && l.includes('SIGKILL')), `${c.component}'s escalation is logged`);
  });

  it('a start beside the leftovers of a crashed run (main SIGKILLed) says so, stops them and starts', async () => {
    const stateDir = newStateDir();
    const first = await startEmulate(stateDir);
    process.kill(first.mainPid, 'SIGKILL');
    await first.proc.exited;
    // The leftovers are real: the children outlive their main.
    assert.ok(await portInUse(first.ports[0]!), 'a leftover still listens');
    assert.ok(first.children.some(stillRunning));

    const t0 = Date.now();
    const second = await startEmulate(stateDir, { waitReady: false });
    await waitUntil(async () => second.lines.some((l) => /stopped \d+ leftover process groups/.test(l)), 60_000, 'the leftover line');
    await assertAllGone(first, t0, 'leftovers of a SIGKILLed main');
    const line = second.lines.find((l) => /leftover process groups/.test(l))!;
    assert.match(line, new RegExp(`stopped ${STACK_CHILDREN.length} leftover process groups of a previous run: `));
    await waitReady(second);
    process.kill(second.mainPid, 'SIGTERM');
    await assertAllGone(second, Date.now(), 'the new run');
  });

  it('a start beside a live run stops it (exit 0), and a start beside a hung run SIGKILLs it and its children', async () => {
    const stateDir = newStateDir();
    const live = await startEmulate(stateDir);
    let t0 = Date.now();
    const second = await startEmulate(stateDir, { waitReady: false });
    await waitUntil(async () => second.lines.some((l) => /still running .*stopping it/.test(l)), 60_000, 'the live-run line');
    await assertAllGone(live, t0, 'a live previous run');
    assert.equal(await live.proc.exited, 0, 'the live run stopped itself cleanly');
    await waitReady(second);

    // Now the second one hangs: SIGSTOP its main (SIGTERM stays pending for ever).
    process.kill(second.mainPid, 'SIGSTOP');
    t0 = Date.now();
    const third = await startEmulate(stateDir, { waitReady: false });
    await waitUntil(async () => third.lines.some((l) => /did not stop within .* \(hung\): SIGKILL/.test(l)), 60_000, 'the hung-run line');
    await waitUntil(async () => !second.children.some(stillRunning), 10_000, 'the hung run\'s children to be gone');
    for (const p of second.ports) assert.equal(await portInUse(p), false, `port ${p} of the hung run freed`);
    console.log(`      a hung previous run: gone ${Date.now() - t0} ms after the new start (its grace is 6 s)`);
    await waitReady(third);
    process.kill(third.mainPid, 'SIGINT');
    await assertAllGone(third, Date.now(), 'the third run');
  });
});
