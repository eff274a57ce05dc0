// Schema auto-detection for CSV and NDJSON loads (autodetect: true), after
// BigQuery's rules: a sample of rows decides each column's type, the
// narrowest of BOOLEAN, INTEGER, FLOAT, DATE, TIMESTAMP that every non-empty
// value fits, else STRING; NDJSON objects become RECORD and arrays REPEATED.
// CSV columns are named from a header row (the last row skipped by
// skipLeadingRows, or a first row of names over typed data), else
// string_field_0, int64_field_1, ... as BigQuery names them.
import { parseTimestampMicros } from './row-convert.js';
import type { TableFieldSchema } from './schema-types.js';

const SAMPLE = 500;
type Scalar = 'BOOLEAN' | 'INTEGER' | 'FLOAT' | 'DATE' | 'TIMESTAMP' | 'STRING';
const ORDER: Scalar[] = ['BOOLEAN', 'INTEGER', 'FLOAT', 'DATE', 'TIMESTAMP', 'STRING'];

function fits(v: string, t: Scalar): boolean {
  const s = v.trim();
  switch (t) {
    case 'BOOLEAN':
      return /^(true|false)$/i.test(s);
    case 'INTEGER':
      return /^[+-]?\d{1,18}$/.test(s);
    case 'FLOAT':
      return /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s);
    case 'DATE':
      return /^\d{4}-\d{1,2}-\d{1,2}$/.test(s);
    case 'TIMESTAMP':
      return /^\d{4}-\d{1,2}-\d{1,2}[T ]\d/.test(s) && parseTimestampMicros(s) !== null;
    default:
      return true;
  }
}

/** The narrowest type every value fits (empty values say nothing). */
function typeOfStrings(values: string[]): Scalar {
  const given = values.filter((v) => v !== '');
  if (given.length === 0) return 'STRING';
  for (const t of ORDER) {
    // INTEGER values also fit FLOAT; BOOLEAN and DATE are tried before them only for their own forms.
    if (given.every((v) => fits(v, t))) return t;
  }
  return 'STRING';
}

const PREFIX: Record<Scalar, string> = { BOOLEAN: 'bool', INTEGER: 'int64', FLOAT: 'double', DATE: 'date', TIMESTAMP: 'timestamp', STRING: 'string' };

function columnName(raw: string, i: number, used: Set<string>): string {
  let name = raw.trim().replace(/[^A-Za-z0-9_]/g, '_').slice(0, 300);
  if (name === '' || /^\d/.test(name)) name = `_${name}`;
  let unique = name;
  for (let k = 2; used.has(unique.toLowerCase()); k++) unique = `${name}_${k}`;
  used.add(unique.toLowerCase());
  return unique || `column_${i}`;
}

/** CSV: names from `header` when given (or detected), types from the rows. */
export function detectCsvSchema(rows: string[][], header: string[] | undefined): { fields: TableFieldSchema[]; headerDetected: boolean } {
  const width = Math.max(0, ...rows.slice(0, SAMPLE).map((r) => r.length), header?.length ?? 0);
  const col = (rs: string[][], i: number): string[] => rs.slice(0, SAMPLE).map((r) => r[i] ?? '');
  let names = header;
  let headerDetected = false;
  if (!names && rows.length > 1) {
    // A first row of non-empty strings over columns that are not all strings is a header.
    const first = rows[0]!;
    const rest = rows.slice(1);
    const typed = Array.from({ length: width }, (_, i) => typeOfStrings(col(rest, i)));
    if (first.every((v) => v !== '' && typeOfStrings([v]) === 'STRING') && typed.some((t) => t !== 'STRING')) {
      names = first;
      headerDetected = true;
    }
  }
  const data = headerDetected ? rows.slice(1) : rows;
  const used = new Set<string>();
  const fields = Array.from({ length: width }, (_, i) => {
    const type = typeOfStrings(col(data, i));
    const name = names?.[i] !== undefined ? columnName(names[i]!, i, used) : columnName(`${PREFIX[type]}_field_${i}`, i, used);
    return { name, type, mode: 'NULLABLE' };
  });
  return { fields, headerDetected };
}

function jsonType(values: unknown[], name: string): TableFieldSchema {
  const given = values.filter((v) => v !== null && v !== undefined);
  if (given.some((v) => Array.isArray(v))) {
    const inner = jsonType(given.flatMap((v) => (Array.isArray(v) ? v : [v])), name);
    return { ...inner, mode: 'REPEATED' };
  }
  if (given.length > 0 && given.every((v) => typeof v === 'object')) {
    return { name, type: 'RECORD', mode: 'NULLABLE', fields: detectJsonSchema(given as Record<string, unknown>[]) };
  }
  let type: Scalar = 'STRING';
  if (given.length > 0 && given.every((v) => typeof v === 'boolean')) type = 'BOOLEAN';
  else if (given.length > 0 && given.every((v) => typeof v === 'number')) type = given.every((v) => Number.isInteger(v)) ? 'INTEGER' : 'FLOAT';
  else if (given.length > 0 && given.every((v) => typeof v === 'string')) {
    const t = typeOfStrings(given as string[]);
    // Quoted numbers and booleans stay strings in JSON; dates and timestamps are detected.
    type = t === 'DATE' || t === 'TIMESTAMP' ? t : 'STRING';
  }
  return { name, type, mode: 'NULLABLE' };
}

/** NDJSON: one field per key, in first-seen order. */
export function detectJsonSchema(rows: Record<string, unknown>[]): TableFieldSchema[] {
  const sample = rows.slice(0, SAMPLE);
  const keys: string[] = [];
  const seen = new Set<string>();
  for (const r of sample) {
    for (const k of Object.keys(r)) {
      if (!seen.has(k.toLowerCase())) {
        seen.add(k.toLowerCase());
        keys.push(k);
      }
    }
  }
  return keys.map((k) => jsonType(sample.map((r) => r[k]), k));
}
