// Child processes that can be stopped completely: each is started as the
// leader of its own process group (detached), so stopping it signals the whole
// group (Java emulators fork helpers; wrappers leave children behind). Never
// stop anything by name.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { once } from 'node:events';

export interface ManagedProcess {
  readonly name: string;
  readonly child: ChildProcess;
  readonly pid: number;
  /** Resolves with the exit code (or signal name) once the leader has exited. */
  readonly exited: Promise<number | string>;
  stop(graceMs?: number): Promise<void>;
}

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

/** True while any process of the group led by `pid` exists. */
export function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
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

  let stopping: Promise<void> | undefined;
  const managed: ManagedProcess = {
    name: opts.name,
    child,
    pid,
    exited,
    stop(graceMs = 5000): Promise<void> {
      stopping ??= (async () => {
        signalGroup(pid, 'SIGTERM');
        const deadline = Date.now() + graceMs;
        while (groupAlive(pid) && Date.now() < deadline) {
          await new Promise((r) => setTimeout(r, 50));
        }
        if (groupAlive(pid)) signalGroup(pid, 'SIGKILL');
        while (groupAlive(pid)) await new Promise((r) => setTimeout(r, 20));
        started.delete(managed);
      })();
      return stopping;
    },
  };
  started.add(managed);
  return managed;
}

/** Stops every process this Node process started and has not stopped yet. */
export async function stopAllStarted(): Promise<void> {
  await Promise.all([...started].map((p) => p.stop()));
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
