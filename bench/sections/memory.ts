// Section "memory": peak resident memory (VmHWM) of every function process
// under the e2e batched load, against the 256 MiB Cloud Run instance the
// functions are deployed with (infra/): the target leaves headroom. The
// processes run with the deployed heap cap (FUNCTION_HEAP_MIB).
import { FUNCTION_NAMES, INSTANCE_MEMORY_MIB, type FunctionName } from '../../functions/lib/names.js';
import { loadRuns, PATH_LABELS, pathModes, type LoadRunResult } from '../load-run.js';
import { formatNumber, toRow } from '../report.js';
import type { SectionContext } from '../section.js';
import type { BenchRow } from '../types.js';

/** The instance size the functions are deployed with (infra/ available_memory, checked against names.ts). */
export const CLOUD_RUN_INSTANCE_MIB = INSTANCE_MEMORY_MIB;
const MEASURED: readonly FunctionName[] = FUNCTION_NAMES;

export async function benchMemory(ctx: SectionContext): Promise<BenchRow[]> {
  const runs: LoadRunResult[] = [];
  for (const mode of pathModes(ctx.quick).filter((m) => m !== 'naive')) runs.push(await loadRuns.get(mode, ctx));
  for (const run of runs) {
    ctx.note(
      `memory: peak RSS (VmHWM), e2e ${PATH_LABELS[run.mode]}: ${Object.entries(run.peakRssMiB)
        .map(([fn, mib]) => `${fn} ${formatNumber(mib)} MiB`)
        .join(', ')}`,
    );
  }
  return MEASURED.map((fn) =>
    toRow({
      group: 'memory',
      name: `${fn} peak RSS`,
      unit: 'MiB',
      // A process that died has no /proc entry (NaN): it shows as not measured.
      value: Math.max(...runs.map((r) => r.peakRssMiB[fn]).filter(Number.isFinite)),
      baselineName: 'Cloud Run instance (infra/)',
      baseline: CLOUD_RUN_INSTANCE_MIB,
      better: 'lower',
      // Peak MiB against the instance it runs in (not a measured baseline, so
      // no ratio target): at most 78% of it (200 of 256 MiB) leaves room.
      target: { on: 'value', op: '<=', threshold: Math.round(CLOUD_RUN_INSTANCE_MIB * 0.78) },
    }),
  );
}
