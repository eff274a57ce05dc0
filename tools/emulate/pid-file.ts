// .emulate/pids.json: the processes one `npm run emulate` started, so the
// next start can clean up after a crash (e.g. kill -9 of the main process,
// which leaves its process groups running). Only PIDs recorded here are ever
// signalled, and only when the process still has the start time that was
// recorded (a recycled PID is left alone). Never by name.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { repoPath } from './repo-root.js';
import { groupAlive } from '../lib/process-group.js';

export interface PidRecord {
  component: string;
  pid: number;
  /** /proc/PID/cmdline when recorded, NUL-separated (for people: a wrapper script may exec into java later). */
  cmdline: string;
  /** Start time in clock ticks since boot (/proc/PID/stat field 22): with the pid, the process's identity; exec keeps it, a recycled pid does not. */
  startTicks?: string;
}

export interface PidFile {
  main: PidRecord;
  startedAt: string;
  children: PidRecord[];
}

export const PID_FILE = repoPath('.emulate', 'pids.json');

export function cmdlineOf(pid: number): string | null {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return null;
  }
}

/** Start time in clock ticks since boot, or null when the process is gone (a zombie counts as gone). */
export function startTicksOf(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return f[0] === 'Z' ? null : (f[19] ?? null);
  } catch {
    return null;
  }
}

export function record(component: string, pid: number): PidRecord {
  return { component, pid, cmdline: cmdlineOf(pid) ?? '', startTicks: startTicksOf(pid) ?? '' };
}

/** True when `r.pid` runs and is still the process we recorded (same start time; older files: same command line). */
export function stillOurs(r: PidRecord): boolean {
  if (r.startTicks) return startTicksOf(r.pid) === r.startTicks;
  const now = cmdlineOf(r.pid);
  return now !== null && r.cmdline !== '' && now === r.cmdline;
}

export function readPidFile(file = PID_FILE): PidFile | null {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as PidFile;
  } catch {
    return null;
  }
}

export function writePidFile(data: PidFile, file = PID_FILE): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(data, null, 2) + '\n');
}

export function removePidFile(file = PID_FILE): void {
  rmSync(file, { force: true });
}

/** What a start found of a previous run of the same state dir, and what it did about it. */
export type LeftoverVerdict =
  | { kind: 'none' }
  | {
      kind: 'cleaned';
      /** The previous main process: still running and stopped by SIGTERM ('live'), stuck and SIGKILLed ('hung'), or already gone. */
      previousMain: 'live' | 'hung' | 'gone';
      main: PidRecord;
      /** Children still alive after the previous main was gone, whose groups were then stopped. */
      killed: PidRecord[];
    };

/** A previous main gets this long to run its own stop (about 4 s) before it counts as hung. */
export const PREVIOUS_MAIN_GRACE_MS = 6000;
const CHILD_GRACE_MS = 3000;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function waitGone(alive: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (alive() && Date.now() < deadline) await sleep(50);
  return !alive();
}

function signal(pid: number, sig: NodeJS.Signals): boolean {
  try {
    process.kill(pid, sig);
    return true;
  } catch {
    return false; // already gone
  }
}

/**
 * Looks at a previous run's pid file and ends whatever of it is left:
 * - its main process still runs: SIGTERM, as Ctrl-C would, so it stops its
 *   own children; if it is still there after PREVIOUS_MAIN_GRACE_MS (hung,
 *   or SIGSTOPped), SIGKILL;
 * - then every recorded child that is still ours (the main was SIGKILLed, or
 *   crashed, or hung): SIGTERM to its process group, SIGKILL after 3 s.
 * Only recorded pids whose command line still matches are signalled.
 */
export async function cleanLeftovers(file = PID_FILE, log: (line: string) => void = () => undefined): Promise<LeftoverVerdict> {
  const prev = readPidFile(file);
  if (!prev) return { kind: 'none' };
  let previousMain: 'live' | 'hung' | 'gone' = 'gone';
  if (prev.main.pid !== process.pid && stillOurs(prev.main)) {
    log(`a previous run of this state dir is still running (pid ${prev.main.pid}, started ${prev.startedAt}): stopping it`);
    previousMain = 'live';
    signal(prev.main.pid, 'SIGTERM');
    if (!(await waitGone(() => stillOurs(prev.main), PREVIOUS_MAIN_GRACE_MS))) {
      previousMain = 'hung';
      log(`pid ${prev.main.pid} did not stop within ${PREVIOUS_MAIN_GRACE_MS / 1000} s of SIGTERM (hung): SIGKILL`);
      signal(prev.main.pid, 'SIGKILL');
      await waitGone(() => stillOurs(prev.main), 2000);
    }
  }
  const killed: PidRecord[] = [];
  for (const child of prev.children) {
    if (stillOurs(child) && signal(-child.pid, 'SIGTERM')) killed.push(child);
  }
  await waitGone(() => killed.some((c) => groupAlive(c.pid)), CHILD_GRACE_MS);
  for (const c of killed) if (groupAlive(c.pid)) signal(-c.pid, 'SIGKILL');
  await waitGone(() => killed.some((c) => groupAlive(c.pid)), 2000);
  removePidFile(file);
  return { kind: 'cleaned', previousMain, main: prev.main, killed };
}
