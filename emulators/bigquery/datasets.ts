// datasets.insert/get/list/patch/update/delete.
import { BqError, datasetNotFound, duplicate, invalid } from './errors.js';
import type { DatasetMeta } from './catalog.js';
import { ok, type Handler, type RequestContext } from './state.js';
import { pageOf } from './paging.js';

const DATASET_ID_RE = /^[A-Za-z0-9_]{1,1024}$/;
const EDITABLE = ['description', 'friendlyName', 'labels', 'defaultTableExpirationMs', 'defaultPartitionExpirationMs', 'access'];

export function datasetResource(d: DatasetMeta, ctx: RequestContext): Record<string, unknown> {
  return {
    kind: 'bigquery#dataset',
    etag: String(d.resource['lastModifiedTime'] ?? ''),
    id: `${d.project}:${d.dataset}`,
    selfLink: `${ctx.origin}/bigquery/v2/projects/${d.project}/datasets/${d.dataset}`,
    datasetReference: { datasetId: d.dataset, projectId: d.project },
    location: 'US',
    type: 'DEFAULT',
    access: [],
    ...d.resource,
  };
}

export function requireDataset(state: Parameters<Handler>[0], project: string, dataset: string): DatasetMeta {
  const d = state.catalog.getDataset(project, dataset);
  if (!d) throw datasetNotFound(project, dataset);
  return d;
}

function editable(body: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of EDITABLE) if (body[k] !== undefined) out[k] = body[k];
  return out;
}

export const insertDataset: Handler = async (state, ctx) => {
  const project = ctx.params['projectId']!;
  const ref = (ctx.body['datasetReference'] ?? {}) as { datasetId?: string; projectId?: string };
  const dataset = ref.datasetId;
  if (!dataset) throw invalid('Required parameter is missing: datasetReference.datasetId');
  if (!DATASET_ID_RE.test(dataset)) throw invalid(`Invalid dataset ID "${dataset}". Dataset IDs must be alphanumeric (plus underscores) and must be at most 1024 characters long.`);
  if (state.catalog.getDataset(project, dataset)) throw duplicate(`Already Exists: Dataset ${project}:${dataset}`);
  const now = String(Date.now());
  const meta: DatasetMeta = { project, dataset, resource: { ...editable(ctx.body), creationTime: now, lastModifiedTime: now } };
  await state.catalog.createDataset(meta);
  return ok(datasetResource(meta, ctx));
};

export const getDataset: Handler = async (state, ctx) => {
  const d = requireDataset(state, ctx.params['projectId']!, ctx.params['datasetId']!);
  return ok(datasetResource(d, ctx));
};

export const listDatasets: Handler = async (state, ctx) => {
  const project = ctx.params['projectId']!;
  const all = state.catalog.listDatasets(project);
  const page = pageOf(all, ctx.query);
  return ok({
    kind: 'bigquery#datasetList',
    etag: String(all.length),
    ...(page.items.length > 0
      ? {
          datasets: page.items.map((d) => ({
            kind: 'bigquery#dataset',
            id: `${d.project}:${d.dataset}`,
            datasetReference: { datasetId: d.dataset, projectId: d.project },
            location: 'US',
            ...(d.resource['labels'] ? { labels: d.resource['labels'] } : {}),
            ...(d.resource['friendlyName'] ? { friendlyName: d.resource['friendlyName'] } : {}),
          })),
        }
      : {}),
    ...(page.nextPageToken ? { nextPageToken: page.nextPageToken } : {}),
  });
};

export const patchDataset: Handler = async (state, ctx) => {
  const d = requireDataset(state, ctx.params['projectId']!, ctx.params['datasetId']!);
  const base = ctx.method === 'PUT' ? { creationTime: d.resource['creationTime'] } : d.resource;
  const next: DatasetMeta = { ...d, resource: { ...base, ...editable(ctx.body), lastModifiedTime: String(Date.now()) } };
  await state.catalog.saveDataset(next);
  return ok(datasetResource(next, ctx));
};

export const deleteDataset: Handler = async (state, ctx) => {
  const project = ctx.params['projectId']!;
  const dataset = ctx.params['datasetId']!;
  requireDataset(state, project, dataset);
  const tables = state.catalog.listTables(project, dataset);
  if (tables.length > 0 && ctx.query.get('deleteContents') !== 'true') {
    throw new BqError(400, 'resourceInUse', `Dataset ${project}:${dataset} is still in use`);
  }
  for (const t of tables) state.dedup.dropTable(`${project}:${dataset}.${t.table}`);
  await state.catalog.deleteDataset(project, dataset);
  return { status: 204 };
};
