// Processes as /proc shows them: who descends from whom, and whether one is
// still running (for tests that check a stop leaves nothing behind).
import { readFileSync, readdirSync } from 'node:fs';

export interface ProcInfo {
  pid: number;
  ppid: number;
  pgid: number;
  /** Start time in clock ticks since boot: a recycled pid has another. */
  start: string;
  /** Process state: Z is a zombie (exited, only not yet reaped by its new parent), T stopped. */
  state: string;
}

export function procInfo(pid: number): ProcInfo | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces: split after its closing parenthesis.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { pid, ppid: Number(rest[1]), pgid: Number(rest[2]), start: rest[19] ?? '', state: rest[0] ?? '' };
  } catch {
    return null;
  }
}

/** Every process below `root`, however deep. */
export function descendants(root: number): ProcInfo[] {
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

export function stillRunning(p: ProcInfo): boolean {
  const now = procInfo(p.pid);
  // A zombie has exited; whether it is reaped depends on the sandbox's init.
  return now !== null && now.start === p.start && now.state !== 'Z';
}

export function describeProc(p: ProcInfo): string {
  try {
    return `${p.pid}: ${readFileSync(`/proc/${p.pid}/cmdline`, 'utf8').replace(/\0/g, ' ').slice(0, 120)}`;
  } catch {
    return `${p.pid}: (gone)`;
  }
}
