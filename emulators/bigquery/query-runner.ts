// Runs one GoogleSQL statement: DDL on the catalog (ddl.ts); otherwise
// translate, then execute on DuckDB (SELECT on a reader connection, DML under
// the write lock), or only plan it for dryRun. The job's signal (cancel,
// timeout) interrupts the statement under way.
import type { DuckDBValue } from '@duckdb/node-api';
import { tableSql } from './catalog.js';
import { runDdl } from './ddl.js';
import { invalidQuery } from './errors.js';
import type { EmulatorState } from './state.js';
import { isDdl } from './sql/ddl-parse.js';
import { isScript } from './sql/script-parse.js';
import { runScript } from './script.js';
import type { TableTarget } from './sql/translate.js';
import { selectInto } from './query-destination.js';
import { columnsOf, duckError, plannedColumns, translateQuery, type QueryRequest, type QueryResult } from './query-runner-core.js';

export type { QueryRequest, QueryResult } from './query-runner-core.js';

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

export async function runQuery(state: EmulatorState, req: QueryRequest, signal?: AbortSignal): Promise<QueryResult> {
  if (req.useLegacySql !== true && typeof req.query === 'string' && isScript(req.query)) {
    return runScript(state, req, (one, sig) => runStatement(state, one, sig), signal);
  }
  return runStatement(state, req, signal);
}

async function runStatement(state: EmulatorState, req: QueryRequest, signal?: AbortSignal): Promise<QueryResult> {
  if (req.useLegacySql !== true && typeof req.query === 'string' && isDdl(req.query)) {
    if (req.destination) throw invalidQuery('A destinationTable cannot be set for a DDL statement');
    if (req.dryRun) throw invalidQuery('dryRun of DDL statements is not supported by the BigQuery emulator');
    const r = await runDdl(state, req, signal);
    state.log(`ddl: ${r.statementType} ${r.ddlOperationPerformed} ${r.target.project}:${r.target.dataset}.${r.target.table}`);
    return {
      statementType: r.statementType,
      ddlOperationPerformed: r.ddlOperationPerformed,
      ddlTargetTable: { projectId: r.target.project, datasetId: r.target.dataset, tableId: r.target.table },
      columns: [],
      rows: [],
      totalBytesProcessed: 0,
      referencedTables: [],
    };
  }
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
