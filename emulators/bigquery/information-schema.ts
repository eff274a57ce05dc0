// INFORMATION_SCHEMA.TABLES, COLUMNS and JOBS: each view becomes an inline
// subquery of literal rows built from the catalog and the job store when the
// query is translated, so it reads like any table (WHERE, JOIN, GROUP BY).
// Columns follow BigQuery's views; TABLES has no `ddl` column here.
import type { TableMeta } from './catalog.js';
import { invalidQuery } from './errors.js';
import type { JobSummary } from './job-store.js';
import type { TableFieldSchema } from './schema-types.js';
import type { EmulatorState } from './state.js';
import { qid, qstr } from './sql/quote.js';

type Cell = string | number | boolean | null | { ts: number };
interface View {
  columns: [name: string, duck: string][];
  rows: Cell[][];
}

const TYPE_NAME: Record<string, string> = { INTEGER: 'INT64', FLOAT: 'FLOAT64', BOOLEAN: 'BOOL' };

/** A column's GoogleSQL type as INFORMATION_SCHEMA.COLUMNS.data_type prints it. */
export function dataType(f: TableFieldSchema): string {
  const base = f.type === 'RECORD' ? `STRUCT<${(f.fields ?? []).map((x) => `${x.name} ${dataType(x)}`).join(', ')}>` : (TYPE_NAME[f.type] ?? f.type);
  return f.mode === 'REPEATED' ? `ARRAY<${base}>` : base;
}

function sqlCell(c: Cell, duck: string): string {
  if (c === null) return `CAST(NULL AS ${duck})`;
  if (typeof c === 'object') return `make_timestamptz(${Math.round(c.ts * 1000)})`;
  if (typeof c === 'number') return `CAST(${c} AS ${duck})`;
  if (typeof c === 'boolean') return c ? 'TRUE' : 'FALSE';
  return qstr(c);
}

function viewSql(v: View): string {
  const typed = `SELECT ${v.columns.map(([n, d]) => `CAST(NULL AS ${d}) AS ${qid(n)}`).join(', ')} WHERE false`;
  const rows = v.rows.map((r) => `SELECT ${r.map((c, i) => sqlCell(c, v.columns[i]![1])).join(', ')}`);
  return `(${[typed, ...rows].join(' UNION ALL ')})`;
}

const tableType = (t: TableMeta): string => (t.view ? 'VIEW' : t.snapshot ? 'SNAPSHOT' : 'BASE TABLE');
const created = (t: TableMeta): Cell => {
  const ms = Number(t.resource['creationTime']);
  return Number.isFinite(ms) ? { ts: ms } : null;
};

function tablesView(tables: TableMeta[]): View {
  return {
    columns: [['table_catalog', 'VARCHAR'], ['table_schema', 'VARCHAR'], ['table_name', 'VARCHAR'], ['table_type', 'VARCHAR'], ['is_insertable_into', 'VARCHAR'], ['is_typed', 'VARCHAR'], ['creation_time', 'TIMESTAMPTZ']],
    rows: tables.map((t) => [t.project, t.dataset, t.table, tableType(t), t.view || t.snapshot ? 'NO' : 'YES', 'NO', created(t)]),
  };
}

function columnsView(tables: TableMeta[]): View {
  const rows: Cell[][] = [];
  for (const t of tables) {
    const tp = t.resource['timePartitioning'] as { field?: string } | undefined;
    const cl = (t.resource['clustering'] as { fields?: string[] } | undefined)?.fields?.map((x) => x.toLowerCase()) ?? [];
    t.fields.forEach((f, i) => {
      const k = cl.indexOf(f.name.toLowerCase());
      rows.push([t.project, t.dataset, t.table, f.name, i + 1, f.mode === 'REQUIRED' ? 'NO' : 'YES', dataType(f), 'NO', 'NO', tp?.field?.toLowerCase() === f.name.toLowerCase() ? 'YES' : 'NO', k >= 0 ? k + 1 : null]);
    });
    if (t.ingestionTime) rows.push([t.project, t.dataset, t.table, '_PARTITIONTIME', t.fields.length + 1, 'YES', 'TIMESTAMP', 'YES', 'YES', 'YES', null]);
  }
  return {
    columns: [
      ['table_catalog', 'VARCHAR'], ['table_schema', 'VARCHAR'], ['table_name', 'VARCHAR'], ['column_name', 'VARCHAR'], ['ordinal_position', 'BIGINT'], ['is_nullable', 'VARCHAR'],
      ['data_type', 'VARCHAR'], ['is_hidden', 'VARCHAR'], ['is_system_defined', 'VARCHAR'], ['is_partitioning_column', 'VARCHAR'], ['clustering_ordinal_position', 'BIGINT'],
    ],
    rows,
  };
}

function jobsView(jobs: JobSummary[]): View {
  const ts = (ms: number | null): Cell => (ms === null ? null : { ts: ms });
  return {
    columns: [
      ['creation_time', 'TIMESTAMPTZ'], ['project_id', 'VARCHAR'], ['user_email', 'VARCHAR'], ['job_id', 'VARCHAR'], ['job_type', 'VARCHAR'], ['statement_type', 'VARCHAR'],
      ['start_time', 'TIMESTAMPTZ'], ['end_time', 'TIMESTAMPTZ'], ['state', 'VARCHAR'], ['query', 'VARCHAR'], ['total_bytes_processed', 'BIGINT'], ['total_bytes_billed', 'BIGINT'],
      ['cache_hit', 'BOOLEAN'], ['error_reason', 'VARCHAR'], ['error_message', 'VARCHAR'],
    ],
    rows: jobs.map((j) => [
      ts(j.creationTime), j.projectId, j.userEmail, j.jobId, j.jobType, j.statementType, ts(j.startTime), ts(j.endTime), j.state, j.query,
      j.totalBytesProcessed, j.totalBytesBilled, j.cacheHit, j.error?.reason ?? null, j.error?.message ?? null,
    ]),
  };
}

/**
 * The SQL for an INFORMATION_SCHEMA path: [dataset, IS, view], [project,
 * dataset, IS, view] (dataset scope), or [region-x, IS, view], [project,
 * region-x, IS, view] (project scope).
 */
export function informationSchemaSql(state: EmulatorState, defaultProject: string, parts: string[]): string {
  const at = parts.findIndex((p) => p.toUpperCase() === 'INFORMATION_SCHEMA');
  const view = parts[at + 1]?.toUpperCase();
  if (at < 1 || at !== parts.length - 2 || !view) throw invalidQuery(`Invalid INFORMATION_SCHEMA name ${parts.join('.')}: qualify it with a dataset or a region, e.g. mydataset.INFORMATION_SCHEMA.TABLES`);
  const scope = parts.slice(0, at);
  const region = /^region-/i.test(scope.at(-1)!);
  const project = scope.length === 2 ? scope[0]! : defaultProject;
  const dataset = region ? undefined : scope.at(-1)!;
  if (scope.length > 2) throw invalidQuery(`Invalid INFORMATION_SCHEMA name ${parts.join('.')}`);
  if (dataset !== undefined && !state.catalog.getDataset(project, dataset)) throw invalidQuery(`Not found: Dataset ${project}:${dataset}`);
  const tables = dataset !== undefined ? state.catalog.listTables(project, dataset) : state.catalog.listDatasets(project).flatMap((d) => state.catalog.listTables(project, d.dataset));
  switch (view) {
    case 'TABLES':
      return viewSql(tablesView(tables));
    case 'COLUMNS':
      return viewSql(columnsView(tables));
    case 'JOBS':
    case 'JOBS_BY_PROJECT':
    case 'JOBS_BY_USER':
      if (!region) throw invalidQuery(`INFORMATION_SCHEMA.${view} is a project view: qualify it with a region, e.g. \`region-us\`.INFORMATION_SCHEMA.JOBS`);
      return viewSql(jobsView(state.jobs.summaries(project)));
    default:
      throw invalidQuery(`INFORMATION_SCHEMA.${view} is not supported by the BigQuery emulator (TABLES, COLUMNS and JOBS are)`);
  }
}
