// Logical views through the tables API (tables.insert with view.query): the
// GoogleSQL is translated once, at creation, into a DuckDB view, so queries
// over the view go through the same translator as any other table, and the
// view's schema is its query's result schema.
import { tableSql, type TableMeta } from './catalog.js';
import { invalid, invalidQuery } from './errors.js';
import { duckError, plannedColumns, translateQuery } from './query-runner-core.js';
import { qid } from './sql/quote.js';
import type { EmulatorState } from './state.js';

export async function createView(state: EmulatorState, project: string, dataset: string, table: string, body: Record<string, unknown>): Promise<TableMeta> {
  const view = body['view'] as { query?: unknown; useLegacySql?: unknown } | null;
  if (typeof view !== 'object' || view === null || typeof view.query !== 'string' || view.query.trim() === '') throw invalid('Required parameter is missing: view.query');
  if (view.useLegacySql === true) throw invalidQuery('Legacy SQL views are not supported by the BigQuery emulator: set view.useLegacySql to false');
  const tr = translateQuery(state, { project, query: view.query });
  if (tr.statementType !== 'SELECT') throw invalidQuery(`A view's query must be a SELECT (got ${tr.statementType})`);
  const columns = await state.engine.read((c) => plannedColumns(c, tr.sql)).catch((err: unknown) => {
    throw duckError(err);
  });
  const now = String(Date.now());
  const resource: Record<string, unknown> = { creationTime: now, lastModifiedTime: now };
  for (const k of ['description', 'friendlyName', 'labels', 'expirationTime']) if (body[k] !== undefined) resource[k] = body[k];
  const meta: TableMeta = { project, dataset, table, fields: columns.map((c) => c.field), ingestionTime: false, view: { query: view.query, useLegacySql: false }, resource };
  // Column names by position, so f0_-style names of unnamed expressions are the view's names too.
  const names = columns.map((c) => qid(c.field.name)).join(', ');
  await state.catalog.createView(meta, `SELECT * FROM (${tr.sql}) AS __v(${names})`);
  state.log(`view ${tableSql(meta)}: ${tr.sql}`);
  return meta;
}
