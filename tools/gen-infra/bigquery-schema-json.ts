// schemas/bigquery-tables.ts -> BigQuery's schema JSON (the array the REST API
// and Terraform's google_bigquery_table.schema take). Type names are written
// the way the API returns them (INTEGER, FLOAT, BOOLEAN), so `terraform plan`
// never shows a diff between what we send and what it reads back.
import type { BqField, BqType } from '../../schemas/bigquery-tables.js';

/** GoogleSQL type name -> legacy REST type name (identity for the rest). */
export const REST_TYPE: Readonly<Record<BqType, string>> = {
  STRING: 'STRING',
  INT64: 'INTEGER',
  FLOAT64: 'FLOAT',
  BOOL: 'BOOLEAN',
  TIMESTAMP: 'TIMESTAMP',
  DATE: 'DATE',
  JSON: 'JSON',
  BYTES: 'BYTES',
  NUMERIC: 'NUMERIC',
  RECORD: 'RECORD',
};

export interface RestField {
  name: string;
  type: string;
  mode: string;
  description: string;
  fields?: RestField[];
}

export function toRestFields(fields: readonly BqField[]): RestField[] {
  return fields.map((f) => ({
    name: f.name,
    type: REST_TYPE[f.type],
    mode: f.mode,
    description: f.description,
    ...(f.fields ? { fields: toRestFields(f.fields) } : {}),
  }));
}

/** The file's text: stable formatting so regeneration gives no diff. */
export function schemaJson(fields: readonly BqField[]): string {
  return JSON.stringify(toRestFields(fields), null, 2) + '\n';
}
