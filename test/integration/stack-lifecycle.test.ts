// `npm run emulate` as a user runs it: started as its own process, ready
// line, then SIGTERM. Afterwards every port it printed is free and none of
// the processes it started (however deep) is still running.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startProcess, waitForExit, type ManagedProcess } from '../../tools/lib/process-group.js';
import { portInUse, waitUntil } from '../../tools/lib/ports.js';
import { buildPath } from '../../tools/emulate/repo-root.js';
import { uniqueProjectId } from '../support/stack.js';

interface ProcInfo {
  pid: number;
  ppid: number;
  /** Start time in clock ticks since boot: a recycled pid has another. */
  start: string;
  /** Process state: Z is a zombie (exited, only not yet reaped by its new parent). */
  state: string;
}

function procInfo(pid: number): ProcInfo | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces: split after its closing parenthesis.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { pid, ppid: Number(rest[1]), start: rest[19] ?? '', state: rest[0] ?? '' };
  } catch {
    return null;
  }
}

function descendants(root: number): ProcInfo[] {
  const all = readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map((d) => procInfo(Number(d))).filter((p): p is ProcInfo => p !== null);
  const out: ProcInfo[] = [];
  const parents = new Set([root]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const p of all) {
      if (parents.has(p.ppid) && !parents.has(p.pid)) {
        parents.add(p.pid);
        out.push(p);
        grew = true;
      }
    }
  }
  return out;
}

function stillRunning(p: ProcInfo): boolean {
  const now = procInfo(p.pid);
  // A zombie has exited; whether it is reaped depends on the sandbox's init.
  return now !== null && now.start === p.start && now.state !== 'Z';
}

describe('integration: npm run emulate stops everything on SIGTERM', function () {
  this.timeout(240_000);
  let main: ManagedProcess | undefined;
  let stateDir = '';
  const lines: string[] = [];

  after(async () => {
    await main?.stop();
    if (stateDir) rmSync(stateDir, { recursive: true, force: true });
  });

  it('frees every port and leaves no child process behind', async function () {
    stateDir = mkdtempSync(path.join(os.tmpdir(), 'emulate-state-'));
    main = startProcess({
      name: 'emulate',
      command: process.execPath,
      args: [buildPath('tools', 'emulate', 'main.js'), '--free-ports', '--project', uniqueProjectId('life'), '--state-dir', stateDir],
      env: { ...process.env, LOG_LEVEL: 'WARNING' },
      onLine: (l) => lines.push(l),
    });
    try {
      await waitUntil(async () => {
        if (lines.some((l) => /start failed|cannot start/.test(l))) throw new Error('failed');
        return lines.some((l) => /\bready in\b/.test(l));
      }, 180_000, 'the ready line');
    } catch (err) {
      throw new Error(`${(err as Error).message}\n${lines.slice(-40).join('\n')}`);
    }
    const ports = [...new Set(lines.filter((l) => l.startsWith('stack')).flatMap((l) => [...l.matchAll(/http:\/\/127\.0\.0\.1:(\d+)/g)].map((m) => Number(m[1]))))];
    assert.ok(ports.length >= 8, `expected 8 component URLs, got ${ports.join(', ')}`);
    for (const p of ports) assert.ok(await portInUse(p), `port ${p} should be open while running`);
    const children = descendants(main.pid);
    assert.ok(children.length >= 8, `expected at least 8 descendants, got ${children.length}`);
    assert.ok(readdirSync(stateDir).includes('pids.json'), 'pid file written');

    process.kill(main.pid, 'SIGTERM');
    assert.ok(await waitForExit(main, 60_000), 'main exits within 60 s');
    assert.equal(await main.exited, 0);

    const busy: number[] = [];
    for (const p of ports) if (await portInUse(p)) busy.push(p);
    assert.deepEqual(busy, [], 'ports still open');
    const left = children.filter(stillRunning).map((p) => `${p.pid}: ${readFileSync(`/proc/${p.pid}/cmdline`, 'utf8').replace(/\0/g, ' ').slice(0, 100)}`);
    assert.deepEqual(left, [], 'processes still running');
    assert.ok(!readdirSync(stateDir).includes('pids.json'), 'pid file removed');
    assert.ok(lines.some((l) => /stopped$/.test(l)));
  });
});
