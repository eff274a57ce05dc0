// Reading a process from outside, by pid: peak resident memory (VmHWM in
// /proc/<pid>/status) and CPU time used (utime + stime in /proc/<pid>/stat),
// plus the counter lines bench/fixtures/firestore-counter.ts prints.
import { readFileSync } from 'node:fs';
import { COUNTER_MESSAGE, type FirestoreCounters } from './fixtures/firestore-counter-format.js';

/** Linux's USER_HZ: /proc CPU times are in these ticks (100 on every mainstream kernel build). */
export const CLOCK_TICKS_PER_SECOND = 100;

export function vmHwmKiB(statusText: string): number | undefined {
  const m = /^VmHWM:\s+(\d+)\s+kB$/m.exec(statusText);
  return m ? Number(m[1]) : undefined;
}

/** utime + stime, in clock ticks, from /proc/<pid>/stat (fields 14 and 15, counted after the command name). */
export function cpuTicks(statText: string): number | undefined {
  const after = statText.slice(statText.lastIndexOf(')') + 2).split(' ');
  // `after` starts at field 3 (state): utime is field 14, stime field 15.
  const utime = Number(after[11]);
  const stime = Number(after[12]);
  return Number.isFinite(utime) && Number.isFinite(stime) ? utime + stime : undefined;
}

export function readVmHwmMiB(pid: number): number | undefined {
  try {
    const kib = vmHwmKiB(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return kib === undefined ? undefined : kib / 1024;
  } catch {
    return undefined;
  }
}

export function readCpuSeconds(pid: number): number | undefined {
  try {
    const t = cpuTicks(readFileSync(`/proc/${pid}/stat`, 'utf8'));
    return t === undefined ? undefined : t / CLOCK_TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

const COUNTER_KEYS: readonly (keyof FirestoreCounters)[] = ['firestoreCommits', 'firestoreWrites', 'firestoreReadRpcs', 'firestoreReads', 'firestoreRpcs'];

/** The counters in one of firestore-counter's lines, or undefined for any other line. */
export function parseCounterLine(line: string): FirestoreCounters | undefined {
  if (!line.includes(COUNTER_MESSAGE)) return undefined;
  let o: unknown;
  try {
    o = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof o !== 'object' || o === null || (o as { message?: unknown }).message !== COUNTER_MESSAGE) return undefined;
  const out = {} as FirestoreCounters;
  for (const k of COUNTER_KEYS) {
    const v = (o as Record<string, unknown>)[k];
    if (typeof v !== 'number') return undefined;
    out[k] = v;
  }
  return out;
}

/** Busy and total CPU ticks of the whole machine, from the first line of /proc/stat. */
export function machineCpuTicks(statText: string): { busy: number; total: number } | undefined {
  const line = statText.split('\n').find((l) => l.startsWith('cpu '));
  if (!line) return undefined;
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const total = v.reduce((s, x) => s + (Number.isFinite(x) ? x : 0), 0);
  // idle + iowait are the not-busy ticks.
  const idle = (v[3] ?? 0) + (v[4] ?? 0);
  return { busy: total - idle, total };
}

export function readMachineCpu(): { busy: number; total: number } | undefined {
  try {
    return machineCpuTicks(readFileSync('/proc/stat', 'utf8'));
  } catch {
    return undefined;
  }
}
