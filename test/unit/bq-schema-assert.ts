// Checks a row built for insertAll against a table of schemas/bigquery-tables.ts:
// exactly the table's columns, each value of the column's type, REQUIRED ones set.
import assert from 'node:assert/strict';
import type { BqField, BqTable } from '../../schemas/bigquery-tables.js';

const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

function valueMatches(f: BqField, v: unknown): boolean {
  switch (f.type) {
    case 'STRING':
      return typeof v === 'string';
    case 'INT64':
      return typeof v === 'number' && Number.isSafeInteger(v);
    case 'FLOAT64':
      return typeof v === 'number' && Number.isFinite(v);
    case 'BOOL':
      return typeof v === 'boolean';
    case 'TIMESTAMP':
      return typeof v === 'string' && TIMESTAMP.test(v) && !Number.isNaN(Date.parse(v));
    case 'JSON':
      if (typeof v !== 'string') return false;
      try {
        JSON.parse(v);
        return true;
      } catch {
        return false;
      }
    case 'BYTES':
      return typeof v === 'string' && /^[A-Za-z0-9+/]*={0,2}$/.test(v) && v.length % 4 === 0;
    default:
      return false;
  }
}

export function assertRowMatchesTable(row: Record<string, unknown>, table: BqTable): void {
  assert.deepEqual(Object.keys(row).sort(), table.fields.map((f) => f.name).sort(), `${table.tableId}: columns`);
  for (const f of table.fields) {
    const v = row[f.name];
    if (v === null || v === undefined) {
      assert.notEqual(f.mode, 'REQUIRED', `${table.tableId}.${f.name} is REQUIRED but null`);
      continue;
    }
    assert.ok(valueMatches(f, v), `${table.tableId}.${f.name}: ${JSON.stringify(v)} is not a ${f.type}`);
  }
}
