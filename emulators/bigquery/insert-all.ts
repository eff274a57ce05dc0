// tabledata.insertAll: validate every row against the schema (insertErrors in
// BigQuery's shape), drop rows whose insertId was seen in the de-dup window,
// then append the batch with DuckDB's appender under the write lock (with
// --data, together with the batch's insertIds in one transaction).
import type { DuckDBValue } from '@duckdb/node-api';
import { appendRows } from './append.js';
import { invalid } from './errors.js';
import { convertRow, FieldError, type RowError } from './row-convert.js';
import { ok, type Handler } from './state.js';
import { requireTable } from './tables.js';

interface InsertRow {
  insertId?: string;
  json?: unknown;
}

const MAX_ROWS = 50000;

export const insertAll: Handler = async (state, ctx) => {
  const t = requireTable(state, ctx.params['projectId']!, ctx.params['datasetId']!, ctx.params['tableId']!);
  if (t.view || t.snapshot) throw invalid(`Cannot add rows to a table of type ${t.view ? 'VIEW' : 'SNAPSHOT'}.`);
  const rows = ctx.body['rows'];
  if (!Array.isArray(rows) || rows.length === 0) throw invalid('No rows present in the request.');
  if (rows.length > MAX_ROWS) throw invalid(`too many rows present in the request, limit: ${MAX_ROWS} row count: ${rows.length}.`);
  const skipInvalid = ctx.body['skipInvalidRows'] === true;
  const ignoreUnknown = ctx.body['ignoreUnknownValues'] === true;
  state.stats.insertAllRequests++;

  const converted: (DuckDBValue[] | null)[] = [];
  const insertErrors: { index: number; errors: RowError[] }[] = [];
  (rows as InsertRow[]).forEach((r, index) => {
    try {
      converted.push(convertRow(t.fields, r?.json, ignoreUnknown));
    } catch (err) {
      if (!(err instanceof FieldError)) throw err;
      converted.push(null);
      insertErrors.push({ index, errors: [{ reason: 'invalid', location: err.location, debugInfo: '', message: err.message }] });
    }
  });
  if (insertErrors.length > 0 && !skipInvalid) {
    // BigQuery writes nothing: the valid rows are reported as stopped.
    const bad = new Set(insertErrors.map((e) => e.index));
    converted.forEach((_, index) => {
      if (!bad.has(index)) insertErrors.push({ index, errors: [{ reason: 'stopped', location: '', debugInfo: '', message: '' }] });
    });
    insertErrors.sort((a, b) => a.index - b.index);
    state.stats.rowsRejected += rows.length;
    return ok({ kind: 'bigquery#tableDataInsertAllResponse', insertErrors });
  }
  state.stats.rowsRejected += insertErrors.length;

  const tableKey = `${t.project}:${t.dataset}.${t.table}`;
  await state.engine.write(async (conn) => {
    const nowMs = Date.now();
    const toWrite: DuckDBValue[][] = [];
    const recorded: string[] = [];
    (rows as InsertRow[]).forEach((r, i) => {
      const values = converted[i];
      if (!values) return;
      const id = r.insertId;
      if (typeof id === 'string' && id !== '') {
        if (state.dedup.check(tableKey, id, nowMs)) {
          state.stats.rowsDeduplicated++;
          return;
        }
        recorded.push(id);
      }
      toWrite.push(values);
    });
    if (toWrite.length === 0) return;
    // With --data the ids go into the file in the same transaction as the rows.
    const store = recorded.length > 0 ? state.dedupStore : undefined;
    if (store) await conn.run('BEGIN TRANSACTION');
    try {
      await appendRows(conn, t, toWrite, nowMs);
      if (store) {
        await store.record(conn, tableKey, recorded, nowMs);
        await conn.run('COMMIT');
      }
    } catch (err) {
      if (store) await conn.run('ROLLBACK').catch(() => undefined);
      for (const id of recorded) state.dedup.forget(tableKey, id);
      throw err;
    }
    state.stats.rowsInserted += toWrite.length;
  });
  return ok({ kind: 'bigquery#tableDataInsertAllResponse', ...(insertErrors.length > 0 ? { insertErrors } : {}) });
};
