// Table schemas: validation and normalization of BigQuery field definitions,
// and their DuckDB column types. BigQuery reports the legacy type names
// (INTEGER, FLOAT, BOOLEAN, RECORD) whatever name the table was created with.
import { invalid } from './errors.js';
import { qid } from './sql/quote.js';

export interface TableFieldSchema {
  name: string;
  type: string;
  mode?: string;
  description?: string;
  fields?: TableFieldSchema[];
  [extra: string]: unknown;
}

const CANONICAL: Record<string, string> = {
  STRING: 'STRING',
  BYTES: 'BYTES',
  INTEGER: 'INTEGER',
  INT64: 'INTEGER',
  FLOAT: 'FLOAT',
  FLOAT64: 'FLOAT',
  NUMERIC: 'NUMERIC',
  DECIMAL: 'NUMERIC',
  BIGNUMERIC: 'BIGNUMERIC',
  BIGDECIMAL: 'BIGNUMERIC',
  BOOLEAN: 'BOOLEAN',
  BOOL: 'BOOLEAN',
  TIMESTAMP: 'TIMESTAMP',
  DATE: 'DATE',
  TIME: 'TIME',
  DATETIME: 'DATETIME',
  JSON: 'JSON',
  RECORD: 'RECORD',
  STRUCT: 'RECORD',
};

const DUCK: Record<string, string> = {
  STRING: 'VARCHAR',
  BYTES: 'BLOB',
  INTEGER: 'BIGINT',
  FLOAT: 'DOUBLE',
  NUMERIC: 'DECIMAL(38,9)',
  BIGNUMERIC: 'DECIMAL(38,18)',
  BOOLEAN: 'BOOLEAN',
  TIMESTAMP: 'TIMESTAMPTZ',
  DATE: 'DATE',
  TIME: 'TIME',
  DATETIME: 'TIMESTAMP',
  JSON: 'JSON',
};

const NAME_RE = /^[A-Za-z_][A-Za-z0-9_]{0,299}$/;

/** Validates and normalizes a schema (legacy type names, explicit modes). */
export function normalizeFields(fields: unknown, path = ''): TableFieldSchema[] {
  if (!Array.isArray(fields)) throw invalid('Invalid schema: fields must be an array');
  const seen = new Set<string>();
  return fields.map((raw: unknown) => {
    const f = raw as Partial<TableFieldSchema>;
    if (!f || typeof f.name !== 'string' || !NAME_RE.test(f.name)) {
      throw invalid(`Invalid field name "${String(f?.name)}". Fields must contain only letters, numbers, and underscores, start with a letter or underscore, and be at most 300 characters long.`);
    }
    const key = f.name.toLowerCase();
    if (seen.has(key)) throw invalid(`Field ${path}${f.name} already exists in schema`);
    seen.add(key);
    const type = CANONICAL[String(f.type ?? '').toUpperCase()];
    if (!type) throw invalid(`Invalid value for type: ${String(f.type)} is not a valid value`);
    const mode = String(f.mode ?? 'NULLABLE').toUpperCase();
    if (!['NULLABLE', 'REQUIRED', 'REPEATED'].includes(mode)) throw invalid(`Invalid value for mode: ${String(f.mode)} is not a valid value`);
    const out: TableFieldSchema = { name: f.name, type, mode };
    if (f.description !== undefined) out.description = f.description;
    if (type === 'RECORD') {
      if (!Array.isArray(f.fields) || f.fields.length === 0) throw invalid(`Field ${path}${f.name} is type RECORD but has no schema`);
      out.fields = normalizeFields(f.fields, `${path}${f.name}.`);
    } else if (f.fields && f.fields.length > 0) throw invalid(`Field ${path}${f.name} is type ${type} but has a schema`);
    return out;
  });
}

export function duckType(f: TableFieldSchema): string {
  const base = f.type === 'RECORD' ? `STRUCT(${(f.fields ?? []).map((c) => `${qid(c.name)} ${duckType(c)}`).join(', ')})` : DUCK[f.type]!;
  return f.mode === 'REPEATED' ? `${base}[]` : base;
}

/** Column definitions for CREATE TABLE; REQUIRED top-level columns are NOT NULL (DML must respect them too). */
export function columnDefs(fields: TableFieldSchema[]): string {
  return fields.map((f) => `${qid(f.name)} ${duckType(f)}${f.mode === 'REQUIRED' ? ' NOT NULL' : ''}`).join(', ');
}

/** Top-level columns a schema update relaxes from REQUIRED to NULLABLE. */
export function relaxedColumns(oldFields: TableFieldSchema[], newFields: TableFieldSchema[]): string[] {
  const next = new Map(newFields.map((f) => [f.name.toLowerCase(), f]));
  return oldFields.filter((o) => o.mode === 'REQUIRED' && next.get(o.name.toLowerCase())?.mode === 'NULLABLE').map((o) => o.name);
}

/**
 * A schema update BigQuery allows: existing fields keep name and type (modes
 * may relax REQUIRED -> NULLABLE), new fields are NULLABLE or REPEATED.
 * Returns the new top-level fields to add.
 */
export function schemaAdditions(oldFields: TableFieldSchema[], newFields: TableFieldSchema[], path = ''): TableFieldSchema[] {
  const added: TableFieldSchema[] = [];
  const byName = new Map(newFields.map((f) => [f.name.toLowerCase(), f]));
  for (const o of oldFields) {
    const n = byName.get(o.name.toLowerCase());
    if (!n) throw invalid(`Provided Schema does not match Table. Field ${path}${o.name} is missing in new schema`);
    if (n.type !== o.type) throw invalid(`Provided Schema does not match Table. Field ${path}${o.name} has changed type from ${o.type} to ${n.type}`);
    if (n.mode !== o.mode && !(o.mode === 'REQUIRED' && n.mode === 'NULLABLE')) {
      throw invalid(`Provided Schema does not match Table. Field ${path}${o.name} has changed mode from ${o.mode} to ${n.mode}`);
    }
    if (o.type === 'RECORD' && schemaAdditions(o.fields ?? [], n.fields ?? [], `${path}${o.name}.`).length > 0) {
      throw invalid(`Adding fields inside RECORD ${path}${o.name} is not supported by the BigQuery emulator`);
    }
  }
  const oldNames = new Set(oldFields.map((f) => f.name.toLowerCase()));
  for (const n of newFields) {
    if (oldNames.has(n.name.toLowerCase())) continue;
    if (n.mode === 'REQUIRED') throw invalid(`Provided Schema does not match Table. Cannot add required field ${path}${n.name}`);
    added.push(n);
  }
  return added;
}
