// jobs.query, jobs.insert (query jobs), jobs.get, jobs.getQueryResults,
// jobs.list, jobs.cancel, jobs.delete. Queries finish before the answer, so
// jobComplete is always true.
import { BqError, invalid, toBqError } from './errors.js';
import { pageRows, type Job } from './job-store.js';
import { decodePageToken, encodePageToken, maxResultsOf, pageOf } from './paging.js';
import { runQuery, type QueryRequest } from './query-runner.js';
import { ok, type EmulatorState, type Handler, type RequestContext } from './state.js';
import { timestampFormatOf, type TimestampFormat } from './value-format.js';

const DEFAULT_PAGE_ROWS = 100000;

function jobReference(job: Job): Record<string, string> {
  return { projectId: job.project, jobId: job.jobId, location: 'US' };
}

function schemaOf(job: Job): { fields: unknown[] } | undefined {
  if (!job.columns || job.statementType !== 'SELECT') return undefined;
  return { fields: job.columns.map((c) => c.field) };
}

export function jobResource(job: Job, ctx: RequestContext): Record<string, unknown> {
  const proto = job.error?.toErrorProto();
  const schema = schemaOf(job);
  const dml = job.numDmlAffectedRows !== undefined ? { numDmlAffectedRows: String(job.numDmlAffectedRows) } : {};
  return {
    kind: 'bigquery#job',
    etag: String(job.endTime),
    id: `${job.project}:US.${job.jobId}`,
    selfLink: `${ctx.origin}/bigquery/v2/projects/${job.project}/jobs/${job.jobId}?location=US`,
    user_email: 'emulator@localhost',
    jobReference: jobReference(job),
    configuration: job.configuration,
    status: proto ? { state: 'DONE', errorResult: proto, errors: [proto] } : { state: 'DONE' },
    statistics: {
      creationTime: String(job.creationTime),
      startTime: String(job.startTime),
      endTime: String(job.endTime),
      totalBytesProcessed: String(job.totalBytesProcessed),
      query: {
        totalBytesProcessed: String(job.totalBytesProcessed),
        totalBytesBilled: '0',
        cacheHit: false,
        ...(job.statementType ? { statementType: job.statementType } : {}),
        ...(schema ? { schema } : {}),
        ...dml,
      },
    },
  };
}

function queryRequestOf(project: string, q: Record<string, unknown>): QueryRequest {
  return {
    project,
    query: q['query'] as string,
    defaultDataset: q['defaultDataset'] as QueryRequest['defaultDataset'],
    queryParameters: q['queryParameters'] as QueryRequest['queryParameters'],
    parameterMode: q['parameterMode'] as string | undefined,
    useLegacySql: q['useLegacySql'] as boolean | undefined,
  };
}

/** Runs the query and records the job (failed or not). */
async function execute(state: EmulatorState, project: string, jobId: string, req: QueryRequest, configuration: Record<string, unknown>): Promise<Job> {
  if (state.jobs.has(project, jobId)) throw new BqError(409, 'duplicate', `Already Exists: Job ${project}:US.${jobId}`);
  const started = Date.now();
  state.stats.queries++;
  let outcome;
  try {
    outcome = await runQuery(state, req);
  } catch (err) {
    outcome = toBqError(err);
    if (outcome.code === 500) throw outcome;
  }
  const job = state.jobs.record(project, jobId, req, configuration, started, outcome);
  if (job.error) state.stats.queryErrors++;
  return job;
}

function resultsPage(job: Job, start: number, max: number, ts: TimestampFormat): Record<string, unknown> {
  const rows = pageRows(job, start, max, ts);
  const end = start + rows.length;
  const schema = schemaOf(job);
  return {
    jobReference: jobReference(job),
    ...(schema ? { schema, totalRows: String(job.totalRows) } : {}),
    ...(schema && rows.length > 0 ? { rows } : {}),
    ...(schema && end < job.totalRows ? { pageToken: encodePageToken(end) } : {}),
    totalBytesProcessed: String(job.totalBytesProcessed),
    jobComplete: true,
    cacheHit: false,
    ...(job.numDmlAffectedRows !== undefined
      ? { numDmlAffectedRows: String(job.numDmlAffectedRows), dmlStats: dmlStats(job) }
      : {}),
  };
}

function dmlStats(job: Job): Record<string, string> {
  const n = String(job.numDmlAffectedRows ?? 0);
  if (job.statementType === 'INSERT') return { insertedRowCount: n };
  if (job.statementType === 'DELETE') return { deletedRowCount: n };
  if (job.statementType === 'UPDATE') return { updatedRowCount: n };
  return {};
}

export const jobsQuery: Handler = async (state, ctx) => {
  const project = ctx.params['projectId']!;
  const body = ctx.body;
  const req = queryRequestOf(project, body);
  const ts = timestampFormatOf(body['formatOptions'] as Record<string, unknown> | undefined);
  if (body['dryRun'] === true) {
    state.stats.queries++;
    const r = await runQuery(state, { ...req, dryRun: true });
    return ok({
      kind: 'bigquery#queryResponse',
      ...(r.statementType === 'SELECT' ? { schema: { fields: r.columns.map((c) => c.field) } } : {}),
      jobReference: { projectId: project, location: 'US' },
      totalBytesProcessed: String(r.totalBytesProcessed),
      jobComplete: true,
      cacheHit: false,
    });
  }
  const configuration = { jobType: 'QUERY', query: { query: req.query, useLegacySql: false, ...(req.defaultDataset ? { defaultDataset: req.defaultDataset } : {}) } };
  const job = await execute(state, project, state.jobs.newJobId(), req, configuration);
  if (job.error) throw job.error;
  const max = maxResultsOf(body['maxResults'] as number | undefined, DEFAULT_PAGE_ROWS);
  return ok({ kind: 'bigquery#queryResponse', ...resultsPage(job, 0, max, ts) });
};

export const jobsInsert: Handler = async (state, ctx) => {
  const project = ctx.params['projectId']!;
  const conf = (ctx.body['configuration'] ?? {}) as Record<string, unknown>;
  const q = conf['query'] as Record<string, unknown> | undefined;
  if (!q) {
    const kind = ['load', 'extract', 'copy'].find((k) => conf[k]) ?? 'unknown';
    throw invalid(`Only query jobs are supported by the BigQuery emulator (got a ${kind} job)`);
  }
  if (q['destinationTable']) throw invalid('Query jobs with a destinationTable are not supported by the BigQuery emulator');
  const ref = (ctx.body['jobReference'] ?? {}) as { jobId?: string };
  const jobId = ref.jobId ?? state.jobs.newJobId();
  const req = queryRequestOf(project, q);
  const configuration = { ...conf, jobType: 'QUERY', query: { ...q, useLegacySql: false } };
  if (conf['dryRun'] === true) {
    state.stats.queries++;
    const r = await runQuery(state, { ...req, dryRun: true });
    return ok({
      kind: 'bigquery#job',
      jobReference: { projectId: project, location: 'US' },
      configuration,
      status: { state: 'DONE' },
      statistics: {
        creationTime: String(Date.now()),
        totalBytesProcessed: String(r.totalBytesProcessed),
        query: {
          totalBytesProcessed: String(r.totalBytesProcessed),
          totalBytesBilled: '0',
          cacheHit: false,
          statementType: r.statementType,
          ...(r.statementType === 'SELECT' ? { schema: { fields: r.columns.map((c) => c.field) } } : {}),
        },
      },
    });
  }
  const job = await execute(state, project, jobId, req, configuration);
  return ok(jobResource(job, ctx));
};

export const jobsGet: Handler = async (state, ctx) => ok(jobResource(state.jobs.get(ctx.params['projectId']!, ctx.params['jobId']!), ctx));

export const jobsGetQueryResults: Handler = async (state, ctx) => {
  const job = state.jobs.get(ctx.params['projectId']!, ctx.params['jobId']!);
  if (job.error) throw job.error;
  const q = ctx.query;
  const start = q.get('pageToken') ? decodePageToken(q.get('pageToken')) : Number(q.get('startIndex') ?? '0');
  if (!Number.isInteger(start) || start < 0) throw invalid(`Invalid startIndex: ${q.get('startIndex')}`);
  const ts = timestampFormatOf({ useInt64Timestamp: q.get('formatOptions.useInt64Timestamp') ?? undefined, timestampOutputFormat: q.get('formatOptions.timestampOutputFormat') ?? undefined });
  const max = maxResultsOf(q, DEFAULT_PAGE_ROWS);
  return ok({ kind: 'bigquery#getQueryResultsResponse', etag: String(job.endTime), ...resultsPage(job, start, max, ts) });
};

export const jobsList: Handler = async (state, ctx) => {
  const all = state.jobs.list(ctx.params['projectId']!);
  const page = pageOf(all, ctx.query);
  return ok({
    kind: 'bigquery#jobList',
    etag: String(all.length),
    jobs: page.items.map((j) => {
      const r = jobResource(j, ctx);
      return { id: r['id'], kind: r['kind'], jobReference: r['jobReference'], state: 'DONE', configuration: r['configuration'], status: r['status'], statistics: r['statistics'], user_email: r['user_email'], ...(j.error ? { errorResult: j.error.toErrorProto() } : {}) };
    }),
    ...(page.nextPageToken ? { nextPageToken: page.nextPageToken } : {}),
  });
};

export const jobsCancel: Handler = async (state, ctx) => {
  const job = state.jobs.get(ctx.params['projectId']!, ctx.params['jobId']!);
  return ok({ kind: 'bigquery#jobCancelResponse', job: jobResource(job, ctx) });
};

export const jobsDelete: Handler = async (state, ctx) => {
  state.jobs.delete(ctx.params['projectId']!, ctx.params['jobId']!);
  return { status: 204 };
};
