// Where a query, load or copy job writes: the destination table resolved by
// createDisposition (CREATE_IF_NEEDED, the default, or CREATE_NEVER) and
// prepared by writeDisposition (WRITE_APPEND, WRITE_TRUNCATE, WRITE_EMPTY),
// as BigQuery's JobConfiguration describes them. The job then fills it inside
// one transaction, so a failed write leaves the table as it was.
import type { DuckDBConnection } from '@duckdb/node-api';
import { tableSql, type TableMeta } from './catalog.js';
import { BqError, datasetNotFound, invalid, tableNotFound } from './errors.js';
import { normalizeFields, type TableFieldSchema } from './schema-types.js';
import type { EmulatorState } from './state.js';

export interface TableRef {
  projectId?: string;
  datasetId: string;
  tableId: string;
}

export type WriteDisposition = 'WRITE_APPEND' | 'WRITE_TRUNCATE' | 'WRITE_EMPTY';

export interface Destination {
  ref: { project: string; dataset: string; table: string };
  createDisposition: 'CREATE_IF_NEEDED' | 'CREATE_NEVER';
  writeDisposition: WriteDisposition;
  /** Table properties a new table gets (timePartitioning, clustering, ...). */
  resource?: Record<string, unknown>;
}

const TABLE_ID_RE = /^[\p{L}\p{M}\p{N}\p{Pc}\p{Pd}\p{Zs}]{1,1024}$/u;

export function destinationOf(project: string, raw: unknown, conf: Record<string, unknown>, defaultWrite: WriteDisposition, what: string): Destination {
  const ref = raw as Partial<TableRef> | undefined;
  if (typeof ref !== 'object' || ref === null || typeof ref.datasetId !== 'string' || typeof ref.tableId !== 'string') throw invalid(`Required parameter is missing: ${what}`);
  if (!TABLE_ID_RE.test(ref.tableId)) throw invalid(`Invalid table ID "${ref.tableId.slice(0, 100)}".`);
  const create = conf['createDisposition'] ?? 'CREATE_IF_NEEDED';
  const write = conf['writeDisposition'] ?? defaultWrite;
  if (create !== 'CREATE_IF_NEEDED' && create !== 'CREATE_NEVER') throw invalid(`Invalid value for createDisposition: ${String(create)}`);
  if (write !== 'WRITE_APPEND' && write !== 'WRITE_TRUNCATE' && write !== 'WRITE_EMPTY') throw invalid(`Invalid value for writeDisposition: ${String(write)}`);
  const resource: Record<string, unknown> = {};
  for (const k of ['timePartitioning', 'clustering', 'rangePartitioning']) if (conf[k] !== undefined) resource[k] = conf[k];
  return { ref: { project: typeof ref.projectId === 'string' && ref.projectId !== '' ? ref.projectId : project, dataset: ref.datasetId, table: ref.tableId }, createDisposition: create, writeDisposition: write, resource };
}

async function rowCount(conn: DuckDBConnection, t: TableMeta): Promise<number> {
  return Number((await conn.runAndReadAll(`SELECT count(*) FROM ${tableSql(t)}`)).getRows()[0]![0]);
}

function sameSchema(a: TableFieldSchema[], b: TableFieldSchema[]): boolean {
  const shape = (fs: TableFieldSchema[]): unknown => fs.map((f) => [f.name.toLowerCase(), f.type, f.mode === 'REPEATED', f.fields ? shape(f.fields) : null]);
  return JSON.stringify(shape(a)) === JSON.stringify(shape(b));
}

/**
 * Resolves (creating if allowed) the destination with `fields` as the schema
 * a new or truncated table takes (undefined: keep the table's). Returns the
 * table and whether its rows must be deleted in the write's transaction.
 */
export async function prepareDestination(state: EmulatorState, dest: Destination, fields: TableFieldSchema[] | undefined): Promise<{ table: TableMeta; truncate: boolean }> {
  const { project, dataset, table } = dest.ref;
  if (!state.catalog.getDataset(project, dataset)) throw datasetNotFound(project, dataset);
  const existing = state.catalog.getTable(project, dataset, table);
  if (existing?.view) throw invalid(`Cannot write to ${project}:${dataset}.${table}: it is a view`);
  if (existing?.snapshot) throw invalid(`Cannot write to ${project}:${dataset}.${table}: table snapshots are read-only`);
  if (!existing) {
    if (dest.createDisposition === 'CREATE_NEVER') throw tableNotFound(project, dataset, table);
    if (!fields) throw invalid('No schema specified on job or table.');
    return { table: await createTable(state, dest, normalizeFields(fields)), truncate: false };
  }
  if (dest.writeDisposition === 'WRITE_EMPTY') {
    const n = await state.engine.read((c) => rowCount(c, existing));
    if (n > 0) throw new BqError(409, 'duplicate', `Already Exists: Table ${project}:${dataset}.${table}`);
  }
  if (dest.writeDisposition === 'WRITE_TRUNCATE' && fields && !sameSchema(existing.fields, normalizeFields(fields))) {
    // BigQuery replaces the schema on truncation: the table is made anew with the new one.
    await state.catalog.deleteTable(existing);
    state.dedup.dropTable(`${project}:${dataset}.${table}`);
    const props = Object.fromEntries(Object.entries(existing.resource).filter(([k]) => k !== 'lastModifiedTime'));
    return { table: await createTable(state, { ...dest, resource: { ...props, ...dest.resource } }, normalizeFields(fields)), truncate: false };
  }
  return { table: existing, truncate: dest.writeDisposition === 'WRITE_TRUNCATE' };
}

async function createTable(state: EmulatorState, dest: Destination, fields: TableFieldSchema[]): Promise<TableMeta> {
  const now = String(Date.now());
  const tp = dest.resource?.['timePartitioning'] as { field?: string } | undefined;
  const meta: TableMeta = { ...dest.ref, fields, ingestionTime: !!tp && !tp.field, resource: { ...dest.resource, creationTime: now, lastModifiedTime: now } };
  await state.catalog.createTable(meta);
  return meta;
}

/** Runs fill inside one transaction on the writer, after deleting the rows when truncating. */
export async function writeInTransaction<T>(state: EmulatorState, target: { table: TableMeta; truncate: boolean }, fill: (conn: DuckDBConnection) => Promise<T>, signal?: AbortSignal): Promise<T> {
  return state.engine.write(async (conn) => {
    await conn.run('BEGIN TRANSACTION');
    try {
      if (target.truncate) await conn.run(`DELETE FROM ${tableSql(target.table)}`);
      const out = await fill(conn);
      await conn.run('COMMIT');
      return out;
    } catch (err) {
      await conn.run('ROLLBACK').catch(() => undefined);
      throw err;
    }
  }, signal);
}
