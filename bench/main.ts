// `npm run bench`: the project's benchmark (issue 7). Every measure is a
// ratio against a baseline measured side by side in the same run, because
// the machines are shared and noisy; docs/benchmarks.md explains each one.
//
//   npm run bench                       all sections (about 10 minutes)
//   npm run bench -- --quick            smaller sizes (about 3 minutes)
//   npm run bench -- --only core,http   some sections
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stopAllStarted } from '../tools/lib/process-group.js';
import { repoPath } from '../tools/emulate/repo-root.js';
import { parseBenchArgs, UsageError, type BenchArgs } from './args.js';
import { progressLine } from './progress.js';
import { allPassed, busyMachineNote, formatTable, resultsFileName, type ResultsDocument } from './report.js';
import { SectionSkipped, type SectionContext } from './section.js';
import { SECTIONS } from './sections/index.js';
import type { BenchRow } from './types.js';

const HELP = `Usage: npm run bench -- [--only SECTION[,SECTION...]] [--quick] [--help]

Measures the pipeline against baselines measured side by side in the same run
and prints a table (section, measure, ours, baseline, ratio, target, pass),
also written to bench/results/<start time>.json and bench/results/latest.json.

Sections:
${SECTIONS.map((s) => `  ${s.name.padEnd(18)} ${s.summary}`).join('\n')}

Options:
  --only LIST   comma-separated sections to run (default: all)
  --quick       smaller sizes, for a smoke run (about 3 minutes)
  --help        this text
`;

async function main(): Promise<number> {
  let args: BenchArgs;
  try {
    args = parseBenchArgs(process.argv.slice(2), SECTIONS);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`${err.message}\n\n${HELP}`);
      return 2;
    }
    throw err;
  }
  if (args.help) {
    process.stdout.write(HELP);
    return 0;
  }

  const startedAt = new Date();
  const loadAtStart = os.loadavg()[0] ?? 0;
  const line = progressLine();
  const rows: BenchRow[] = [];
  const notes: string[] = [];
  const skipped: { section: string; reason: string }[] = [];
  const details: Record<string, unknown> = {};
  const ctx: SectionContext = {
    quick: args.quick,
    progress: line.update,
    note: (text) => {
      notes.push(text);
      line.note(text);
    },
    detail: (key, value) => {
      details[key] = value;
    },
  };

  // Sampled through the run: the busiest minute is what matters for the noise note.
  const loadSamples: number[] = [];
  const sampler = setInterval(() => loadSamples.push(os.loadavg()[0] ?? 0), 10_000);
  sampler.unref();
  let failed = false;
  for (const section of args.sections) {
    line.update(`${section.name}: starting`);
    const t0 = Date.now();
    try {
      const got = await section.run(ctx);
      rows.push(...got);
      line.note(`${section.name}: done in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    } catch (err) {
      const reason = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      skipped.push({ section: section.name, reason });
      line.note(`${section.name}: ${err instanceof SectionSkipped ? 'skipped' : 'FAILED'}: ${reason}`);
      if (!(err instanceof SectionSkipped)) failed = true;
    }
  }
  clearInterval(sampler);
  line.done();
  await stopAllStarted();

  const finishedAt = new Date();
  const loadAtEnd = os.loadavg()[0] ?? 0;
  const busy = busyMachineNote([loadAtStart, ...loadSamples, loadAtEnd], os.cpus().length);
  if (busy) notes.push(busy);
  const doc: ResultsDocument = {
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    durationSeconds: Math.round((finishedAt.getTime() - startedAt.getTime()) / 1000),
    quick: args.quick,
    sections: args.sections.map((s) => s.name),
    host: {
      node: process.version,
      platform: `${os.platform()} ${os.release()}`,
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model ?? 'unknown',
      memoryMiB: Math.round(os.totalmem() / 1024 / 1024),
      loadAverageAtStart: loadAtStart,
      loadAverageAtEnd: loadAtEnd,
    },
    rows,
    skipped,
    notes,
    details,
    allPassed: allPassed(rows),
  };
  const dir = repoPath('bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, resultsFileName(startedAt));
  const json = JSON.stringify(doc, null, 2) + '\n';
  writeFileSync(file, json);
  writeFileSync(path.join(dir, 'latest.json'), json);

  process.stdout.write(`\n${formatTable(rows)}\n\n`);
  for (const n of notes) process.stdout.write(`- ${n}\n`);
  for (const s of skipped) process.stdout.write(`- not measured: ${s.section}: ${s.reason}\n`);
  process.stdout.write(`\n${doc.allPassed ? 'every target met' : 'SOME TARGETS MISSED'} (${doc.durationSeconds} s); results: ${path.relative(process.cwd(), file)}\n`);
  return failed ? 1 : 0;
}

if (require.main === module) {
  // Ctrl-C or a kill: stop every emulator and function this run started, then leave.
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    process.once(signal, () => {
      void stopAllStarted().finally(() => process.exit(code));
    });
  }
  main().then(
    (code) => process.exit(code),
    async (err: unknown) => {
      process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      await stopAllStarted();
      process.exit(1);
    },
  );
}
