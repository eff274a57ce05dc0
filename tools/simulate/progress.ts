// What the simulator prints while it runs and when it ends: one progress
// line (rewritten in place on a terminal, a plain line every few seconds in a
// log) and a summary of what was published, by kind.
import type { Colors } from '../lib/cli.js';
import { KINDS } from './mix.js';
import { totalPublished, type RunStats } from './run.js';

export function progressLine(s: RunStats, c: Colors): string {
  const secs = s.elapsedMs / 1000;
  const total = totalPublished(s);
  const rate = secs > 0 ? total / secs : 0;
  const kinds = KINDS.filter((k) => s.published[k] > 0).map((k) => `${k} ${s.published[k]}`).join(', ');
  const errors = s.errors > 0 ? c.red(`errors ${s.errors}`) : c.dim('errors 0');
  return `${c.dim(`${secs.toFixed(1)}s`)}  ${c.bold(`${rate.toFixed(1)} msg/s`)}  published ${total}${kinds ? ` (${kinds})` : ''}  ${errors}`;
}

/** Writes progress: in place on a TTY (every call), else a plain line at most every `plainEveryMs`. */
export class ProgressWriter {
  private lastPlain = 0;
  private wroteInPlace = false;
  constructor(
    private readonly out: NodeJS.WritableStream & { isTTY?: boolean },
    private readonly c: Colors,
    private readonly plainEveryMs = 5000,
  ) {}

  update(s: RunStats): void {
    if (this.out.isTTY) {
      this.out.write(`\r\x1b[2K${progressLine(s, this.c)}`);
      this.wroteInPlace = true;
    } else if (s.elapsedMs - this.lastPlain >= this.plainEveryMs) {
      this.lastPlain = s.elapsedMs;
      this.out.write(progressLine(s, this.c) + '\n');
    }
  }

  done(): void {
    if (this.wroteInPlace) this.out.write('\n');
    this.wroteInPlace = false;
  }
}

export function summary(s: RunStats, target: string, c: Colors): string {
  const total = totalPublished(s);
  const secs = s.elapsedMs / 1000;
  const lines = [
    c.bold(`${s.aborted ? 'Stopped (interrupted)' : 'Done'}: published ${total} message(s) with ${s.events} event(s) to ${target} in ${secs.toFixed(1)} s (${(secs > 0 ? total / secs : 0).toFixed(1)} msg/s)`),
  ];
  const w = Math.max(...KINDS.map((k) => k.length));
  for (const k of KINDS) lines.push(`  ${k.padEnd(w)}  ${String(s.published[k]).padStart(7)}`);
  const variants = Object.entries(s.invalidByVariant);
  if (variants.length) lines.push(c.dim(`  invalid sorts: ${variants.map(([v, n]) => `${v} ${n}`).join(', ')}`));
  const faults = Object.entries(s.faults);
  if (faults.length) lines.push(c.dim(`  sensor faults in readings: ${faults.map(([v, n]) => `${v} ${n}`).join(', ')}`));
  lines.push(s.errors > 0 ? c.red(`  errors  ${s.errors} (first: ${s.firstError ?? 'unknown'})`) : `  errors  0`);
  return lines.join('\n') + '\n';
}
