// The pure half of the benchmark: turning measurements into table rows
// (ratio and pass), formatting the table, and the JSON results document.
// Everything here is deterministic so test/unit/bench-report.test.ts covers it.
import type { BenchRow } from './types.js';

/** Which way is better for a measure. */
export type Better = 'higher' | 'lower';

/**
 * A target: on the ratio (ours against the baseline measured in the same run)
 * or, where a platform limit is absolute (Cloud Run's memory, requests per
 * 1,000 rows), on our own value.
 */
export interface Target {
  on: 'ratio' | 'value';
  op: '>=' | '<=';
  threshold: number;
}

export interface Measure {
  group: string;
  name: string;
  unit: string;
  value: number;
  better: Better;
  baselineName?: string;
  baseline?: number;
  target?: Target;
}

/**
 * ours / baseline when higher is better, baseline / ours when lower is better,
 * so a ratio above 1 always means "ours is better". Undefined when either side
 * is missing or the division means nothing (zero or non-finite).
 */
export function ratioOf(value: number, baseline: number | undefined, better: Better): number | undefined {
  if (baseline === undefined || !Number.isFinite(value) || !Number.isFinite(baseline)) return undefined;
  const [num, den] = better === 'higher' ? [value, baseline] : [baseline, value];
  if (den === 0) return num === 0 ? 1 : undefined;
  return num / den;
}

export function describeTarget(t: Target, better: Better): string {
  if (t.on === 'value') return `${t.op} ${formatNumber(t.threshold)}`;
  return `ratio ${t.op} ${formatNumber(t.threshold)}${better === 'lower' ? ' (baseline/ours)' : ''}`;
}

export function meets(actual: number | undefined, t: Target): boolean {
  if (actual === undefined || !Number.isFinite(actual)) return false;
  return t.op === '>=' ? actual >= t.threshold : actual <= t.threshold;
}

/** A measure judged against its target, as one table row. */
export function toRow(m: Measure): BenchRow {
  const ratio = ratioOf(m.value, m.baseline, m.better);
  const row: BenchRow = { group: m.group, name: m.name, unit: m.unit, value: m.value };
  if (m.baselineName !== undefined) row.baselineName = m.baselineName;
  if (m.baseline !== undefined) row.baseline = m.baseline;
  if (ratio !== undefined) row.ratio = ratio;
  if (m.target) {
    row.target = describeTarget(m.target, m.better);
    row.pass = meets(m.target.on === 'ratio' ? ratio : m.value, m.target);
  }
  return row;
}

/** Three significant digits (at least), thousands separators, no exponent. */
export function formatNumber(n: number | undefined): string {
  if (n === undefined) return '';
  if (!Number.isFinite(n)) return String(n);
  const abs = Math.abs(n);
  let digits: number;
  if (abs === 0 || abs >= 100) digits = 0;
  else if (abs >= 10) digits = 1;
  else if (abs >= 1) digits = 2;
  else digits = Math.min(6, 2 - Math.floor(Math.log10(abs)));
  return n.toLocaleString('en-US', { minimumFractionDigits: 0, maximumFractionDigits: digits });
}

function withUnit(n: number | undefined, unit: string): string {
  if (n === undefined) return '';
  return unit ? `${formatNumber(n)} ${unit}` : formatNumber(n);
}

export const TABLE_HEADER = ['section', 'measure', 'ours', 'baseline', 'ratio', 'target', 'pass'] as const;

export function tableCells(r: BenchRow): string[] {
  const baseline = r.baseline === undefined ? '' : `${withUnit(r.baseline, r.unit)}${r.baselineName ? ` (${r.baselineName})` : ''}`;
  const pass = r.pass === undefined ? '' : r.pass ? 'yes' : 'NO';
  return [r.group, r.name, withUnit(r.value, r.unit), baseline, r.ratio === undefined ? '' : formatNumber(r.ratio), r.target ?? '', pass];
}

/** A plain-text table for the terminal: columns padded, numbers right-aligned. */
export function formatTable(rows: readonly BenchRow[]): string {
  const body = rows.map(tableCells);
  const all = [[...TABLE_HEADER], ...body];
  const widths = TABLE_HEADER.map((_, c) => Math.max(...all.map((r) => (r[c] ?? '').length)));
  const rightAligned = new Set([2, 3, 4]);
  const line = (cells: string[]): string =>
    cells
      .map((cell, c) => (rightAligned.has(c) ? cell.padStart(widths[c] ?? 0) : cell.padEnd(widths[c] ?? 0)))
      .join('  ')
      .trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [line([...TABLE_HEADER]), rule, ...body.map(line)].join('\n');
}

/** The same table as Markdown (docs/benchmarks.md). Pipes in cells are escaped. */
export function formatMarkdownTable(rows: readonly BenchRow[]): string {
  const esc = (s: string): string => s.replace(/\|/g, '\\|');
  const out = [`| ${TABLE_HEADER.join(' | ')} |`, `| ${TABLE_HEADER.map((_, i) => ([2, 3, 4].includes(i) ? '---:' : '---')).join(' | ')} |`];
  for (const r of rows) out.push(`| ${tableCells(r).map(esc).join(' | ')} |`);
  return out.join('\n');
}

export interface ResultsDocument {
  startedAt: string;
  finishedAt: string;
  durationSeconds: number;
  quick: boolean;
  sections: string[];
  host: { node: string; platform: string; cpus: number; cpuModel: string; memoryMiB: number; loadAverageAtStart: number; loadAverageAtEnd: number };
  rows: BenchRow[];
  /** Sections that could not run (a dependency missing) and why. */
  skipped: { section: string; reason: string }[];
  notes: string[];
  /** Structured details sections leave (cost breakdown, raw counts). */
  details: Record<string, unknown>;
  /** Every row with a target passed (rows without a target do not count). */
  allPassed: boolean;
}

/** A note when other work kept the machine busy (1-minute load average above the CPU count). */
export function busyMachineNote(loadAverages: readonly number[], cpus: number): string | undefined {
  const worst = Math.max(...loadAverages);
  if (!(worst > cpus)) return undefined;
  return `the machine was busy with other work (1-minute load average up to ${formatNumber(worst)} on ${cpus} CPUs): ratios are noisier and the e2e rates lower than on an idle machine`;
}

export function allPassed(rows: readonly BenchRow[]): boolean {
  return rows.every((r) => r.pass !== false);
}

/** File name for a results document: the ISO start time, safe on every file system. */
export function resultsFileName(startedAt: Date): string {
  return `${startedAt.toISOString().replace(/:/g, '-')}.json`;
}
