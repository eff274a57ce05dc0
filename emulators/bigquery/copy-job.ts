// Copy jobs (configuration.copy): one or more source tables into a
// destination, by writeDisposition (default WRITE_EMPTY) and
// createDisposition; operationType SNAPSHOT makes a read-only table snapshot
// (type SNAPSHOT, snapshotDefinition), RESTORE and CLONE copy like COPY.
// Rows move inside DuckDB, in one transaction.
import type { DuckDBConnection } from '@duckdb/node-api';
import { tableSql, type TableMeta } from './catalog.js';
import { duplicate, invalid } from './errors.js';
import type { JobOutcome } from './job-store.js';
import { qid } from './sql/quote.js';
import type { EmulatorState } from './state.js';
import { requireTable } from './tables.js';
import { destinationOf, prepareDestination, writeInTransaction, type TableRef } from './table-write.js';

const PSEUDO = ['_PARTITIONTIME', '_PARTITIONDATE'];

function sameFields(a: TableMeta, b: TableMeta): boolean {
  const shape = (t: TableMeta): string => JSON.stringify(t.fields.map((f) => [f.name.toLowerCase(), f.type, f.mode, f.fields ?? null]));
  return shape(a) === shape(b);
}

async function copyRows(conn: DuckDBConnection, from: TableMeta, to: TableMeta): Promise<number> {
  const cols = [...from.fields.map((f) => f.name), ...(from.ingestionTime && to.ingestionTime ? PSEUDO : [])].map(qid).join(', ');
  const r = await conn.run(`INSERT INTO ${tableSql(to)} (${cols}) SELECT ${cols} FROM ${tableSql(from)} ORDER BY rowid`);
  return Number(r.rowsChanged);
}

export async function runCopyJob(state: EmulatorState, project: string, conf: Record<string, unknown>, signal: AbortSignal): Promise<JobOutcome> {
  const refs = (conf['sourceTables'] as TableRef[] | undefined) ?? (conf['sourceTable'] ? [conf['sourceTable'] as TableRef] : []);
  if (!Array.isArray(refs) || refs.length === 0) throw invalid('Required parameter is missing: sourceTable');
  const sources = refs.map((r) => {
    if (typeof r?.datasetId !== 'string' || typeof r?.tableId !== 'string') throw invalid('Invalid sourceTable');
    return requireTable(state, r.projectId ?? project, r.datasetId, r.tableId);
  });
  const op = String(conf['operationType'] ?? 'COPY');
  if (!['COPY', 'SNAPSHOT', 'RESTORE', 'CLONE'].includes(op)) throw invalid(`Invalid value for operationType: ${op}`);
  for (const s of sources) {
    if (s.view) throw invalid(`Cannot copy ${s.project}:${s.dataset}.${s.table}: it is a view`);
    if (!sameFields(s, sources[0]!)) throw invalid(`Cannot copy tables with different schemas into one table (${sources[0]!.table} and ${s.table})`);
  }
  if (op === 'SNAPSHOT' && sources.length !== 1) throw invalid('A table snapshot takes exactly one source table');
  if (op === 'RESTORE' && !sources.every((s) => s.snapshot)) throw invalid('operationType RESTORE needs table snapshots as sources');
  const dest = destinationOf(project, conf['destinationTable'], conf, 'WRITE_EMPTY', 'destinationTable');
  const first = sources[0]!;
  const props = { ...(first.resource['timePartitioning'] ? { timePartitioning: first.resource['timePartitioning'] } : {}), ...(first.resource['clustering'] ? { clustering: first.resource['clustering'] } : {}) };
  let target: { table: TableMeta; truncate: boolean };
  if (op === 'SNAPSHOT') {
    const { project: p, dataset: d, table: t } = dest.ref;
    if (state.catalog.getTable(p, d, t)) throw duplicate(`Already Exists: Table ${p}:${d}.${t}`);
    const now = String(Date.now());
    const meta: TableMeta = {
      ...dest.ref,
      fields: first.fields,
      ingestionTime: first.ingestionTime,
      snapshot: { baseTableReference: { projectId: first.project, datasetId: first.dataset, tableId: first.table }, snapshotTime: new Date().toISOString() },
      resource: { ...props, creationTime: now, lastModifiedTime: now },
    };
    await state.catalog.createTable(meta);
    target = { table: meta, truncate: false };
  } else {
    target = await prepareDestination(state, { ...dest, resource: { ...props, ...dest.resource } }, first.fields);
    if (!sameFields(target.table, first) && !target.truncate) throw invalid(`Provided Schema does not match Table ${dest.ref.project}:${dest.ref.dataset}.${dest.ref.table}`);
  }
  const copied = await writeInTransaction(
    state,
    target,
    async (conn) => {
      let n = 0;
      for (const s of sources) n += await copyRows(conn, s, target.table);
      return n;
    },
    signal,
  );
  return { statistics: { copiedRows: String(copied), copiedLogicalBytes: String(copied * 8 * Math.max(1, first.fields.length)) } };
}
