// Table rows as Apache Arrow IPC messages, the way the Storage Read API sends
// them: the session carries the schema message (ArrowSchema.serialized_schema),
// each ReadRows response one record batch message; a reader concatenates the
// two (the Node client's ArrowRecordReaderTransform does exactly that). Types
// follow BigQuery's Arrow mapping: INT64 int64, FLOAT64 float64, BOOL bool,
// STRING and JSON utf8, BYTES binary, NUMERIC decimal128(38, 9), TIMESTAMP
// timestamp[us, UTC], DATETIME timestamp[us], DATE date32, TIME time64[us].
// Columns are read from DuckDB already in those units (selectList), so the
// vectors are filled without per-value conversions.
import {
  Binary,
  Bool,
  DateDay,
  Decimal,
  Field,
  Float64,
  Int64,
  makeData,
  RecordBatch,
  Schema,
  Struct,
  Table,
  tableToIPC,
  TimeMicrosecond,
  TimestampMicrosecond,
  Utf8,
  vectorFromArray,
  type DataType,
} from 'apache-arrow';
import type { DuckDBValue } from '@duckdb/node-api';
import { qid } from '../sql/quote.js';
import type { TableFieldSchema } from '../schema-types.js';
import { StorageApiError } from './storage-error.js';
import { status } from '@grpc/grpc-js';

function arrowType(f: TableFieldSchema): DataType {
  if (f.mode === 'REPEATED' || f.type === 'RECORD' || f.type === 'BIGNUMERIC') {
    throw new StorageApiError(status.UNIMPLEMENTED, 'STORAGE_ERROR_CODE_UNSPECIFIED', f.name, `The emulator's Storage Read API does not read ${f.mode === 'REPEATED' ? 'REPEATED' : f.type} columns yet (${f.name}); leave it out with selected_fields`);
  }
  switch (f.type) {
    case 'STRING':
    case 'JSON':
      return new Utf8();
    case 'BYTES':
      return new Binary();
    case 'INTEGER':
      return new Int64();
    case 'FLOAT':
      return new Float64();
    case 'BOOLEAN':
      return new Bool();
    case 'NUMERIC':
      return new Decimal(9, 38, 128);
    case 'TIMESTAMP':
      return new TimestampMicrosecond('UTC');
    case 'DATETIME':
      return new TimestampMicrosecond();
    case 'DATE':
      return new DateDay();
    case 'TIME':
      return new TimeMicrosecond();
    default:
      throw new StorageApiError(status.UNIMPLEMENTED, 'STORAGE_ERROR_CODE_UNSPECIFIED', f.name, `Unsupported column type ${f.type} (${f.name})`);
  }
}

export function arrowSchema(fields: TableFieldSchema[]): Schema {
  return new Schema(fields.map((f) => new Field(f.name, arrowType(f), f.mode !== 'REQUIRED')));
}

/** DuckDB expressions reading each column in the unit its Arrow vector stores. */
export function selectList(fields: TableFieldSchema[]): string {
  return fields
    .map((f) => {
      const c = qid(f.name);
      switch (f.type) {
        case 'TIMESTAMP':
        case 'DATETIME':
          return `epoch_us(${c})`;
        case 'DATE':
          return `CAST(datediff('day', DATE '1970-01-01', ${c}) AS INTEGER)`;
        case 'TIME':
          return `CAST(hour(${c}) AS BIGINT) * 3600000000 + CAST(minute(${c}) AS BIGINT) * 60000000 + CAST(microsecond(${c}) AS BIGINT)`;
        case 'NUMERIC':
          return `CAST(${c} * 1000000000 AS HUGEINT)`;
        case 'JSON':
          return `CAST(${c} AS VARCHAR)`;
        default:
          return c;
      }
    })
    .map((e, i) => `${e} AS ${qid(`c${i}`)}`)
    .join(', ');
}

/** The schema as an IPC stream message (what ArrowSchema.serialized_schema holds). */
export function serializeSchema(schema: Schema): Buffer {
  const ipc = tableToIPC(new Table(schema), 'stream');
  // Drop the end-of-stream marker (continuation 0xFFFFFFFF, length 0): the reader gets batches after it.
  return Buffer.from(ipc.subarray(0, ipc.length - 8));
}

function validity(values: readonly DuckDBValue[]): { bitmap: Uint8Array; nulls: number } {
  const bitmap = new Uint8Array(Math.ceil(values.length / 8));
  let nulls = 0;
  values.forEach((v, i) => {
    if (v === null) nulls++;
    else bitmap[i >> 3]! |= 1 << (i & 7);
  });
  return { bitmap, nulls };
}

function column(type: DataType, values: readonly DuckDBValue[]) {
  const n = values.length;
  const { bitmap, nulls } = validity(values);
  const fixed = <T extends ArrayLike<unknown>>(data: T) => makeData({ type: type as never, length: n, nullCount: nulls, nullBitmap: bitmap, data: data as never });
  if (type instanceof Int64 || type instanceof TimestampMicrosecond || type instanceof TimeMicrosecond) {
    return fixed(BigInt64Array.from(values, (v) => (v === null ? 0n : BigInt(v as bigint | number))));
  }
  if (type instanceof Float64) return fixed(Float64Array.from(values, (v) => (v === null ? 0 : (v as number))));
  if (type instanceof DateDay) return fixed(Int32Array.from(values, (v) => (v === null ? 0 : Number(v))));
  if (type instanceof Decimal) {
    // 128-bit little-endian two's complement per value.
    const words = new Uint32Array(n * 4);
    values.forEach((v, i) => {
      let u = BigInt.asUintN(128, v === null ? 0n : BigInt(v as bigint));
      for (let w = 0; w < 4; w++, u >>= 32n) words[i * 4 + w] = Number(u & 0xffffffffn);
    });
    return fixed(words);
  }
  if (type instanceof Bool) return vectorFromArray(values.map((v) => (v === null ? null : Boolean(v))), new Bool()).data[0]!;
  if (type instanceof Binary) return vectorFromArray(values.map((v) => (v === null ? null : (v as { bytes: Uint8Array }).bytes)), new Binary()).data[0]!;
  return vectorFromArray(values.map((v) => (v === null ? null : String(v))), new Utf8()).data[0]!;
}

/** Rows (in selectList's column order and units) as one record batch message. */
export function serializeBatch(schema: Schema, rows: DuckDBValue[][], schemaBytes: Buffer): Buffer {
  const children = schema.fields.map((f, c) => column(f.type, rows.map((r) => r[c] ?? null)));
  const data = makeData({ type: new Struct(schema.fields), length: rows.length, nullCount: 0, children });
  const ipc = tableToIPC(new Table([new RecordBatch(schema, data)]), 'stream');
  // The stream is the schema message, then the batch, then end-of-stream: keep the batch.
  return Buffer.from(ipc.subarray(schemaBytes.length, ipc.length - 8));
}
