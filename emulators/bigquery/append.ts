// Appending insertAll's converted rows to a DuckDB table.
//
// Tables whose columns are all flat scalars (the usual streaming table) go in
// as data chunks: each column's vector is filled in JS and handed to DuckDB
// with one copy per column (one call per string for VARCHAR). The per-value
// appender makes one native call per value and, for TIMESTAMP, DECIMAL and
// other typed values, builds a native Value object per value first; on the
// readings table the chunks spend about 40% less time in DuckDB's API.
// Tables with LIST or STRUCT columns keep the per-value appender (nested
// values through appendValue), the path the nested/repeated tests cover; both
// paths store identical values for every scalar type (checked column by
// column, NULLs and pseudo-columns included).
import {
  DuckDBDataChunk,
  DuckDBDateValue,
  DuckDBTimestampTZValue,
  DuckDBTypeId,
  DuckDBVector,
  type DuckDBAppender,
  type DuckDBConnection,
  type DuckDBType,
  type DuckDBValue,
} from '@duckdb/node-api';
import { tableSql, type TableMeta } from './catalog.js';
import { qstr } from './sql/quote.js';

const DAY_US = 86400000000n;

/** How the DuckDB table's physical columns line up with the schema. */
export interface TableLayout {
  /** Per physical column: the schema field's index, or -1 (pseudo-column, or a column the schema lacks). */
  source: number[];
  /** Per physical column: its lower-cased name (identifies the pseudo-columns). */
  names: string[];
  types: DuckDBType[];
  /** Every column a flat scalar type: the rows go in as data chunks. */
  columnar: boolean;
}

// Scalar vector types whose setItem takes exactly the values row-convert.ts produces.
const CHUNK_TYPES = new Set<DuckDBTypeId>([
  DuckDBTypeId.VARCHAR,
  DuckDBTypeId.DOUBLE,
  DuckDBTypeId.BIGINT,
  DuckDBTypeId.BOOLEAN,
  DuckDBTypeId.TIMESTAMP_TZ,
  DuckDBTypeId.TIMESTAMP,
  DuckDBTypeId.DATE,
  DuckDBTypeId.TIME,
  DuckDBTypeId.BLOB,
  DuckDBTypeId.DECIMAL,
]);

// Keyed by the TableMeta object: tables.insert and tables.patch always make a
// new one, so a recreated or altered table never sees a stale layout.
const layouts = new WeakMap<TableMeta, TableLayout>();

async function physicalNames(conn: DuckDBConnection, t: TableMeta): Promise<string[]> {
  // Physical column order can differ from the schema (added columns land after
  // the pseudo-columns). pragma_table_info reads the one table; duckdb_columns()
  // lists every column of every table first (2 ms with a few hundred tables,
  // paid on each table's first insert).
  const r = await conn.runAndReadAll(`SELECT name FROM pragma_table_info(${qstr(tableSql(t))}) ORDER BY cid`);
  return r.getRows().map((row) => String(row[0]).toLowerCase());
}

function buildLayout(t: TableMeta, names: string[], appender: DuckDBAppender): TableLayout {
  const pos = new Map(t.fields.map((f, i) => [f.name.toLowerCase(), i]));
  const types = Array.from({ length: appender.columnCount }, (_, i) => appender.columnType(i));
  return { source: names.map((n) => pos.get(n) ?? -1), names, types, columnar: types.every((ty) => CHUNK_TYPES.has(ty.typeId)) };
}

/** Values of the columns that are not in the schema: the ingestion-time pseudo-columns, else NULL. */
function extraValues(layout: TableLayout, nowMs: number): DuckDBValue[] {
  const now = BigInt(nowMs) * 1000n;
  return layout.names.map((name, c) => {
    if (layout.source[c]! >= 0) return null;
    if (name === '_partitiontime') return new DuckDBTimestampTZValue((now / DAY_US) * DAY_US);
    if (name === '_partitiondate') return new DuckDBDateValue(Number(now / DAY_US));
    return null;
  });
}

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

function appendChunks(appender: DuckDBAppender, layout: TableLayout, rows: DuckDBValue[][], extra: DuckDBValue[]): void {
  const max = DuckDBVector.standardSize();
  const { source, types } = layout;
  for (let start = 0; start < rows.length; start += max) {
    const n = Math.min(max, rows.length - start);
    const chunk = DuckDBDataChunk.create(types, n);
    for (let c = 0; c < types.length; c++) {
      const vector = chunk.getColumnVector(c);
      const s = source[c]!;
      for (let r = 0; r < n; r++) vector.setItem(r, s >= 0 ? (rows[start + r]![s] ?? null) : extra[c]!);
      vector.flush();
    }
    appender.appendDataChunk(chunk);
  }
}

function appendPerValue(appender: DuckDBAppender, layout: TableLayout, rows: DuckDBValue[][], extra: DuckDBValue[]): void {
  const { source } = layout;
  const writers = layout.types.map(writerFor);
  for (const values of rows) {
    for (let c = 0; c < writers.length; c++) {
      const s = source[c]!;
      const v = s >= 0 ? values[s] : extra[c];
      if (v === null || v === undefined) appender.appendNull();
      else writers[c]!(appender, v);
    }
    appender.endRow();
  }
}

/** Appends rows (values in schema order) to t and flushes; the caller owns the transaction. */
export async function appendRows(conn: DuckDBConnection, t: TableMeta, rows: DuckDBValue[][], nowMs: number): Promise<void> {
  let layout = layouts.get(t);
  // Read before the appender opens: no other statement runs on the connection while it is open.
  const names = layout ? undefined : await physicalNames(conn, t);
  const appender = await conn.createAppender(t.table, `${t.project}.${t.dataset}`);
  try {
    if (!layout) layouts.set(t, (layout = buildLayout(t, names!, appender)));
    if (layout.types.length !== appender.columnCount || layout.names.length !== layout.types.length) {
      throw new Error(`column count mismatch for ${qstr(t.table)}: ${appender.columnCount} vs ${layout.names.length}`);
    }
    const extra = extraValues(layout, nowMs);
    if (layout.columnar) appendChunks(appender, layout, rows, extra);
    else appendPerValue(appender, layout, rows, extra);
    appender.flushSync();
  } catch (err) {
    // closeSync flushes: drop what a failed batch left buffered so none of it lands.
    appender.clear();
    throw err;
  } finally {
    appender.closeSync();
  }
}
