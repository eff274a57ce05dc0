// Runs one GoogleSQL statement: translate, then execute on DuckDB (SELECT on a
// reader connection, DML under the write lock), or only plan it for dryRun.
// The job's signal (cancel, timeout) interrupts the statement under way.
import type { DuckDBConnection, DuckDBType, DuckDBValue } from '@duckdb/node-api';
import { tableSql } from './catalog.js';
import { BqError, datasetNotFound, invalidQuery, tableNotFound } from './errors.js';
import type { EmulatorState } from './state.js';
import { ParamResolver, type QueryParameter } from './sql/params.js';
import { GoogleSqlTranslator, type StatementType, type TableTarget } from './sql/translate.js';
import { fieldFor, type ResultColumn } from './value-format.js';
import { selectInto } from './query-destination.js';
import type { Destination } from './table-write.js';

type Translation = ReturnType<GoogleSqlTranslator['translate']>;

export interface QueryRequest {
  project: string;
  query: string;
  defaultDataset?: { projectId?: string; datasetId: string };
  queryParameters?: QueryParameter[];
  parameterMode?: string;
  useLegacySql?: boolean;
  dryRun?: boolean;
  /** configuration.query.destinationTable with its dispositions (SELECT only). */
  destination?: Destination;
}

export interface QueryResult {
  statementType: StatementType;
  columns: ResultColumn[];
  rows: DuckDBValue[][];
  totalBytesProcessed: number;
  numDmlAffectedRows?: number;
  referencedTables: TableTarget[];
}

const IDENT_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Column names as BigQuery gives them: expressions without an alias become f0_, f1_, ... */
function columnsOf(names: string[], types: DuckDBType[]): ResultColumn[] {
  let anon = 0;
  return names.map((n, i) => {
    const name = IDENT_RE.test(n) && !/^(true|false|null)$/i.test(n) ? n : `f${anon++}_`;
    return { field: fieldFor(name, types[i]!), duck: types[i]! };
  });
}

/** The result columns of a statement, from its plan (nothing runs). */
export async function plannedColumns(c: DuckDBConnection, sql: string): Promise<ResultColumn[]> {
  const p = await c.prepare(sql);
  return columnsOf(Array.from({ length: p.columnCount }, (_, i) => p.columnName(i)), Array.from({ length: p.columnCount }, (_, i) => p.columnType(i)));
}

// DuckDB's messages, reshaped toward BigQuery's wording where clients look at them.
export function duckError(err: unknown): BqError {
  if (err instanceof BqError) return err;
  const raw = err instanceof Error ? err.message : String(err);
  const msg = raw.replace(/^(Binder|Parser|Catalog|Conversion|Invalid Input|Out of Range|Not implemented|Constraint|Invalid) Error: /, '').split('\n')[0]!;
  const col = /Referenced column "?([^"\s]+)"? not found/.exec(msg);
  if (col) return invalidQuery(`Unrecognized name: ${col[1]}`);
  if (/^Overflow in|out of range/i.test(msg) && /INT64|BIGINT|int64/i.test(msg)) return invalidQuery(`int64 overflow: ${msg}`);
  if (raw.startsWith('Parser Error')) return invalidQuery(`Syntax error: ${msg}`);
  const nn = /NOT NULL constraint failed: [^.]+\.(\S+)/.exec(msg);
  if (nn) return invalidQuery(`Cannot insert a NULL value into REQUIRED column ${nn[1]}`);
  return invalidQuery(msg);
}

async function estimateBytes(state: EmulatorState, tables: TableTarget[], signal?: AbortSignal): Promise<number> {
  let total = 0;
  for (const t of tables) {
    const meta = state.catalog.getTable(t.project, t.dataset, t.table);
    if (!meta) continue;
    const rows = await state.engine.read(async (c) => Number((await c.runAndReadAll(`SELECT count(*) FROM ${tableSql(meta)}`)).getRows()[0]![0]), signal);
    total += rows * 8 * Math.max(1, meta.fields.length);
  }
  return total;
}

/** GoogleSQL -> DuckDB SQL for one statement (also what a view stores). */
export function translateQuery(state: EmulatorState, req: QueryRequest): Translation {
  if (req.useLegacySql === true) throw invalidQuery('Legacy SQL is not supported by the BigQuery emulator: set useLegacySql to false (bq: --nouse_legacy_sql)');
  if (!req.query || typeof req.query !== 'string') throw invalidQuery('Query text is required');
  const translator = new GoogleSqlTranslator({
    defaultProject: req.project,
    defaultDataset: req.defaultDataset,
    params: new ParamResolver(req.queryParameters ?? [], req.parameterMode),
    resolveTable: (t) => {
      if (!state.catalog.getDataset(t.project, t.dataset)) throw datasetNotFound(t.project, t.dataset);
      const meta = state.catalog.getTable(t.project, t.dataset, t.table);
      if (!meta) throw tableNotFound(t.project, t.dataset, t.table);
      return { sql: tableSql(meta), ingestionTime: meta.ingestionTime };
    },
  });
  return translator.translate(req.query);
}

export async function runQuery(state: EmulatorState, req: QueryRequest, signal?: AbortSignal): Promise<QueryResult> {
  const tr = translateQuery(state, req);
  state.log(`query: ${tr.sql}`);
  const totalBytesProcessed = await estimateBytes(state, tr.tables, signal);
  const base = { statementType: tr.statementType, totalBytesProcessed, referencedTables: tr.tables };
  try {
    if (req.dryRun) {
      return await state.engine.read(async (c) => {
        const columns = await plannedColumns(c, tr.sql);
        return { ...base, columns: tr.statementType === 'SELECT' ? columns : [], rows: [] };
      }, signal);
    }
    if (tr.statementType === 'SELECT' && req.destination) {
      const columns = await state.engine.read((c) => plannedColumns(c, tr.sql), signal);
      return { ...base, columns, rows: await selectInto(state, tr.sql, columns, req.destination, signal) };
    }
    if (req.destination) throw invalidQuery(`A destinationTable can only be set for SELECT queries (this is ${tr.statementType})`);
    if (tr.statementType === 'SELECT') {
      return await state.engine.read(async (c) => {
        const r = await c.runAndReadAll(tr.sql);
        return { ...base, columns: columnsOf(r.columnNames(), r.columnTypes()), rows: r.getRows() as DuckDBValue[][] };
      }, signal);
    }
    state.stats.dmlStatements++;
    return await state.engine.write(async (c) => {
      const r = await c.run(tr.sql);
      return { ...base, columns: [], rows: [], numDmlAffectedRows: Number(r.rowsChanged) };
    }, signal);
  } catch (err) {
    throw duckError(err);
  }
}
