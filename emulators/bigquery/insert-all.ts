// tabledata.insertAll: validate every row against the schema (insertErrors in
// BigQuery's shape), drop rows whose insertId was seen in the de-dup window,
// then append the batch with DuckDB's appender under the write lock (with
// --data, together with the batch's insertIds in one transaction).
import { DuckDBDateValue, DuckDBTimestampTZValue, DuckDBTypeId, type DuckDBAppender, type DuckDBConnection, type DuckDBType, type DuckDBValue } from '@duckdb/node-api';
import type { TableMeta } from './catalog.js';
import { invalid } from './errors.js';
import { qstr } from './engine.js';
import { convertRow, FieldError, type RowError } from './row-convert.js';
import { ok, type Handler } from './state.js';
import { requireTable } from './tables.js';

interface InsertRow {
  insertId?: string;
  json?: unknown;
}

const MAX_ROWS = 50000;
const DAY_US = 86400000000n;

const orderCache = new Map<string, { version: unknown; order: string[] }>();

type Writer = (app: DuckDBAppender, v: DuckDBValue) => void;

// Typed appends for scalar columns (several times faster than appendValue);
// nested and decimal columns go through appendValue with their type.
function writerFor(t: DuckDBType): Writer {
  switch (t.typeId) {
    case DuckDBTypeId.VARCHAR:
      return (a, v) => a.appendVarchar(v as string);
    case DuckDBTypeId.DOUBLE:
      return (a, v) => a.appendDouble(v as number);
    case DuckDBTypeId.BIGINT:
      return (a, v) => a.appendBigInt(v as bigint);
    case DuckDBTypeId.BOOLEAN:
      return (a, v) => a.appendBoolean(v as boolean);
    case DuckDBTypeId.TIMESTAMP_TZ:
      return (a, v) => a.appendTimestampTZ(v as DuckDBTimestampTZValue);
    case DuckDBTypeId.DATE:
      return (a, v) => a.appendDate(v as DuckDBDateValue);
    default:
      return (a, v) => a.appendValue(v, t);
  }
}

const versionOf = (t: TableMeta): string => `${String(t.resource['creationTime'])}/${String(t.resource['lastModifiedTime'])}/${t.fields.length}`;

async function physicalOrder(conn: DuckDBConnection, t: TableMeta): Promise<string[]> {
  const key = `${t.project}:${t.dataset}.${t.table}`;
  const cached = orderCache.get(key);
  if (cached && cached.version === versionOf(t)) return cached.order;
  const r = await conn.runAndReadAll(
    `SELECT column_name FROM duckdb_columns() WHERE schema_name = ${qstr(`${t.project}.${t.dataset}`)} AND table_name = ${qstr(t.table)} ORDER BY column_index`,
  );
  const order = r.getRows().map((row) => String(row[0]).toLowerCase());
  orderCache.set(key, { version: versionOf(t), order });
  return order;
}

export const insertAll: Handler = async (state, ctx) => {
  const t = requireTable(state, ctx.params['projectId']!, ctx.params['datasetId']!, ctx.params['tableId']!);
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
    const now = BigInt(nowMs) * 1000n;
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
      // Physical column order can differ from the schema (added columns land after the pseudo-columns).
      const order = await physicalOrder(conn, t);
      const pseudo: Record<string, DuckDBValue> = {
        _partitiontime: new DuckDBTimestampTZValue((now / DAY_US) * DAY_US),
        _partitiondate: new DuckDBDateValue(Number(now / DAY_US)),
      };
      const pos = new Map(t.fields.map((f, i) => [f.name.toLowerCase(), i]));
      const identity = order.length === t.fields.length && order.every((name, i) => pos.get(name) === i);
      for (let r = 0; !identity && r < toWrite.length; r++) {
        const values = toWrite[r]!;
        toWrite[r] = order.map((name) => (pos.has(name) ? values[pos.get(name)!]! : (pseudo[name] ?? null)));
      }
      const appender = await conn.createAppender(t.table, `${t.project}.${t.dataset}`);
      try {
        const types = Array.from({ length: appender.columnCount }, (_, i) => appender.columnType(i));
        if (types.length !== toWrite[0]!.length) throw new Error(`column count mismatch for ${qstr(tableKey)}: ${types.length} vs ${toWrite[0]!.length}`);
        const writers = types.map(writerFor);
        for (const values of toWrite) {
          for (let i = 0; i < writers.length; i++) {
            const v = values[i];
            if (v === null || v === undefined) appender.appendNull();
            else writers[i]!(appender, v);
          }
          appender.endRow();
        }
        appender.flushSync();
      } finally {
        appender.closeSync();
      }
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
