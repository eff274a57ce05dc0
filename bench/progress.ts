// The progress line: rewritten in place on a terminal, plain lines otherwise
// (CI logs, pipes), so both stay readable.
import type { Progress } from './types.js';

export interface ProgressLine {
  /** Report progress (a Progress, to hand to the sections). */
  update: Progress;
  /** Print a line that stays (a section's summary), keeping the progress line below it. */
  note(message: string): void;
  /** Clear the in-place line before the final table. */
  done(): void;
}

export function progressLine(stream: NodeJS.WriteStream = process.stderr, now: () => number = Date.now): ProgressLine {
  const start = now();
  const tty = Boolean(stream.isTTY);
  let shown = false;
  const stamp = (): string => `[${((now() - start) / 1000).toFixed(0).padStart(4)} s]`;
  const clear = (): void => {
    if (tty && shown) stream.write('\r\x1b[2K');
    shown = false;
  };
  return {
    update(message: string): void {
      const text = `${stamp()} ${message}`;
      if (tty) {
        const width = stream.columns ?? 120;
        clear();
        stream.write(text.length > width - 1 ? text.slice(0, width - 2) + '…' : text);
        shown = true;
      } else {
        stream.write(text + '\n');
      }
    },
    note(message: string): void {
      clear();
      stream.write(`${stamp()} ${message}\n`);
    },
    done(): void {
      clear();
    },
  };
}
