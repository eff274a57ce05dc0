// Table rows as extract jobs write them, from the REST cells (INT64 timestamps):
// NDJSON values as BigQuery exports them (INT64 and NUMERIC as strings,
// FLOAT64 and BOOL as JSON, TIMESTAMP as "YYYY-MM-DD HH:MM:SS[.ffffff] UTC",
// RECORD as objects, REPEATED as arrays) and CSV cells (the same text).
import { formatTimestamp, type Cell } from './value-format.js';
import type { TableFieldSchema } from './schema-types.js';

function timestampText(micros: string): string {
  return formatTimestamp(BigInt(micros), 'ISO8601_STRING').replace('T', ' ').replace(/Z$/, ' UTC');
}

function scalar(v: string, f: TableFieldSchema): unknown {
  switch (f.type) {
    case 'FLOAT':
      return /^-?(\d|Infinity$)/.test(v) && Number.isFinite(Number(v)) ? Number(v) : v;
    case 'BOOLEAN':
      return v === 'true';
    case 'TIMESTAMP':
      return timestampText(v);
    case 'JSON':
      return JSON.parse(v) as unknown;
    default:
      return v;
  }
}

export function jsonValue(cell: Cell, f: TableFieldSchema): unknown {
  if (f.mode === 'REPEATED') return (cell.v as Cell[]).map((c) => jsonValue(c, { ...f, mode: 'NULLABLE' }));
  if (cell.v === null) return null;
  if (f.type === 'RECORD') return jsonRow(cell.v as { f: Cell[] }, f.fields ?? []);
  return scalar(cell.v as string, f);
}

export function jsonRow(row: { f: Cell[] }, fields: readonly TableFieldSchema[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  fields.forEach((f, i) => {
    const v = jsonValue(row.f[i]!, f);
    // BigQuery's NDJSON export leaves NULL fields out.
    if (v !== null) out[f.name] = v;
  });
  return out;
}

/** A CSV cell: empty for NULL, quoted when it holds the delimiter, a quote or a line break. */
export function csvCell(cell: Cell, f: TableFieldSchema, delimiter: string): string {
  if (cell.v === null) return '';
  const text = f.type === 'TIMESTAMP' ? timestampText(cell.v as string) : (cell.v as string);
  return text.includes(delimiter) || /["\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
