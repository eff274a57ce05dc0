// From a query request to DuckDB SQL and result columns: the translation
// (also what a view stores), the planned result schema and DuckDB's errors in
// BigQuery's words. Kept apart from running, so views and DDL use it too.
import type { DuckDBConnection, DuckDBType, DuckDBValue } from '@duckdb/node-api';
import { tableSql } from './catalog.js';
import { BqError, datasetNotFound, invalidQuery, tableNotFound } from './errors.js';
import { informationSchemaSql } from './information-schema.js';
import type { EmulatorState } from './state.js';
import { ParamResolver, type QueryParameter } from './sql/params.js';
import { GoogleSqlTranslator, type StatementType, type TableTarget } from './sql/translate.js';
import { fieldFor, type ResultColumn } from './value-format.js';
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
  /** SELECT, a DML verb, or a DDL statement type (CREATE_TABLE, DROP_VIEW, ...). */
  statementType: StatementType | string;
  /** DDL: what was done (CREATE, REPLACE, DROP, ALTER, SKIP, TRUNCATE) and to which table. */
  ddlOperationPerformed?: string;
  ddlTargetTable?: { projectId: string; datasetId: string; tableId: string };
  columns: ResultColumn[];
  rows: DuckDBValue[][];
  totalBytesProcessed: number;
  numDmlAffectedRows?: number;
  referencedTables: TableTarget[];
}

const IDENT_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Column names as BigQuery gives them: expressions without an alias become f0_, f1_, ... */
export function columnsOf(names: string[], types: DuckDBType[]): ResultColumn[] {
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

/** GoogleSQL -> DuckDB SQL for one statement (also what a view stores). */
export function translateQuery(state: EmulatorState, req: QueryRequest): Translation {
  if (req.useLegacySql === true) throw invalidQuery('Legacy SQL is not supported by the BigQuery emulator: set useLegacySql to false (bq: --nouse_legacy_sql)');
  if (!req.query || typeof req.query !== 'string') throw invalidQuery('Query text is required');
  const translator = new GoogleSqlTranslator({
    defaultProject: req.project,
    defaultDataset: req.defaultDataset,
    params: new ParamResolver(req.queryParameters ?? [], req.parameterMode),
    informationSchema: (parts) => informationSchemaSql(state, req.project, parts),
    resolveTable: (t) => {
      if (!state.catalog.getDataset(t.project, t.dataset)) throw datasetNotFound(t.project, t.dataset);
      const meta = state.catalog.getTable(t.project, t.dataset, t.table);
      if (!meta) throw tableNotFound(t.project, t.dataset, t.table);
      return { sql: tableSql(meta), ingestionTime: meta.ingestionTime };
    },
  });
  return translator.translate(req.query);
}

