// Section "bigquery-emulator": the emulator helper's own benchmark
// (bench/bigquery-emulator.ts, benchBigQueryEmulator), run as one section.
// Loaded by path at run time so the bench builds before that file lands.
import { SectionSkipped, type SectionContext } from '../section.js';
import type { BenchRow, Progress } from '../types.js';

type BenchFn = (progress: Progress) => Promise<BenchRow[]>;

export async function benchBigQueryEmulatorSection(ctx: SectionContext): Promise<BenchRow[]> {
  const file = '../bigquery-emulator.js';
  let mod: { benchBigQueryEmulator?: unknown };
  try {
    mod = (await import(file)) as { benchBigQueryEmulator?: unknown };
  } catch (err) {
    throw new SectionSkipped(`bench/bigquery-emulator.ts has not landed (${(err as Error).message.split('\n')[0]})`);
  }
  if (typeof mod.benchBigQueryEmulator !== 'function') throw new SectionSkipped('bench/bigquery-emulator.ts exports no benchBigQueryEmulator');
  return (mod.benchBigQueryEmulator as BenchFn)(ctx.progress);
}
