// Printing query results: an aligned table for people, CSV (RFC 4180) and
// JSON for scripts. Cells go through plainValue first, so timestamps print as
// RFC 3339 and BYTES as base64 in every format.
import type { Colors } from '../lib/cli.js';
import { plainValue, type ResultField } from '../lib/bigquery-query.js';

export const FORMATS = ['table', 'json', 'csv'] as const;
export type Format = (typeof FORMATS)[number];

const NUMERIC_TYPES = new Set(['INT64', 'INTEGER', 'FLOAT64', 'FLOAT', 'NUMERIC', 'BIGNUMERIC']);
const MAX_CELL = 80;

function text(v: unknown): string {
  const p = plainValue(v);
  if (p === null) return '';
  if (typeof p === 'object') return JSON.stringify(p);
  return String(p);
}

export function plainRows(fields: readonly ResultField[], rows: readonly Record<string, unknown>[]): Record<string, unknown>[] {
  return rows.map((r) => Object.fromEntries(fields.map((f) => [f.name, plainValue(r[f.name])])));
}

export function formatJson(fields: readonly ResultField[], rows: readonly Record<string, unknown>[]): string {
  return JSON.stringify(plainRows(fields, rows), null, 2) + '\n';
}

function csvCell(s: string): string {
  return /[",\r\n]|^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function formatCsv(fields: readonly ResultField[], rows: readonly Record<string, unknown>[]): string {
  const lines = [fields.map((f) => csvCell(f.name)).join(',')];
  for (const r of rows) lines.push(fields.map((f) => csvCell(text(r[f.name]))).join(','));
  return lines.join('\r\n') + '\r\n';
}

/** Aligned columns; numbers right-aligned, NULL shown as such, long cells cut at 80 characters. */
export function formatTable(fields: readonly ResultField[], rows: readonly Record<string, unknown>[], c: Colors): string {
  if (fields.length === 0) return '(no columns)\n';
  const cells = rows.map((r) =>
    fields.map((f) => {
      const v = r[f.name];
      if (v === null || v === undefined) return { s: 'NULL', isNull: true };
      let s = text(v).replace(/\r?\n/g, '\\n');
      if (s.length > MAX_CELL) s = s.slice(0, MAX_CELL - 1) + '…';
      return { s, isNull: false };
    }),
  );
  const widths = fields.map((f, i) => Math.max(f.name.length, ...cells.map((row) => row[i]?.s.length ?? 0)));
  const numeric = fields.map((f) => NUMERIC_TYPES.has(f.type.toUpperCase()));
  const pad = (s: string, i: number): string => (numeric[i] ? s.padStart(widths[i] ?? 0) : s.padEnd(widths[i] ?? 0));
  const out = [
    c.bold(fields.map((f, i) => pad(f.name, i)).join('  ').trimEnd()),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...cells.map((row) => row.map((cell, i) => (cell.isNull ? c.dim(pad(cell.s, i)) : pad(cell.s, i))).join('  ').trimEnd()),
  ];
  return out.join('\n') + '\n';
}
