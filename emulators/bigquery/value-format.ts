// DuckDB result columns -> BigQuery result schema, and values -> the REST
// cell format: every scalar a string, {"v":null}, REPEATED as {"v":[{"v":..}]},
// RECORD as {"v":{"f":[..]}}, TIMESTAMP per formatOptions.
import {
  DuckDBBlobValue,
  DuckDBDateValue,
  DuckDBDecimalValue,
  DuckDBIntervalValue,
  DuckDBListValue,
  DuckDBArrayValue,
  DuckDBStructValue,
  DuckDBTimeValue,
  DuckDBTypeId,
  type DuckDBType,
  type DuckDBValue,
} from '@duckdb/node-api';
import { invalidQuery } from './errors.js';
import type { TableFieldSchema } from './schema-types.js';

export interface ResultColumn {
  field: TableFieldSchema;
  duck: DuckDBType;
}

export type TimestampFormat = 'FLOAT_SECONDS' | 'INT64_MICROS' | 'ISO8601_STRING';

export interface Cell {
  v: string | null | Cell[] | { f: Cell[] };
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

function scalarType(t: DuckDBType, name: string): string {
  switch (t.typeId) {
    case DuckDBTypeId.BOOLEAN:
      return 'BOOLEAN';
    case DuckDBTypeId.TINYINT:
    case DuckDBTypeId.SMALLINT:
    case DuckDBTypeId.INTEGER:
    case DuckDBTypeId.BIGINT:
    case DuckDBTypeId.UTINYINT:
    case DuckDBTypeId.USMALLINT:
    case DuckDBTypeId.UINTEGER:
    case DuckDBTypeId.UBIGINT:
    case DuckDBTypeId.HUGEINT:
    case DuckDBTypeId.UHUGEINT:
    case DuckDBTypeId.SQLNULL:
    case DuckDBTypeId.INTEGER_LITERAL:
      return 'INTEGER';
    case DuckDBTypeId.FLOAT:
    case DuckDBTypeId.DOUBLE:
      return 'FLOAT';
    case DuckDBTypeId.DECIMAL:
      return t.scale > 9 ? 'BIGNUMERIC' : 'NUMERIC';
    case DuckDBTypeId.VARCHAR:
    case DuckDBTypeId.STRING_LITERAL:
      return t.alias === 'JSON' ? 'JSON' : 'STRING';
    case DuckDBTypeId.UUID:
      return 'STRING';
    case DuckDBTypeId.BLOB:
      return 'BYTES';
    case DuckDBTypeId.DATE:
      return 'DATE';
    case DuckDBTypeId.TIME:
      return 'TIME';
    case DuckDBTypeId.TIMESTAMP:
    case DuckDBTypeId.TIMESTAMP_S:
    case DuckDBTypeId.TIMESTAMP_MS:
    case DuckDBTypeId.TIMESTAMP_NS:
      return 'DATETIME';
    case DuckDBTypeId.TIMESTAMP_TZ:
      return 'TIMESTAMP';
    case DuckDBTypeId.INTERVAL:
      return 'INTERVAL';
    default:
      throw invalidQuery(`Column ${name} has a type the BigQuery emulator cannot return: ${t.toString()}`);
  }
}

/** BigQuery field for a DuckDB result column. */
export function fieldFor(name: string, t: DuckDBType): TableFieldSchema {
  if (t.typeId === DuckDBTypeId.LIST || t.typeId === DuckDBTypeId.ARRAY) {
    const inner = t.valueType;
    if (inner.typeId === DuckDBTypeId.LIST || inner.typeId === DuckDBTypeId.ARRAY) {
      throw invalidQuery(`Cannot return an array of arrays (column ${name}); BigQuery does not allow nested arrays`);
    }
    return { ...fieldFor(name, inner), mode: 'REPEATED' };
  }
  if (t.typeId === DuckDBTypeId.STRUCT) {
    return { name, type: 'RECORD', mode: 'NULLABLE', fields: t.entryNames.map((n, i) => fieldFor(n, t.entryTypes[i]!)) };
  }
  return { name, type: scalarType(t, name), mode: 'NULLABLE' };
}

/** Java's Double.toString, which BigQuery's REST API uses for epoch-second floats ("1.7324928E9"). */
export function javaDouble(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? 'Infinity' : '-Infinity';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const ax = Math.abs(x);
  if (ax >= 1e-3 && ax < 1e7) {
    const s = String(x);
    return s.includes('.') || s.includes('e') ? s : `${s}.0`;
  }
  const [mant, exp] = x.toExponential().split('e') as [string, string];
  return `${mant.includes('.') ? mant : `${mant}.0`}E${Number(exp)}`;
}

// FLOAT64 cells use the same Java Double.toString form as BigQuery ("2.0", "1.0E20").
const formatFloat = javaDouble;

function pad(n: number | bigint, w: number): string {
  return String(n).padStart(w, '0');
}

function civil(micros: bigint): { date: string; time: string; frac: string } {
  const ms = Number(micros / 1000n) - (micros % 1000n < 0n ? 1 : 0);
  let us = Number(((micros % 1000000n) + 1000000n) % 1000000n);
  const d = new Date(ms);
  const date = `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)}`;
  const time = `${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}`;
  let frac = '';
  if (us !== 0) {
    frac = `.${pad(us, 6)}`;
    us = 0;
  }
  return { date, time, frac };
}

function timestampMicros(v: DuckDBValue, t: DuckDBType): bigint {
  const micros = (v as { micros?: bigint }).micros;
  if (micros !== undefined) return micros;
  if (t.typeId === DuckDBTypeId.TIMESTAMP_S) return (v as { seconds: bigint }).seconds * 1000000n;
  if (t.typeId === DuckDBTypeId.TIMESTAMP_MS) return (v as { millis: bigint }).millis * 1000n;
  if (t.typeId === DuckDBTypeId.TIMESTAMP_NS) return (v as { nanos: bigint }).nanos / 1000n;
  throw new Error(`not a timestamp: ${String(v)}`);
}

export function formatTimestamp(micros: bigint, fmt: TimestampFormat): string {
  if (fmt === 'INT64_MICROS') return String(micros);
  if (fmt === 'ISO8601_STRING') {
    const c = civil(micros);
    return `${c.date}T${c.time}${c.frac || ''}Z`;
  }
  return javaDouble(Number(micros) / 1e6);
}

function formatDecimal(v: DuckDBDecimalValue): string {
  const s = v.toString();
  return s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s;
}

function formatInterval(v: DuckDBIntervalValue): string {
  const sign = v.months < 0 ? '-' : '';
  const y = Math.trunc(Math.abs(v.months) / 12);
  const m = Math.abs(v.months) % 12;
  const neg = v.micros < 0n;
  const us = neg ? -v.micros : v.micros;
  const h = us / 3600000000n;
  const mi = (us / 60000000n) % 60n;
  const s = (us / 1000000n) % 60n;
  const f = us % 1000000n;
  return `${sign}${y}-${m} ${v.days} ${neg ? '-' : ''}${h}:${mi}:${s}${f ? `.${pad(f, 6).replace(/0+$/, '')}` : ''}`;
}

function scalarString(v: DuckDBValue, t: DuckDBType, field: TableFieldSchema, ts: TimestampFormat): string {
  switch (field.type) {
    case 'INTEGER': {
      const b = typeof v === 'bigint' ? v : BigInt(v as number);
      if (b < INT64_MIN || b > INT64_MAX) throw invalidQuery(`int64 overflow: ${b} does not fit in INT64 (column ${field.name})`);
      return String(b);
    }
    case 'FLOAT':
      return formatFloat(v as number);
    case 'BOOLEAN':
      return v ? 'true' : 'false';
    case 'NUMERIC':
    case 'BIGNUMERIC':
      return formatDecimal(v as DuckDBDecimalValue);
    case 'BYTES':
      return Buffer.from((v as DuckDBBlobValue).bytes).toString('base64');
    case 'DATE':
      return (v as DuckDBDateValue).toString();
    case 'TIME':
      return (v as DuckDBTimeValue).toString();
    case 'DATETIME': {
      const c = civil(timestampMicros(v, t));
      return `${c.date}T${c.time}${c.frac}`;
    }
    case 'TIMESTAMP':
      return formatTimestamp(timestampMicros(v, t), ts);
    case 'INTERVAL':
      return formatInterval(v as DuckDBIntervalValue);
    default:
      return typeof v === 'string' ? v : String(v);
  }
}

/** One cell for a value of a result column (field from fieldFor). */
export function formatCell(v: DuckDBValue, t: DuckDBType, field: TableFieldSchema, ts: TimestampFormat): Cell {
  if (field.mode === 'REPEATED') {
    if (v === null) return { v: [] };
    const items = (v as DuckDBListValue | DuckDBArrayValue).items;
    const inner = (t as { valueType: DuckDBType }).valueType;
    const elemField = { ...field, mode: 'NULLABLE' };
    return {
      v: items.map((x) => {
        if (x === null) throw invalidQuery(`Array cannot have a null element; error in writing field ${field.name}`);
        return formatCell(x, inner, elemField, ts);
      }),
    };
  }
  if (v === null) return { v: null };
  if (field.type === 'RECORD') {
    const entries = (v as DuckDBStructValue).entries;
    const st = t as { entryNames: readonly string[]; entryTypes: readonly DuckDBType[] };
    return { v: { f: (field.fields ?? []).map((f, i) => formatCell(entries[st.entryNames[i]!] ?? null, st.entryTypes[i]!, f, ts)) } };
  }
  return { v: scalarString(v, t, field, ts) };
}

export function formatRow(values: readonly DuckDBValue[], cols: ResultColumn[], ts: TimestampFormat): { f: Cell[] } {
  return { f: cols.map((c, i) => formatCell(values[i] ?? null, c.duck, c.field, ts)) };
}

/** Parses formatOptions (body object or query-string keys) into a timestamp format. */
export function timestampFormatOf(opts: { useInt64Timestamp?: unknown; timestampOutputFormat?: unknown } | undefined): TimestampFormat {
  const fmt = opts?.timestampOutputFormat;
  if (fmt === 'ISO8601_STRING') return 'ISO8601_STRING';
  if (fmt === 'INT64') return 'INT64_MICROS';
  if (fmt === 'FLOAT64') return 'FLOAT_SECONDS';
  const u = opts?.useInt64Timestamp;
  return u === true || u === 'true' ? 'INT64_MICROS' : 'FLOAT_SECONDS';
}

/**
 * A row formatted with INT64_MICROS timestamps, in another timestamp format:
 * jobs keep one formatted copy of their result and re-render only the
 * TIMESTAMP cells of the page a client asks for in another format.
 */
export function retimeRow(row: { f: Cell[] }, fields: readonly TableFieldSchema[], ts: TimestampFormat): { f: Cell[] } {
  if (ts === 'INT64_MICROS') return row;
  return { f: fields.map((f, i) => retimeCell(row.f[i]!, f, ts)) };
}

function retimeCell(cell: Cell, field: TableFieldSchema, ts: TimestampFormat): Cell {
  if (cell.v === null) return cell;
  if (field.mode === 'REPEATED') {
    const elem = { ...field, mode: 'NULLABLE' };
    return { v: (cell.v as Cell[]).map((c) => retimeCell(c, elem, ts)) };
  }
  if (field.type === 'RECORD') return { v: retimeRow(cell.v as { f: Cell[] }, field.fields ?? [], ts) };
  if (field.type === 'TIMESTAMP') return { v: formatTimestamp(BigInt(cell.v as string), ts) };
  return cell;
}

/** Approximate bytes a formatted row holds in memory (strings as UTF-16 plus per-object overhead). */
export function rowBytes(row: { f: Cell[] }): number {
  let n = 16;
  for (const c of row.f) n += cellBytes(c);
  return n;
}

function cellBytes(c: Cell): number {
  const v = c.v;
  if (v === null) return 16;
  if (typeof v === 'string') return 24 + 2 * v.length;
  if (Array.isArray(v)) return v.reduce((s, x) => s + cellBytes(x), 32);
  return 16 + rowBytes(v);
}
