// Routes: BigQuery REST v2 paths, served both with the /bigquery/v2 prefix
// (apiEndpoint, bq) and without it (BIGQUERY_EMULATOR_HOST), plus the
// discovery document and the emulator's own endpoints.
import * as datasets from './datasets.js';
import { discoveryDocument } from './discovery.js';
import { invalid, notFound } from './errors.js';
import { insertAll } from './insert-all.js';
import * as jobs from './jobs.js';
import { ok, type Handler } from './state.js';
import { listTableData } from './tabledata.js';
import { uploadJob } from './upload.js';
import * as tables from './tables.js';

interface Route {
  method: string;
  pattern: RegExp;
  names: string[];
  handler: Handler;
  /** Stats label, e.g. tabledata.insertAll. */
  label: string;
  /** The handler reads the body itself (media uploads). */
  rawBody: boolean;
}

const SEG = '([^/]+)';
const routes: Route[] = [];

function route(method: string, path: string, label: string, handler: Handler, rawBody = false): void {
  const names: string[] = [];
  const pattern = new RegExp(
    '^' +
      path.replace(/\{(\w+)\}/g, (_m, n: string) => {
        names.push(n);
        return SEG;
      }) +
      '$',
  );
  routes.push({ method, pattern, names, handler, label, rawBody });
}

const listProjects: Handler = async (state) => {
  const ids = state.catalog.projects();
  return ok({
    kind: 'bigquery#projectList',
    etag: String(ids.length),
    totalItems: ids.length,
    projects: ids.map((id, i) => ({ kind: 'bigquery#project', id, numericId: String(i + 1), projectReference: { projectId: id }, friendlyName: id })),
  });
};

route('GET', '/projects', 'projects.list', listProjects);
route('GET', '/projects/{projectId}/datasets', 'datasets.list', datasets.listDatasets);
route('POST', '/projects/{projectId}/datasets', 'datasets.insert', datasets.insertDataset);
route('GET', '/projects/{projectId}/datasets/{datasetId}', 'datasets.get', datasets.getDataset);
route('PATCH', '/projects/{projectId}/datasets/{datasetId}', 'datasets.patch', datasets.patchDataset);
route('PUT', '/projects/{projectId}/datasets/{datasetId}', 'datasets.update', datasets.patchDataset);
route('DELETE', '/projects/{projectId}/datasets/{datasetId}', 'datasets.delete', datasets.deleteDataset);
route('GET', '/projects/{projectId}/datasets/{datasetId}/tables', 'tables.list', tables.listTables);
route('POST', '/projects/{projectId}/datasets/{datasetId}/tables', 'tables.insert', tables.insertTable);
route('GET', '/projects/{projectId}/datasets/{datasetId}/tables/{tableId}', 'tables.get', tables.getTable);
route('PATCH', '/projects/{projectId}/datasets/{datasetId}/tables/{tableId}', 'tables.patch', tables.patchTable);
route('PUT', '/projects/{projectId}/datasets/{datasetId}/tables/{tableId}', 'tables.update', tables.patchTable);
route('DELETE', '/projects/{projectId}/datasets/{datasetId}/tables/{tableId}', 'tables.delete', tables.deleteTable);
route('POST', '/projects/{projectId}/datasets/{datasetId}/tables/{tableId}/insertAll', 'tabledata.insertAll', insertAll);
route('GET', '/projects/{projectId}/datasets/{datasetId}/tables/{tableId}/data', 'tabledata.list', listTableData);
route('POST', '/projects/{projectId}/queries', 'jobs.query', jobs.jobsQuery);
route('GET', '/projects/{projectId}/queries/{jobId}', 'jobs.getQueryResults', jobs.jobsGetQueryResults);
route('POST', '/projects/{projectId}/jobs', 'jobs.insert', jobs.jobsInsert);
route('GET', '/projects/{projectId}/jobs', 'jobs.list', jobs.jobsList);
route('GET', '/projects/{projectId}/jobs/{jobId}', 'jobs.get', jobs.jobsGet);
route('POST', '/projects/{projectId}/jobs/{jobId}/cancel', 'jobs.cancel', jobs.jobsCancel);
route('DELETE', '/projects/{projectId}/jobs/{jobId}/delete', 'jobs.delete', jobs.jobsDelete);
// Media uploads (load jobs): the path the Node client and bq's simple uploads use, and bq's resumable one.
for (const prefix of ['/upload/bigquery/v2', '/resumable/upload/bigquery/v2']) {
  route('POST', `${prefix}/projects/{projectId}/jobs`, 'jobs.insert (upload)', uploadJob, true);
  route('PUT', `${prefix}/projects/{projectId}/jobs`, 'jobs.insert (upload)', uploadJob, true);
}
route('GET', '/\\$discovery/rest', 'discovery', discoveryDocument);
route('GET', '/discovery/v1/apis/bigquery/v2/rest', 'discovery', discoveryDocument);

export interface Match {
  handler: Handler;
  params: Record<string, string>;
  label: string;
  rawBody: boolean;
}

// Lenient next to Google's rules (6-30 lower-case characters) so test projects like "p1" work,
// strict enough that no project id carries quotes, slashes or spaces into names and links.
const PROJECT_ID_RE = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

function decodeSegment(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw invalid(`Invalid percent-encoding in path segment ${raw.slice(0, 100)}`);
  }
}

export function match(method: string, rawPath: string): Match {
  const path = rawPath.replace(/^\/bigquery\/v2(?=\/)/, '').replace(/\/+$/, '') || '/';
  let pathMatched = false;
  for (const r of routes) {
    const m = r.pattern.exec(path);
    if (!m) continue;
    pathMatched = true;
    if (r.method !== method) continue;
    const params: Record<string, string> = {};
    r.names.forEach((n, i) => (params[n] = decodeSegment(m[i + 1]!)));
    const project = params['projectId'];
    if (project !== undefined && !PROJECT_ID_RE.test(project)) throw invalid(`Invalid project ID "${project.slice(0, 100)}". Project IDs contain letters, digits, dashes, underscores, dots and colons (domain:project).`);
    return { handler: r.handler, params, label: r.label, rawBody: r.rawBody };
  }
  throw notFound(pathMatched ? `Method ${method} is not allowed on ${rawPath}` : `Not found: URL ${rawPath} is not a BigQuery REST path served by the emulator`);
}
