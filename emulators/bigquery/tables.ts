// tables.insert/get/list/patch/update/delete. Schema, time partitioning,
// clustering, description and labels are kept as given and reported back.
import type { TableMeta } from './catalog.js';
import { tableSql } from './catalog.js';
import { requireDataset } from './datasets.js';
import { duplicate, invalid, tableNotFound } from './errors.js';
import { pageOf } from './paging.js';
import { normalizeFields, relaxedColumns, schemaAdditions } from './schema-types.js';
import { ok, type EmulatorState, type Handler, type RequestContext } from './state.js';
import { createView } from './views.js';

const TABLE_ID_RE = /^[\p{L}\p{M}\p{N}\p{Pc}\p{Pd}\p{Zs}]{1,1024}$/u;
const EDITABLE = ['description', 'friendlyName', 'labels', 'expirationTime', 'timePartitioning', 'clustering', 'requirePartitionFilter', 'rangePartitioning'];

export function requireTable(state: EmulatorState, project: string, dataset: string, table: string): TableMeta {
  requireDataset(state, project, dataset);
  const t = state.catalog.getTable(project, dataset, table);
  if (!t) throw tableNotFound(project, dataset, table);
  return t;
}

async function countRows(state: EmulatorState, t: TableMeta): Promise<number> {
  return state.engine.read(async (c) => Number((await c.runAndReadAll(`SELECT count(*) FROM ${tableSql(t)}`)).getRows()[0]![0]));
}

/** TABLE, VIEW or SNAPSHOT, as tables.get and tables.list report it. */
export function tableType(t: TableMeta): string {
  return t.view ? 'VIEW' : t.snapshot ? 'SNAPSHOT' : 'TABLE';
}

export async function tableResource(state: EmulatorState, t: TableMeta, ctx: RequestContext): Promise<Record<string, unknown>> {
  if (t.view) {
    // A view has no storage of its own: counting would run its query.
    return {
      kind: 'bigquery#table',
      etag: String(t.resource['lastModifiedTime'] ?? ''),
      id: `${t.project}:${t.dataset}.${t.table}`,
      selfLink: `${ctx.origin}/bigquery/v2/projects/${t.project}/datasets/${t.dataset}/tables/${encodeURIComponent(t.table)}`,
      tableReference: { projectId: t.project, datasetId: t.dataset, tableId: t.table },
      schema: { fields: t.fields },
      type: 'VIEW',
      view: t.view,
      location: 'US',
      ...t.resource,
    };
  }
  const rows = await countRows(state, t);
  return {
    kind: 'bigquery#table',
    etag: String(t.resource['lastModifiedTime'] ?? ''),
    id: `${t.project}:${t.dataset}.${t.table}`,
    selfLink: `${ctx.origin}/bigquery/v2/projects/${t.project}/datasets/${t.dataset}/tables/${t.table}`,
    tableReference: { projectId: t.project, datasetId: t.dataset, tableId: t.table },
    schema: { fields: t.fields },
    numBytes: String(rows * 8 * Math.max(1, t.fields.length)),
    numLongTermBytes: '0',
    numRows: String(rows),
    type: tableType(t),
    ...(t.snapshot ? { snapshotDefinition: t.snapshot } : {}),
    location: 'US',
    ...t.resource,
  };
}

function validatePartitioning(body: Record<string, unknown>, fields: TableMeta['fields']): boolean {
  const tp = body['timePartitioning'] as { type?: string; field?: string } | undefined;
  if (tp) {
    if (tp.type && !['DAY', 'HOUR', 'MONTH', 'YEAR'].includes(tp.type)) throw invalid(`Invalid value for timePartitioning.type: ${tp.type}`);
    if (tp.field) {
      const f = fields.find((x) => x.name.toLowerCase() === tp.field!.toLowerCase());
      if (!f) throw invalid(`The field specified for time partitioning can only be of type TIMESTAMP, DATE or DATETIME. The type found is: NONE. (field ${tp.field} is not in the schema)`);
      if (!['TIMESTAMP', 'DATE', 'DATETIME'].includes(f.type) || f.mode === 'REPEATED') {
        throw invalid(`The field specified for time partitioning can only be of type TIMESTAMP, DATE or DATETIME. The type found is: ${f.type}.`);
      }
    }
  }
  const cl = body['clustering'] as { fields?: string[] } | undefined;
  if (cl?.fields) {
    if (cl.fields.length > 4) throw invalid('Too many clustering fields: at most 4 are allowed');
    for (const name of cl.fields) {
      if (!fields.some((x) => x.name.toLowerCase() === name.toLowerCase() && x.type !== 'RECORD' && x.mode !== 'REPEATED')) {
        throw invalid(`The field specified for clustering cannot be found in the schema or is not a top-level scalar field: ${name}`);
      }
    }
  }
  return !!tp && !tp.field;
}

function editable(body: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of EDITABLE) if (body[k] !== undefined) out[k] = body[k];
  // BigQuery reports timePartitioning.type even when only the field was given.
  const tp = out['timePartitioning'] as Record<string, unknown> | undefined;
  if (tp && !tp['type']) out['timePartitioning'] = { type: 'DAY', ...tp };
  return out;
}

export const insertTable: Handler = async (state, ctx) => {
  const project = ctx.params['projectId']!;
  const dataset = ctx.params['datasetId']!;
  requireDataset(state, project, dataset);
  const ref = (ctx.body['tableReference'] ?? {}) as { tableId?: string };
  const table = ref.tableId;
  if (!table) throw invalid('Required parameter is missing: tableReference.tableId');
  if (!TABLE_ID_RE.test(table)) throw invalid(`Invalid table ID "${table}".`);
  if (ctx.body['materializedView'] || ctx.body['externalDataConfiguration']) {
    throw invalid('Materialized views and external tables are not supported by the BigQuery emulator');
  }
  if (state.catalog.getTable(project, dataset, table)) throw duplicate(`Already Exists: Table ${project}:${dataset}.${table}`);
  if (ctx.body['view'] !== undefined) return ok(await tableResource(state, await createView(state, project, dataset, table, ctx.body), ctx));
  const schema = ctx.body['schema'] as { fields?: unknown } | undefined;
  const fields = normalizeFields(schema?.fields ?? []);
  const ingestionTime = validatePartitioning(ctx.body, fields);
  const now = String(Date.now());
  const meta: TableMeta = { project, dataset, table, fields, ingestionTime, resource: { ...editable(ctx.body), creationTime: now, lastModifiedTime: now } };
  await state.catalog.createTable(meta);
  return ok(await tableResource(state, meta, ctx));
};

export const getTable: Handler = async (state, ctx) => {
  const t = requireTable(state, ctx.params['projectId']!, ctx.params['datasetId']!, ctx.params['tableId']!);
  return ok(await tableResource(state, t, ctx));
};

export const listTables: Handler = async (state, ctx) => {
  const project = ctx.params['projectId']!;
  const dataset = ctx.params['datasetId']!;
  requireDataset(state, project, dataset);
  const all = state.catalog.listTables(project, dataset);
  const page = pageOf(all, ctx.query);
  return ok({
    kind: 'bigquery#tableList',
    etag: String(all.length),
    totalItems: all.length,
    ...(page.items.length > 0
      ? {
          tables: page.items.map((t) => ({
            kind: 'bigquery#table',
            id: `${t.project}:${t.dataset}.${t.table}`,
            tableReference: { projectId: t.project, datasetId: t.dataset, tableId: t.table },
            type: tableType(t),
            ...(t.view ? { view: { useLegacySql: false } } : {}),
            creationTime: t.resource['creationTime'],
            ...(t.resource['timePartitioning'] ? { timePartitioning: t.resource['timePartitioning'] } : {}),
            ...(t.resource['clustering'] ? { clustering: t.resource['clustering'] } : {}),
            ...(t.resource['labels'] ? { labels: t.resource['labels'] } : {}),
          })),
        }
      : {}),
    ...(page.nextPageToken ? { nextPageToken: page.nextPageToken } : {}),
  });
};

// PATCH changes only what the body has; PUT (update) replaces the editable fields.
export const patchTable: Handler = async (state, ctx) => {
  const t = requireTable(state, ctx.params['projectId']!, ctx.params['datasetId']!, ctx.params['tableId']!);
  if ((t.view || t.snapshot) && (ctx.body['schema'] !== undefined || ctx.body['view'] !== undefined)) {
    throw invalid(`Changing the schema or query of ${tableType(t).toLowerCase()} ${t.project}:${t.dataset}.${t.table} through tables.patch is not supported by the BigQuery emulator: delete and create it again`);
  }
  let fields = t.fields;
  let added: TableMeta['fields'] = [];
  let relaxed: string[] = [];
  const schema = ctx.body['schema'] as { fields?: unknown } | undefined;
  if (schema?.fields) {
    const next = normalizeFields(schema.fields);
    added = schemaAdditions(t.fields, next);
    relaxed = relaxedColumns(t.fields, next);
    fields = next;
  } else if (ctx.method === 'PUT') throw invalid('tables.update needs the full table resource including schema');
  const tp = ctx.body['timePartitioning'];
  if (tp !== undefined && JSON.stringify(tp) !== JSON.stringify(t.resource['timePartitioning'])) {
    const before = t.resource['timePartitioning'] as Record<string, unknown> | undefined;
    const after = tp as Record<string, unknown>;
    // Only the expiration may change after creation.
    if (before?.['field'] !== after['field'] || (before?.['type'] ?? 'DAY') !== (after['type'] ?? 'DAY')) {
      throw invalid('Cannot change partitioning spec for a partitioned table.');
    }
  }
  const base = ctx.method === 'PUT' ? { creationTime: t.resource['creationTime'] } : t.resource;
  const next: TableMeta = { ...t, fields, resource: { ...base, ...editable(ctx.body), lastModifiedTime: String(Date.now()) } };
  if (ctx.method === 'PUT' && t.resource['timePartitioning'] && !next.resource['timePartitioning']) next.resource['timePartitioning'] = t.resource['timePartitioning'];
  await state.catalog.saveTable(next, added, relaxed);
  return ok(await tableResource(state, next, ctx));
};

export const deleteTable: Handler = async (state, ctx) => {
  const t = requireTable(state, ctx.params['projectId']!, ctx.params['datasetId']!, ctx.params['tableId']!);
  state.dedup.dropTable(`${t.project}:${t.dataset}.${t.table}`);
  await state.catalog.deleteTable(t);
  return { status: 204 };
};
