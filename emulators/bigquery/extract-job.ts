// Extract jobs (configuration.extract): a table's rows written to
// gs://bucket/path, which is <--gcs-dir>/bucket/path here, as CSV (default;
// fieldDelimiter, printHeader), NEWLINE_DELIMITED_JSON, AVRO or PARQUET, with
// compression GZIP for CSV and JSON. One file per destination URI; a `*` in
// it becomes the shard number 000000000000, as BigQuery names the first shard.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import type { DuckDBValue } from '@duckdb/node-api';
import avro from 'avsc';
import type { SchemaElement } from 'hyparquet';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { tableSql, type TableMeta } from './catalog.js';
import { invalid } from './errors.js';
import { csvCell, jsonRow } from './export-values.js';
import type { JobOutcome } from './job-store.js';
import { localPathOf } from './local-storage.js';
import { qid } from './sql/quote.js';
import type { TableFieldSchema } from './schema-types.js';
import type { EmulatorState } from './state.js';
import { requireTable } from './tables.js';
import { formatRow, type Cell } from './value-format.js';

type Format = 'CSV' | 'NEWLINE_DELIMITED_JSON' | 'AVRO' | 'PARQUET';
const FORMATS: Format[] = ['CSV', 'NEWLINE_DELIMITED_JSON', 'AVRO', 'PARQUET'];
const nested = (fields: TableFieldSchema[]): boolean => fields.some((f) => f.type === 'RECORD' || f.mode === 'REPEATED');

async function tableRows(state: EmulatorState, t: TableMeta, signal: AbortSignal): Promise<{ f: Cell[] }[]> {
  return state.engine.read(async (c) => {
    const r = await c.runAndReadAll(`SELECT ${t.fields.map((f) => qid(f.name)).join(', ')} FROM ${tableSql(t)} ORDER BY rowid`);
    const cols = t.fields.map((field, i) => ({ field, duck: r.columnTypes()[i]! }));
    return (r.getRows() as DuckDBValue[][]).map((row) => formatRow(row, cols, 'INT64_MICROS'));
  }, signal);
}

function csvFile(rows: { f: Cell[] }[], fields: TableFieldSchema[], conf: Record<string, unknown>): Buffer {
  if (nested(fields)) throw invalid('Operation cannot be performed on a nested schema. Field(s): ' + fields.filter((f) => f.type === 'RECORD' || f.mode === 'REPEATED').map((f) => f.name).join(', '));
  let delimiter = typeof conf['fieldDelimiter'] === 'string' && conf['fieldDelimiter'] !== '' ? conf['fieldDelimiter'] : ',';
  if (delimiter === '\\t' || delimiter.toLowerCase() === 'tab') delimiter = '\t';
  const lines = conf['printHeader'] === false ? [] : [fields.map((f) => f.name).join(delimiter)];
  for (const r of rows) lines.push(r.f.map((c, i) => csvCell(c, fields[i]!, delimiter)).join(delimiter));
  return Buffer.from(lines.map((l) => `${l}\n`).join(''), 'utf8');
}

function avroType(f: TableFieldSchema): unknown {
  let t: unknown;
  switch (f.type) {
    case 'INTEGER':
      t = 'long';
      break;
    case 'FLOAT':
      t = 'double';
      break;
    case 'BOOLEAN':
      t = 'boolean';
      break;
    case 'BYTES':
      t = 'bytes';
      break;
    case 'TIMESTAMP':
      t = { type: 'long', logicalType: 'timestamp-micros' };
      break;
    case 'DATE':
      t = { type: 'int', logicalType: 'date' };
      break;
    case 'RECORD':
      t = { type: 'record', name: `${f.name}_record`, fields: (f.fields ?? []).map((c) => ({ name: c.name, type: avroType(c) })) };
      break;
    default:
      // STRING, NUMERIC, BIGNUMERIC, DATETIME, TIME, JSON: their text.
      t = 'string';
  }
  if (f.mode === 'REPEATED') return { type: 'array', items: t };
  return f.mode === 'REQUIRED' ? t : ['null', t];
}

function avroValue(c: Cell, f: TableFieldSchema): unknown {
  if (f.mode === 'REPEATED') return (c.v as Cell[]).map((x) => avroValue(x, { ...f, mode: 'REQUIRED' }));
  if (c.v === null) return null;
  const v = c.v;
  switch (f.type) {
    case 'INTEGER':
    case 'TIMESTAMP':
      return Number(v as string);
    case 'FLOAT':
      return Number(v as string);
    case 'BOOLEAN':
      return v === 'true';
    case 'BYTES':
      return Buffer.from(v as string, 'base64');
    case 'DATE':
      return Math.round(Date.parse(`${v as string}T00:00:00Z`) / 86400000);
    case 'RECORD':
      return Object.fromEntries((f.fields ?? []).map((sf, i) => [sf.name, avroValue((v as { f: Cell[] }).f[i]!, sf)]));
    default:
      return v;
  }
}

async function avroFile(rows: { f: Cell[] }[], fields: TableFieldSchema[], name: string): Promise<Buffer> {
  const type = avro.Type.forSchema({ type: 'record', name: name.replace(/[^A-Za-z0-9_]/g, '_') || 'Root', fields: fields.map((f) => ({ name: f.name, type: avroType(f) })) } as avro.Schema);
  const encoder = new avro.streams.BlockEncoder(type);
  const chunks: Buffer[] = [];
  encoder.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<void>((resolve, reject) => encoder.on('end', resolve).on('error', reject));
  for (const r of rows) encoder.write(Object.fromEntries(fields.map((f, i) => [f.name, avroValue(r.f[i]!, f)])));
  encoder.end();
  await done;
  return Buffer.concat(chunks);
}

function parquetFile(rows: { f: Cell[] }[], fields: TableFieldSchema[]): Buffer {
  if (nested(fields)) throw invalid('PARQUET extracts of nested or repeated fields are not supported by the BigQuery emulator');
  const columnData = fields.map((f, i) => {
    const cells = rows.map((r) => r.f[i]!.v as string | null);
    const optional: SchemaElement['repetition_type'] = f.mode === 'REQUIRED' ? 'REQUIRED' : 'OPTIONAL';
    const el = (type: SchemaElement['type'], extra: Partial<SchemaElement> = {}): SchemaElement => ({ name: f.name, type, repetition_type: optional, ...extra });
    switch (f.type) {
      case 'INTEGER':
        return { name: f.name, data: cells.map((v) => (v === null ? null : BigInt(v))), schema: el('INT64') };
      case 'FLOAT':
        return { name: f.name, data: cells.map((v) => (v === null ? null : Number(v))), schema: el('DOUBLE') };
      case 'BOOLEAN':
        return { name: f.name, data: cells.map((v) => (v === null ? null : v === 'true')), schema: el('BOOLEAN') };
      case 'TIMESTAMP':
        return { name: f.name, data: cells.map((v) => (v === null ? null : BigInt(v))), schema: el('INT64', { converted_type: 'TIMESTAMP_MICROS' }) };
      case 'DATE':
        return { name: f.name, data: cells.map((v) => (v === null ? null : Math.round(Date.parse(`${v}T00:00:00Z`) / 86400000))), schema: el('INT32', { converted_type: 'DATE' }) };
      case 'BYTES':
        return { name: f.name, data: cells.map((v) => (v === null ? null : new Uint8Array(Buffer.from(v, 'base64')))), schema: el('BYTE_ARRAY') };
      default:
        return { name: f.name, data: cells, schema: el('BYTE_ARRAY', { converted_type: f.type === 'JSON' ? 'JSON' : 'UTF8' }) };
    }
  });
  const buf = parquetWriteBuffer({
    columnData: columnData.map((c) => ({ name: c.name, data: c.data })),
    // The whole schema is given, so NULL-only and empty columns keep their types.
    schema: [{ name: 'root', num_children: columnData.length }, ...columnData.map((c) => c.schema)],
  });
  return Buffer.from(buf);
}

export async function runExtractJob(state: EmulatorState, project: string, conf: Record<string, unknown>, signal: AbortSignal): Promise<JobOutcome> {
  const src = conf['sourceTable'] as { projectId?: string; datasetId?: string; tableId?: string } | undefined;
  if (!src || typeof src.datasetId !== 'string' || typeof src.tableId !== 'string') throw invalid('Required parameter is missing: sourceTable');
  const t = requireTable(state, src.projectId ?? project, src.datasetId, src.tableId);
  if (t.view) throw invalid(`Cannot extract a view: ${t.project}:${t.dataset}.${t.table}`);
  const format = String(conf['destinationFormat'] ?? 'CSV').toUpperCase() as Format;
  if (!FORMATS.includes(format)) throw invalid(`Invalid value for destinationFormat: ${format}`);
  const compression = String(conf['compression'] ?? 'NONE').toUpperCase();
  if (compression !== 'NONE' && !(compression === 'GZIP' && (format === 'CSV' || format === 'NEWLINE_DELIMITED_JSON'))) {
    throw invalid(`Compression ${compression} is not supported by the BigQuery emulator for ${format} extracts (GZIP for CSV and JSON, or NONE)`);
  }
  const uris = (conf['destinationUris'] as unknown[] | undefined) ?? (conf['destinationUri'] !== undefined ? [conf['destinationUri']] : []);
  if (!Array.isArray(uris) || uris.length === 0) throw invalid('Required parameter is missing: destinationUris');
  const files = uris.map((u) => localPathOf(state.gcsDir, typeof u === 'string' ? u.replace('*', '000000000000') : u));
  const rows = await tableRows(state, t, signal);
  const encode = async (part: { f: Cell[] }[]): Promise<Buffer> => {
    let data: Buffer;
    if (format === 'CSV') data = csvFile(part, t.fields, conf);
    else if (format === 'NEWLINE_DELIMITED_JSON') data = Buffer.from(part.map((r) => `${JSON.stringify(jsonRow(r, t.fields))}\n`).join(''), 'utf8');
    else if (format === 'AVRO') data = await avroFile(part, t.fields, t.table);
    else data = parquetFile(part, t.fields);
    return compression === 'GZIP' ? gzipSync(data) : data;
  };
  // All rows go to the first URI; further URIs get a file with no rows (BigQuery spreads
  // rows over the URIs it is given, in no order a reader may rely on).
  const contents = [await encode(rows), ...(files.length > 1 ? [await encode([])] : [])];
  signal.throwIfAborted();
  for (const [i, file] of files.entries()) {
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, contents[Math.min(i, 1)]!);
  }
  return { statistics: { destinationUriFileCounts: files.map(() => '1'), inputBytes: String(rows.length * 8 * Math.max(1, t.fields.length)) } };
}
