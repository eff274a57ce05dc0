// .emulate/pids.json: the processes one `npm run emulate` started, so the
// next start can clean up after a crash (e.g. kill -9 of the main process,
// which leaves its process groups running). Only PIDs recorded here are ever
// signalled, and only when their command line still matches what was
// recorded (a recycled PID is left alone). Never by name.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { repoPath } from './repo-root.js';
import { groupAlive } from '../lib/process-group.js';

export interface PidRecord {
  component: string;
  pid: number;
  /** /proc/PID/cmdline at start, NUL-separated. */
  cmdline: string;
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

export function record(component: string, pid: number): PidRecord {
  return { component, pid, cmdline: cmdlineOf(pid) ?? '' };
}

/** True when `r.pid` runs and is still the process we recorded. */
export function stillOurs(r: PidRecord): boolean {
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

export type LeftoverVerdict = { kind: 'none' } | { kind: 'running'; main: PidRecord } | { kind: 'cleaned'; killed: PidRecord[] };

/**
 * Looks at a previous run's pid file. If its main process still runs, the
 * stack is up ('running': the caller refuses to start a second one). If not,
 * the children it recorded that are still ours are stopped (their whole
 * process group: they were started as group leaders) and the file removed.
 */
export async function cleanLeftovers(file = PID_FILE): Promise<LeftoverVerdict> {
  const prev = readPidFile(file);
  if (!prev) return { kind: 'none' };
  if (prev.main.pid !== process.pid && stillOurs(prev.main)) return { kind: 'running', main: prev.main };
  const killed: PidRecord[] = [];
  for (const child of prev.children) {
    if (!stillOurs(child)) continue;
    try {
      process.kill(-child.pid, 'SIGTERM');
      killed.push(child);
    } catch {
      // already gone
    }
  }
  const deadline = Date.now() + 5000;
  while (killed.some((c) => groupAlive(c.pid)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  for (const c of killed) {
    if (!groupAlive(c.pid)) continue;
    try {
      process.kill(-c.pid, 'SIGKILL');
    } catch {
      // gone meanwhile
    }
  }
  removePidFile(file);
  return { kind: 'cleaned', killed };
}
