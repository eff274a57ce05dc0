// Load jobs (configuration.load) from an uploaded file or a gs:// URI under
// --gcs-dir: NEWLINE_DELIMITED_JSON, CSV (with its options), PARQUET, AVRO.
// The schema is the configuration's, the table's, the file's own (Parquet,
// Avro) or detected (autodetect). Every row goes through the same checks as
// insertAll; bad rows are counted against maxBadRecords (default 0) as
// BigQuery does: within it the job succeeds with the errors listed in
// status.errors and statistics.load.badRecords, past it the job fails and
// writes nothing. Rows land in one transaction, by writeDisposition (default
// WRITE_APPEND) and createDisposition.
import type { DuckDBValue } from '@duckdb/node-api';
import { appendRows } from './append.js';
import { BqError, invalid } from './errors.js';
import type { JobOutcome } from './job-store.js';
import { csvOptionsOf, decodeCsv, parseCsv } from './load-csv.js';
import { readAvro, readParquet } from './load-columnar.js';
import { detectCsvSchema, detectJsonSchema } from './load-detect.js';
import { convertRow, FieldError } from './row-convert.js';
import { normalizeFields, type TableFieldSchema } from './schema-types.js';
import type { EmulatorState } from './state.js';
import { destinationOf, prepareDestination, writeInTransaction } from './table-write.js';

const FORMATS = ['CSV', 'NEWLINE_DELIMITED_JSON', 'PARQUET', 'AVRO'] as const;
type Format = (typeof FORMATS)[number];

/** One input row: its values by field name, or CSV cells by position, and where it starts. */
interface InputRow {
  json?: Record<string, unknown>;
  cells?: { values: string[]; quoted: boolean[] };
  position: number;
}

interface Parsed {
  rows: InputRow[];
  /** Rows that could not even be read (bad JSON, broken CSV quoting). */
  unreadable: { position: number; message: string }[];
  /** The file's own schema (Parquet, Avro), or the detected one. */
  fileFields?: TableFieldSchema[];
}

function formatOf(conf: Record<string, unknown>): Format {
  const f = String(conf['sourceFormat'] ?? 'CSV').toUpperCase();
  if (!(FORMATS as readonly string[]).includes(f)) throw invalid(`Load jobs of sourceFormat ${f} are not supported by the BigQuery emulator (CSV, NEWLINE_DELIMITED_JSON, PARQUET, AVRO are)`);
  return f as Format;
}

function parseNdjson(data: Buffer, autodetect: boolean): Parsed {
  const text = data.toString('utf8');
  const rows: InputRow[] = [];
  const unreadable: Parsed['unreadable'] = [];
  let pos = 0;
  for (const line of text.split('\n')) {
    const start = pos;
    pos += Buffer.byteLength(line, 'utf8') + 1;
    if (line.trim() === '') continue;
    try {
      const v = JSON.parse(line) as unknown;
      if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('a row must be a JSON object');
      rows.push({ json: v as Record<string, unknown>, position: start });
    } catch (err) {
      unreadable.push({ position: start, message: `Error while reading data, error message: JSON parsing error in row starting at position ${start}: ${err instanceof Error ? err.message : String(err)}` });
    }
  }
  return { rows, unreadable, ...(autodetect ? { fileFields: detectJsonSchema(rows.map((r) => r.json!)) } : {}) };
}

function parseCsvLoad(data: Buffer, conf: Record<string, unknown>, autodetect: boolean): Parsed {
  const skip = Number(conf['skipLeadingRows'] ?? 0);
  if (!Number.isSafeInteger(skip) || skip < 0) throw invalid(`Invalid value for skipLeadingRows: ${String(conf['skipLeadingRows'])}`);
  const { records, errors } = parseCsv(decodeCsv(data, conf['encoding']), csvOptionsOf(conf));
  const header = skip > 0 ? records[skip - 1]?.fields : undefined;
  let body = records.slice(skip);
  let fileFields: TableFieldSchema[] | undefined;
  if (autodetect) {
    const d = detectCsvSchema(body.map((r) => r.fields), header);
    fileFields = d.fields;
    if (d.headerDetected) body = body.slice(1);
  }
  return {
    rows: body.map((r) => ({ cells: { values: r.fields, quoted: r.quoted }, position: r.position })),
    unreadable: errors.map((e) => ({ position: e.position, message: `Error while reading data, error message: ${e.message}; line starting at position ${e.position}` })),
    ...(fileFields ? { fileFields } : {}),
  };
}

async function parse(format: Format, data: Buffer, conf: Record<string, unknown>): Promise<Parsed> {
  const autodetect = conf['autodetect'] === true && !conf['schema'];
  if (format === 'NEWLINE_DELIMITED_JSON') return parseNdjson(data, autodetect);
  if (format === 'CSV') return parseCsvLoad(data, conf, autodetect);
  const file = format === 'PARQUET' ? await readParquet(data) : await readAvro(data, conf['useAvroLogicalTypes'] === true);
  return { rows: file.rows.map((json, i) => ({ json, position: i })), unreadable: [], fileFields: file.fields };
}

/** CSV cells by position -> an insertAll-shaped object; empty unquoted cells (or nullMarker) are NULL. */
function csvObject(cells: { values: string[]; quoted: boolean[] }, fields: TableFieldSchema[], conf: Record<string, unknown>, position: number): Record<string, unknown> {
  const nullMarker = typeof conf['nullMarker'] === 'string' ? conf['nullMarker'] : '';
  if (cells.values.length > fields.length && conf['ignoreUnknownValues'] !== true) {
    throw new FieldError('', `Too many values in row starting at position: ${position}. Found ${cells.values.length} column(s) while expected ${fields.length}.`);
  }
  if (cells.values.length < fields.length && conf['allowJaggedRows'] !== true) {
    throw new FieldError('', `Missing value(s) in row starting at position: ${position}. Found ${cells.values.length} column(s) while expected ${fields.length}.`);
  }
  const out: Record<string, unknown> = {};
  fields.forEach((f, i) => {
    const v = cells.values[i];
    if (f.type === 'RECORD' || f.mode === 'REPEATED') throw new FieldError(f.name, `CSV cannot load into the nested or repeated field ${f.name}`);
    out[f.name] = v === undefined || (!cells.quoted[i] && v === nullMarker) ? null : v;
  });
  return out;
}

/** The files of one load: an upload, or the gs:// files under --gcs-dir. */
export async function runLoadJob(state: EmulatorState, project: string, conf: Record<string, unknown>, files: Buffer[], signal: AbortSignal): Promise<JobOutcome> {
  const format = formatOf(conf);
  const maxBad = Number(conf['maxBadRecords'] ?? 0);
  if (!Number.isSafeInteger(maxBad) || maxBad < 0) throw invalid(`Invalid value for maxBadRecords: ${String(conf['maxBadRecords'])}`);
  const dest = destinationOf(project, conf['destinationTable'], conf, 'WRITE_APPEND', 'destinationTable');
  const given = conf['schema'] as { fields?: unknown } | undefined;
  const parts = await Promise.all(files.map((f) => parse(format, f, conf)));
  const parsed: Parsed = { rows: parts.flatMap((p) => p.rows), unreadable: parts.flatMap((p) => p.unreadable), ...(parts[0]?.fileFields ? { fileFields: parts[0].fileFields } : {}) };
  const existing = state.catalog.getTable(dest.ref.project, dest.ref.dataset, dest.ref.table);
  // The configuration's schema wins; a self-describing file or autodetect gives one to a new or truncated table.
  const newFields = given?.fields ? normalizeFields(given.fields) : parsed.fileFields && (!existing || dest.writeDisposition === 'WRITE_TRUNCATE') ? parsed.fileFields : undefined;
  if (!newFields && !existing) throw invalid('No schema specified on job or table.');
  signal.throwIfAborted();

  const fields = newFields ?? existing!.fields;
  const ignoreUnknown = conf['ignoreUnknownValues'] === true;
  const errors: BqError[] = parsed.unreadable.map((u) => new BqError(400, 'invalid', u.message));
  const values: DuckDBValue[][] = [];
  for (const row of parsed.rows) {
    try {
      const json = row.cells ? csvObject(row.cells, fields, conf, row.position) : row.json!;
      values.push(convertRow(fields, json, ignoreUnknown));
    } catch (err) {
      if (!(err instanceof FieldError)) throw err;
      const where = err.location ? ` for field ${err.location}` : '';
      errors.push(new BqError(400, 'invalid', `Error while reading data, error message: ${err.message}${where}; row starting at position ${row.position}`, err.location || undefined));
    }
  }
  const label = format === 'NEWLINE_DELIMITED_JSON' ? 'JSON' : format;
  if (errors.length > maxBad) {
    const summary = new BqError(400, 'invalid', `Error while reading data, error message: ${label} table encountered too many errors, giving up. Rows: ${parsed.rows.length + parsed.unreadable.length}; errors: ${errors.length}; max bad: ${maxBad}. Please look into the errors[] collection for more details.`);
    // status.errors carries the summary and the rows' errors, as BigQuery reports them.
    summary.details = errors.slice(0, 100);
    throw summary;
  }
  const target = await prepareDestination(state, dest, fields);
  const now = Date.now();
  await writeInTransaction(state, target, async (conn) => {
    if (values.length > 0) await appendRows(conn, target.table, values, now);
  }, signal);
  state.stats.rowsInserted += values.length;
  return {
    warnings: errors,
    statistics: { inputFiles: String(files.length), inputFileBytes: String(files.reduce((n, f) => n + f.length, 0)), outputRows: String(values.length), outputBytes: String(values.length * 8 * Math.max(1, fields.length)), badRecords: String(errors.length) },
  };
}
