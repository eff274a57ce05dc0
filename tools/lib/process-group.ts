// Child processes that can be stopped completely: each is started as the
// leader of its own process group (detached), so stopping it signals the whole
// group (Java emulators fork helpers; wrappers leave children behind). Never
// stop anything by name.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, readdirSync } from 'node:fs';

export interface ManagedProcess {
  readonly name: string;
  readonly child: ChildProcess;
  readonly pid: number;
  /** Resolves with the exit code (or signal name) once the leader has exited. */
  readonly exited: Promise<number | string>;
  /**
   * SIGTERM to the group; after `graceMs` (default 5 s) SIGKILL to the group.
   * Resolves once no process of the group is left: 'stopped' if SIGTERM
   * sufficed, 'killed' if it had to escalate (a hung or stopped child).
   */
  stop(graceMs?: number): Promise<StopOutcome>;
  /** SIGKILL to the group at once (synchronous: usable from a watchdog or an exit handler). */
  kill(): void;
}

export type StopOutcome = 'stopped' | 'killed';

export interface StartOptions extends Pick<SpawnOptions, 'cwd' | 'env'> {
  name: string;
  command: string;
  args: string[];
  /** Called with each complete output line (stdout and stderr). */
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
}

const started = new Set<ManagedProcess>();

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}

/**
 * True while any live process of the group led by `pid` exists. A zombie
 * (exited, waiting to be reaped by whatever init it was reparented to) does
 * not count: it holds no port and runs nothing.
 */
export function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
  } catch {
    return false;
  }
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return true; // no /proc: the signal probe is all there is
  }
  for (const d of entries) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      // Fields after the command name (which may hold spaces): state ppid pgrp ...
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(f[2]) === pid && f[0] !== 'Z') return true;
    } catch {
      // exited meanwhile
    }
  }
  return false;
}

function forwardLines(stream: NodeJS.ReadableStream | null, cb: (line: string) => void): void {
  if (!stream) return;
  let buf = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    buf += chunk;
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      cb(buf.slice(0, nl).replace(/\r$/, ''));
      buf = buf.slice(nl + 1);
    }
  });
  stream.on('end', () => {
    if (buf) cb(buf);
    buf = '';
  });
}

export function startProcess(opts: StartOptions): ManagedProcess {
  const child = spawn(opts.command, opts.args, {
    cwd: opts.cwd,
    env: opts.env ?? process.env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new Error(`${opts.name}: could not start ${opts.command}`);
  const pid = child.pid;
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'));
    child.once('error', (err) => resolve(`error: ${err.message}`));
  });
  const onLine = opts.onLine ?? (() => undefined);
  forwardLines(child.stdout, (l) => onLine(l, 'stdout'));
  forwardLines(child.stderr, (l) => onLine(l, 'stderr'));

  let stopping: Promise<StopOutcome> | undefined;
  const managed: ManagedProcess = {
    name: opts.name,
    child,
    pid,
    exited,
    stop(graceMs = 5000): Promise<StopOutcome> {
      stopping ??= (async () => {
        signalGroup(pid, 'SIGTERM');
        const deadline = Date.now() + graceMs;
        while (groupAlive(pid) && Date.now() < deadline) {
          await new Promise((r) => setTimeout(r, 50));
        }
        let outcome: StopOutcome = 'stopped';
        if (groupAlive(pid)) {
          signalGroup(pid, 'SIGKILL');
          outcome = 'killed';
        }
        while (groupAlive(pid)) await new Promise((r) => setTimeout(r, 20));
        started.delete(managed);
        return outcome;
      })();
      return stopping;
    },
    kill(): void {
      signalGroup(pid, 'SIGKILL');
    },
  };
  started.add(managed);
  return managed;
}

/** Stops every process this Node process started and has not stopped yet. */
export async function stopAllStarted(graceMs?: number): Promise<void> {
  await Promise.all([...started].map((p) => p.stop(graceMs)));
}

/** SIGKILL to every process group this Node process started and has not stopped yet (a hung stop's last resort). */
export function killAllStarted(): number {
  let n = 0;
  for (const p of started) {
    if (groupAlive(p.pid)) n++;
    p.kill();
  }
  return n;
}

/** Last-resort cleanup when the parent exits abruptly (sync: exit handlers cannot await). */
process.once('exit', () => {
  for (const p of started) signalGroup(p.pid, 'SIGKILL');
});

export async function waitForExit(p: ManagedProcess, timeoutMs: number): Promise<boolean> {
  const timer = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), timeoutMs).unref());
  return (await Promise.race([p.exited, timer])) !== 'timeout';
}

export { once };
