// Runs a DDL statement (sql/ddl-parse.ts) on the catalog, the same way the
// tables API changes it: CREATE TABLE makes the table (schema, partitioning,
// clustering, description, labels), CREATE TABLE ... AS SELECT fills it from
// the query in one transaction, CREATE VIEW goes through createView, DROP and
// ALTER TABLE ADD COLUMN through the catalog. The job answers with BigQuery's
// statementType and no rows.
import { tableSql, type TableMeta } from './catalog.js';
import { datasetNotFound, duplicate, invalidQuery, tableNotFound } from './errors.js';
import { parseDdl, type DdlStatement, type RawField, type TablePath } from './sql/ddl-parse.js';
import { normalizeFields, type TableFieldSchema } from './schema-types.js';
import type { EmulatorState } from './state.js';
import { prepareDestination, writeInTransaction, type Destination } from './table-write.js';
import { plannedColumns, translateQuery, type QueryRequest } from './query-runner-core.js';
import { createView } from './views.js';
import { qid } from './sql/quote.js';

export interface DdlResult {
  statementType: string;
  ddlOperationPerformed: 'CREATE' | 'REPLACE' | 'DROP' | 'ALTER' | 'SKIP' | 'TRUNCATE';
  target: { project: string; dataset: string; table: string };
}

function resolve(req: QueryRequest, p: TablePath): { project: string; dataset: string; table: string } {
  if (p.length === 3) return { project: p[0]!, dataset: p[1]!, table: p[2]! };
  if (p.length === 2) return { project: req.project, dataset: p[0]!, table: p[1]! };
  const dd = req.defaultDataset;
  if (!dd) throw invalidQuery(`Table "${p[0]}" must be qualified with a dataset (e.g. dataset.table).`);
  return { project: dd.projectId ?? req.project, dataset: dd.datasetId, table: p[0]! };
}

function properties(stmt: Extract<DdlStatement, { kind: 'CREATE_TABLE' | 'CREATE_VIEW' }>): Record<string, unknown> {
  const o = stmt.options;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(o)) {
    if (!['description', 'friendly_name', 'labels', 'expiration_timestamp', 'partition_expiration_days', 'require_partition_filter'].includes(k)) {
      throw invalidQuery(`OPTIONS(${k}) is not supported by the BigQuery emulator`);
    }
  }
  if (typeof o['description'] === 'string') out['description'] = o['description'];
  if (typeof o['friendly_name'] === 'string') out['friendlyName'] = o['friendly_name'];
  if (Array.isArray(o['labels'])) out['labels'] = Object.fromEntries((o['labels'] as unknown[][]).map((pair) => [String(pair[0]), String(pair[1])]));
  if (o['require_partition_filter'] === true) out['requirePartitionFilter'] = true;
  if (stmt.kind === 'CREATE_TABLE') {
    if (stmt.timePartitioning) {
      const days = o['partition_expiration_days'];
      out['timePartitioning'] = { ...stmt.timePartitioning, ...(typeof days === 'number' ? { expirationMs: String(Math.round(days * 86400000)) } : {}) };
    }
    if (stmt.clustering) out['clustering'] = stmt.clustering;
  }
  return out;
}

function checkLayout(fields: TableFieldSchema[], resource: Record<string, unknown>): void {
  const tp = resource['timePartitioning'] as { field?: string } | undefined;
  if (tp?.field) {
    const f = fields.find((x) => x.name.toLowerCase() === tp.field!.toLowerCase());
    if (!f || !['TIMESTAMP', 'DATE', 'DATETIME'].includes(f.type) || f.mode === 'REPEATED') {
      throw invalidQuery(`PARTITION BY expression must be a DATE, TIMESTAMP or DATETIME column (got ${tp.field}${f ? ` of type ${f.type}` : ', not in the schema'})`);
    }
  }
  const cl = resource['clustering'] as { fields: string[] } | undefined;
  if (cl) {
    if (cl.fields.length > 4) throw invalidQuery('Too many clustering columns: at most 4 are allowed');
    for (const n of cl.fields) {
      if (!fields.some((x) => x.name.toLowerCase() === n.toLowerCase() && x.type !== 'RECORD' && x.mode !== 'REPEATED')) throw invalidQuery(`CLUSTER BY column ${n} is not a top-level scalar column of the table`);
    }
  }
}

const toFields = (raw: RawField[]): TableFieldSchema[] => normalizeFields(raw);

export async function runDdl(state: EmulatorState, req: QueryRequest, signal?: AbortSignal): Promise<DdlResult> {
  const stmt = parseDdl(req.query);
  const target = resolve(req, stmt.path);
  const { project, dataset, table } = target;
  if (!state.catalog.getDataset(project, dataset)) throw datasetNotFound(project, dataset);
  const existing = state.catalog.getTable(project, dataset, table);
  const name = `${project}:${dataset}.${table}`;
  const drop = async (t: TableMeta): Promise<void> => {
    state.dedup.dropTable(name);
    await state.catalog.deleteTable(t);
  };
  switch (stmt.kind) {
    case 'CREATE_TABLE': {
      const type = stmt.query ? 'CREATE_TABLE_AS_SELECT' : 'CREATE_TABLE';
      if (existing && stmt.ifNotExists) return { statementType: type, ddlOperationPerformed: 'SKIP', target };
      if (existing && !stmt.orReplace) throw duplicate(`Already Exists: Table ${name}`);
      if (existing?.view) throw invalidQuery(`${name} is a view; CREATE OR REPLACE TABLE cannot replace it (DROP VIEW first)`);
      const resource = properties(stmt);
      let fields = stmt.columns ? toFields(stmt.columns) : undefined;
      let select: { sql: string; columns: Awaited<ReturnType<typeof plannedColumns>> } | undefined;
      if (stmt.query) {
        const tr = translateQuery(state, { ...req, query: stmt.query });
        if (tr.statementType !== 'SELECT') throw invalidQuery('CREATE TABLE ... AS needs a query');
        const columns = await state.engine.read((c) => plannedColumns(c, tr.sql), signal);
        select = { sql: tr.sql, columns };
        fields ??= columns.map((c) => c.field);
      }
      checkLayout(fields!, resource);
      if (existing) await drop(existing);
      const dest: Destination = { ref: target, createDisposition: 'CREATE_IF_NEEDED', writeDisposition: 'WRITE_EMPTY', resource };
      const prepared = await prepareDestination(state, dest, fields);
      if (select) {
        const s = select;
        await writeInTransaction(
          state,
          prepared,
          // By position into the declared columns, or by the query's own names.
          (conn) => conn.run(`INSERT INTO ${tableSql(prepared.table)} (${prepared.table.fields.map((f) => qid(f.name)).join(', ')}) SELECT * FROM (${s.sql}) AS __q`),
          signal,
        );
      }
      return { statementType: type, ddlOperationPerformed: existing ? 'REPLACE' : 'CREATE', target };
    }
    case 'CREATE_VIEW': {
      if (existing && stmt.ifNotExists) return { statementType: 'CREATE_VIEW', ddlOperationPerformed: 'SKIP', target };
      if (existing && !stmt.orReplace) throw duplicate(`Already Exists: Table ${name}`);
      if (existing && !existing.view) throw invalidQuery(`${name} is a table; CREATE OR REPLACE VIEW cannot replace it (DROP TABLE first)`);
      const body = { view: { query: stmt.query, useLegacySql: false }, ...properties(stmt) };
      if (existing) await drop(existing);
      await createView(state, project, dataset, table, body);
      return { statementType: 'CREATE_VIEW', ddlOperationPerformed: existing ? 'REPLACE' : 'CREATE', target };
    }
    case 'DROP_TABLE':
    case 'DROP_VIEW': {
      if (!existing) {
        if (stmt.ifExists) return { statementType: stmt.kind, ddlOperationPerformed: 'SKIP', target };
        throw tableNotFound(project, dataset, table);
      }
      if (stmt.kind === 'DROP_TABLE' && existing.view) throw invalidQuery(`${name} is a view: use DROP VIEW`);
      if (stmt.kind === 'DROP_VIEW' && !existing.view) throw invalidQuery(`${name} is a table: use DROP TABLE`);
      await drop(existing);
      return { statementType: stmt.kind, ddlOperationPerformed: 'DROP', target };
    }
    case 'ALTER_TABLE': {
      if (!existing) {
        if (stmt.ifExists) return { statementType: 'ALTER_TABLE', ddlOperationPerformed: 'SKIP', target };
        throw tableNotFound(project, dataset, table);
      }
      if (existing.view || existing.snapshot) throw invalidQuery(`ALTER TABLE ... ADD COLUMN cannot change ${name}: it is a ${existing.view ? 'view' : 'table snapshot'}`);
      const added: TableFieldSchema[] = [];
      for (const a of stmt.add) {
        const have = existing.fields.some((f) => f.name.toLowerCase() === a.field.name.toLowerCase()) || added.some((f) => f.name.toLowerCase() === a.field.name.toLowerCase());
        if (have) {
          if (a.ifNotExists) continue;
          throw invalidQuery(`Column already exists: ${a.field.name}`);
        }
        if (a.field.mode === 'REQUIRED') throw invalidQuery(`Cannot add a REQUIRED (NOT NULL) column ${a.field.name} to an existing table`);
        added.push(...toFields([a.field]));
      }
      if (added.length === 0) return { statementType: 'ALTER_TABLE', ddlOperationPerformed: 'SKIP', target };
      const next: TableMeta = { ...existing, fields: [...existing.fields, ...added], resource: { ...existing.resource, lastModifiedTime: String(Date.now()) } };
      await state.catalog.saveTable(next, added, []);
      return { statementType: 'ALTER_TABLE', ddlOperationPerformed: 'ALTER', target };
    }
    case 'TRUNCATE_TABLE': {
      if (!existing) throw tableNotFound(project, dataset, table);
      if (existing.view || existing.snapshot) throw invalidQuery(`TRUNCATE TABLE cannot change ${name}: it is a ${existing.view ? 'view' : 'table snapshot'}`);
      await state.engine.write((c) => c.run(`DELETE FROM ${tableSql(existing)}`), signal);
      return { statementType: 'TRUNCATE_TABLE', ddlOperationPerformed: 'TRUNCATE', target };
    }
  }
}
