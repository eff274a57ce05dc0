// What every benchmark section gets and gives back.
import type { BenchRow, Progress } from './types.js';

export interface SectionContext {
  /** Smaller sizes for a smoke run. */
  quick: boolean;
  progress: Progress;
  /** A remark that goes under the table and into the results file. */
  note(text: string): void;
  /** Structured detail kept in the results file under `details[key]` (e.g. the cost breakdown). */
  detail(key: string, value: unknown): void;
}

/** A section's dependency is not there yet (not built, not landed): reported, not fatal. */
export class SectionSkipped extends Error {
  override readonly name = 'SectionSkipped';
}

export interface Section {
  name: string;
  summary: string;
  run(ctx: SectionContext): Promise<BenchRow[]>;
}
