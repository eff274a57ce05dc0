// Conformance runner: every case is a query with the result BigQuery's
// reference pages print for it. Each runs through jobs.query on a fresh
// in-process emulator and ends as pass, refused (an error naming what the
// emulator does not support), error (any other error), wrong (rows that differ
// from the page) or not runnable (the page's example reads a table the page
// only describes in prose: notFound).
//   npm run conformance                       the reference-page cases
//   npm run conformance -- --cases FILE       another case file of the same form
//   npm run conformance -- --show wrong,error the cases in those outcomes, with SQL
//   npm run conformance -- --json FILE        every outcome as JSON
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startBigQueryEmulator } from '../server.js';
import { display, rowsMatch, type RestField, type RestRow } from './compare.js';

export interface Case {
  id: string;
  url: string;
  sql: string;
  columns: string[];
  rows: string[][];
  ordered: boolean;
}
export type Outcome = 'pass' | 'refused' | 'error' | 'wrong' | 'notRunnable' | 'excluded';
export interface CaseResult {
  id: string;
  outcome: Outcome;
  detail?: string;
}

// The case files stay in the source tree (build/emulators/bigquery/conformance -> emulators/bigquery/conformance).
const SOURCE_DIR = path.resolve(__dirname, '..', '..', '..', '..', 'emulators', 'bigquery', 'conformance');
export const REFERENCE_CASES = path.join(SOURCE_DIR, 'reference-cases.json');
export const EXCLUSIONS = path.join(SOURCE_DIR, 'exclusions.json');

interface QueryReply {
  jobComplete?: boolean;
  jobReference?: { jobId: string };
  schema?: { fields: RestField[] };
  rows?: RestRow[];
  pageToken?: string;
  error?: { code: number; message: string; errors?: { reason?: string }[] };
}

async function post(url: string, body: unknown): Promise<QueryReply> {
  const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return (await r.json()) as QueryReply;
}

async function runCase(base: string, c: Case): Promise<CaseResult> {
  let reply = await post(`${base}/bigquery/v2/projects/conformance/queries`, {
    query: c.sql,
    useLegacySql: false,
    timeoutMs: 20000,
    maxResults: 10000,
    formatOptions: { useInt64Timestamp: true },
  });
  while (!reply.error && reply.jobComplete === false && reply.jobReference) {
    const r = await fetch(`${base}/bigquery/v2/projects/conformance/queries/${reply.jobReference.jobId}?timeoutMs=10000&formatOptions.useInt64Timestamp=true`);
    reply = (await r.json()) as QueryReply;
  }
  if (reply.error) {
    const reason = reply.error.errors?.[0]?.reason ?? '';
    const msg = reply.error.message;
    if (reply.error.code === 404) return { id: c.id, outcome: 'notRunnable', detail: msg };
    if (reason === 'invalidQuery' && /not supported|not been verified/i.test(msg)) return { id: c.id, outcome: 'refused', detail: msg };
    return { id: c.id, outcome: 'error', detail: msg };
  }
  const fields = reply.schema?.fields ?? [];
  const rows = (reply.rows ?? []).map((r) => r.f.map((cell, i) => display(fields[i]!, cell.v)));
  const arraysUnordered = !/\bORDER\s+BY\b/i.test(c.sql);
  if (rowsMatch(rows, fields.map((f) => f.name), c.rows, c.columns, c.ordered, arraysUnordered)) return { id: c.id, outcome: 'pass' };
  return { id: c.id, outcome: 'wrong', detail: `got ${JSON.stringify(rows.slice(0, 5))} want ${JSON.stringify(c.rows.slice(0, 5))}` };
}

export interface Summary {
  total: number;
  runnable: number;
  counts: Record<Outcome, number>;
  results: CaseResult[];
}

export async function runConformance(cases: Case[], excluded: Record<string, string> = {}): Promise<Summary> {
  const emu = await startBigQueryEmulator({ host: '127.0.0.1', port: 0, log: () => undefined });
  const results: CaseResult[] = [];
  try {
    for (const c of cases) {
      if (excluded[c.id]) {
        results.push({ id: c.id, outcome: 'excluded', detail: excluded[c.id] });
        continue;
      }
      try {
        results.push(await runCase(emu.url, c));
      } catch (err) {
        results.push({ id: c.id, outcome: 'error', detail: `runner: ${(err as Error).message}` });
      }
    }
  } finally {
    await emu.close();
  }
  const counts: Record<Outcome, number> = { pass: 0, refused: 0, error: 0, wrong: 0, notRunnable: 0, excluded: 0 };
  for (const r of results) counts[r.outcome]++;
  const runnable = counts.pass + counts.refused + counts.error + counts.wrong;
  return { total: cases.length, runnable, counts, results };
}

const pct = (n: number, d: number): string => `${d ? ((100 * n) / d).toFixed(1) : '0.0'}%`;

export function formatSummary(s: Summary, byPage: boolean, cases: Case[]): string {
  const lines: string[] = [];
  const c = s.counts;
  if (byPage) {
    const pages = new Map<string, Record<Outcome, number>>();
    for (const r of s.results) {
      const page = r.id.split('#')[0]!;
      const p = pages.get(page) ?? { pass: 0, refused: 0, error: 0, wrong: 0, notRunnable: 0, excluded: 0 };
      p[r.outcome]++;
      pages.set(page, p);
    }
    lines.push('page                               pass refused error wrong  n/r excl');
    for (const [page, p] of [...pages].sort()) {
      lines.push(`${page.padEnd(34)} ${[p.pass, p.refused, p.error, p.wrong, p.notRunnable, p.excluded].map((n) => String(n).padStart(5)).join(' ')}`);
    }
  }
  void cases;
  lines.push(
    `${s.total} cases, ${s.runnable} runnable (${c.notRunnable} read a table the page only describes, ${c.excluded} excluded):`,
    `  pass ${c.pass} (${pct(c.pass, s.runnable)}), refused ${c.refused + c.error} (${pct(c.refused + c.error, s.runnable)}: ${c.refused} named as unsupported, ${c.error} other errors), wrong ${c.wrong} (${pct(c.wrong, s.runnable)})`,
  );
  return lines.join('\n');
}

async function main(argv: string[]): Promise<number> {
  let file = REFERENCE_CASES;
  let exclusionsFile: string | undefined = EXCLUSIONS;
  let show: Outcome[] = [];
  let json: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--cases') {
      file = argv[++i]!;
      exclusionsFile = undefined;
    } else if (a === '--show') show = argv[++i]!.split(',') as Outcome[];
    else if (a === '--json') json = argv[++i];
    else if (a === '--help' || a === '-h') {
      process.stdout.write('usage: npm run conformance -- [--cases FILE] [--show wrong,error,refused] [--json FILE]\n');
      return 0;
    } else {
      process.stderr.write(`conformance: unknown argument ${a}\n`);
      return 2;
    }
  }
  const cases = JSON.parse(readFileSync(file, 'utf8')) as Case[];
  const excluded = exclusionsFile ? (JSON.parse(readFileSync(exclusionsFile, 'utf8')) as Record<string, string>) : {};
  const s = await runConformance(cases, excluded);
  const byId = new Map(cases.map((c) => [c.id, c]));
  for (const r of s.results) {
    if (!show.includes(r.outcome)) continue;
    process.stdout.write(`--- ${r.outcome} ${r.id}\n${byId.get(r.id)!.sql}\n${r.detail ?? ''}\n`);
  }
  process.stdout.write(`${formatSummary(s, true, cases)}\n`);
  if (json) writeFileSync(json, JSON.stringify(s, null, 1));
  return 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`conformance: ${(err as Error).stack ?? String(err)}\n`);
      process.exit(1);
    },
  );
}
