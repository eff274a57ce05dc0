// Parquet and Avro files for load jobs, read in JS (hyparquet, avsc: DuckDB
// has no file access). Both formats describe themselves, so they give the
// schema a new table takes (BigQuery's mapping: Parquet UTF8 and Avro string
// -> STRING, INT32/INT64/int/long -> INTEGER, DOUBLE/FLOAT -> FLOAT, lists
// and arrays -> REPEATED, groups and records -> RECORD; Avro logical types
// only with useAvroLogicalTypes) and rows in the JSON shape insertAll takes
// (timestamps as RFC 3339 text with microseconds, INT64 as strings, bytes as
// base64), so one converter checks every load against the table schema.
import avro from 'avsc';
import { parquetMetadata, parquetReadObjects, parquetSchema, type SchemaTree } from 'hyparquet';
import { invalid } from './errors.js';
import type { TableFieldSchema } from './schema-types.js';
import { formatTimestamp } from './value-format.js';

export interface FileRows {
  fields: TableFieldSchema[];
  rows: Record<string, unknown>[];
}

function dateText(days: number): string {
  return new Date(days * 86400000).toISOString().slice(0, 10);
}

/** Plain JSON values: bigint -> string, bytes -> base64, nested walked. */
function jsonish(v: unknown): unknown {
  if (typeof v === 'bigint') return String(v);
  if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
  if (Array.isArray(v)) return v.map(jsonish);
  if (v !== null && typeof v === 'object' && !(v instanceof Date)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, jsonish(x)]));
  return v;
}

function parquetField(node: SchemaTree): TableFieldSchema {
  const e = node.element;
  const mode = e.repetition_type === 'REQUIRED' ? 'REQUIRED' : e.repetition_type === 'REPEATED' ? 'REPEATED' : 'NULLABLE';
  // A LIST group: <name> (LIST) -> repeated group list -> element.
  if (e.converted_type === 'LIST' || e.logical_type?.type === 'LIST') {
    const item = node.children[0]?.children[0] ?? node.children[0];
    if (!item) throw invalid(`Parquet column ${e.name}: empty LIST`);
    return { ...parquetField(item), name: e.name, mode: 'REPEATED' };
  }
  if (node.children.length > 0) return { name: e.name, type: 'RECORD', mode, fields: node.children.map(parquetField) };
  const logical = e.logical_type?.type;
  let type: string;
  if (logical === 'TIMESTAMP' || e.converted_type === 'TIMESTAMP_MICROS' || e.converted_type === 'TIMESTAMP_MILLIS') type = 'TIMESTAMP';
  else if (logical === 'DATE' || e.converted_type === 'DATE') type = 'DATE';
  else if (logical === 'DECIMAL' || e.converted_type === 'DECIMAL') type = 'NUMERIC';
  else if (logical === 'JSON' || e.converted_type === 'JSON') type = 'JSON';
  else if (logical === 'STRING' || e.converted_type === 'UTF8' || e.converted_type === 'ENUM') type = 'STRING';
  else if (e.type === 'BOOLEAN') type = 'BOOLEAN';
  else if (e.type === 'INT32' || e.type === 'INT64') type = 'INTEGER';
  else if (e.type === 'FLOAT' || e.type === 'DOUBLE') type = 'FLOAT';
  else if (e.type === 'BYTE_ARRAY' || e.type === 'FIXED_LEN_BYTE_ARRAY') type = 'BYTES';
  else throw invalid(`Parquet column ${e.name} has a type the BigQuery emulator cannot load: ${String(e.type)}`);
  return { name: e.name, type, mode };
}

export async function readParquet(data: Buffer): Promise<FileRows> {
  const file = data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer;
  let metadata;
  try {
    metadata = parquetMetadata(file);
  } catch (err) {
    throw invalid(`Error while reading data, error message: not a Parquet file (${err instanceof Error ? err.message : String(err)})`);
  }
  const fields = parquetSchema(metadata).children.map(parquetField);
  const rows = (await parquetReadObjects({
    file,
    metadata,
    parsers: {
      timestampFromMicroseconds: (us: bigint) => formatTimestamp(us, 'ISO8601_STRING'),
      timestampFromMilliseconds: (ms: bigint) => formatTimestamp(ms * 1000n, 'ISO8601_STRING'),
      timestampFromNanoseconds: (ns: bigint) => formatTimestamp(ns / 1000n, 'ISO8601_STRING'),
      dateFromDays: dateText,
      jsonFromBytes: (b: Uint8Array) => b && Buffer.from(b).toString('utf8'),
    },
  })) as Record<string, unknown>[];
  return { fields, rows: rows.map((r) => jsonish(r) as Record<string, unknown>) };
}

type AvroSchema = string | { type: string | AvroSchema[] | AvroSchema; name?: string; fields?: { name: string; type: AvroSchema }[]; items?: AvroSchema; logicalType?: string; symbols?: string[] } | AvroSchema[];

const AVRO_SCALARS: Record<string, string> = { string: 'STRING', bytes: 'BYTES', fixed: 'BYTES', int: 'INTEGER', long: 'INTEGER', float: 'FLOAT', double: 'FLOAT', boolean: 'BOOLEAN', enum: 'STRING' };
const AVRO_LOGICAL: Record<string, string> = { 'timestamp-micros': 'TIMESTAMP', 'timestamp-millis': 'TIMESTAMP', date: 'DATE', 'time-micros': 'TIME', 'time-millis': 'TIME', decimal: 'NUMERIC' };

function avroField(name: string, schema: AvroSchema, logical: boolean): TableFieldSchema {
  if (Array.isArray(schema)) {
    const rest = schema.filter((s) => s !== 'null');
    if (rest.length !== 1) throw invalid(`Avro field ${name}: unions other than [null, T] are not supported by the BigQuery emulator`);
    const f = avroField(name, rest[0]!, logical);
    return { ...f, mode: f.mode === 'REPEATED' ? 'REPEATED' : 'NULLABLE' };
  }
  if (typeof schema === 'string') {
    const type = AVRO_SCALARS[schema];
    if (!type) throw invalid(`Avro field ${name}: type ${schema} is not supported by the BigQuery emulator`);
    return { name, type, mode: 'REQUIRED' };
  }
  if (logical && schema.logicalType && AVRO_LOGICAL[schema.logicalType]) return { name, type: AVRO_LOGICAL[schema.logicalType]!, mode: 'REQUIRED' };
  if (schema.type === 'record') return { name, type: 'RECORD', mode: 'REQUIRED', fields: (schema.fields ?? []).map((f) => avroField(f.name, f.type, logical)) };
  if (schema.type === 'array') return { ...avroField(name, schema.items!, logical), mode: 'REPEATED' };
  return avroField(name, schema.type as AvroSchema, logical);
}

/** Avro values for a field, in insertAll's JSON shape (logical types per useAvroLogicalTypes). */
function avroValue(v: unknown, f: TableFieldSchema, schema: AvroSchema, logical: boolean): unknown {
  if (v === null || v === undefined) return null;
  if (Array.isArray(schema)) return avroValue(v, f, schema.find((s) => s !== 'null')!, logical);
  if (f.mode === 'REPEATED' && typeof schema === 'object' && schema.type === 'array') return (v as unknown[]).map((x) => avroValue(x, { ...f, mode: 'NULLABLE' }, schema.items!, logical));
  if (f.type === 'RECORD' && typeof schema === 'object') {
    const s = schema.type === 'record' ? schema : (schema.type as { fields?: { name: string; type: AvroSchema }[] });
    return Object.fromEntries((s.fields ?? []).map((sf, i) => [sf.name, avroValue((v as Record<string, unknown>)[sf.name], f.fields![i]!, sf.type, logical)]));
  }
  const lt = typeof schema === 'object' ? schema.logicalType : undefined;
  if (logical && lt === 'timestamp-micros') return formatTimestamp(BigInt(v as number), 'ISO8601_STRING');
  if (logical && lt === 'timestamp-millis') return formatTimestamp(BigInt(v as number) * 1000n, 'ISO8601_STRING');
  if (logical && lt === 'date') return dateText(v as number);
  return jsonish(v);
}

export async function readAvro(data: Buffer, useLogicalTypes: boolean): Promise<FileRows> {
  const decoder = new avro.streams.BlockDecoder({ noDecode: false });
  let schema: AvroSchema | undefined;
  const records: unknown[] = [];
  const done = new Promise<void>((resolve, reject) => {
    // The writer's schema as the header has it: avsc's own Type drops logicalType attributes it has no class for.
    decoder.on('metadata', (_type: unknown, _codec: unknown, header: { meta: Record<string, Buffer> }) => (schema = JSON.parse(header.meta['avro.schema']!.toString('utf8')) as AvroSchema));
    decoder.on('data', (r: unknown) => records.push(r));
    decoder.on('end', resolve);
    decoder.on('error', (err: Error) => reject(invalid(`Error while reading data, error message: not a readable Avro file (${err.message})`)));
  });
  decoder.end(data);
  await done;
  if (!schema || typeof schema !== 'object' || Array.isArray(schema) || schema.type !== 'record') throw invalid('Error while reading data, error message: the Avro file does not hold records');
  const top = schema;
  const fields = (top.fields ?? []).map((f) => avroField(f.name, f.type, useLogicalTypes));
  const rows = records.map((r) => Object.fromEntries((top.fields ?? []).map((sf, i) => [sf.name, avroValue((r as Record<string, unknown>)[sf.name], fields[i]!, sf.type, useLogicalTypes)])));
  return { fields, rows };
}
