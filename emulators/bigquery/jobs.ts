// jobs.query, jobs.insert, jobs.get, jobs.getQueryResults, jobs.list,
// jobs.cancel, jobs.delete. Jobs run in the background (job-store.ts):
// jobs.query and getQueryResults wait up to timeoutMs (default 10 s, as
// BigQuery) and answer jobComplete:false when the job is still running;
// jobs.insert answers when the job is done or after INSERT_WAIT_MS,
// whichever comes first (RUNNING then, as BigQuery answers).
import { invalid } from './errors.js';
import { dmlStats, jobReference, jobResource, resultSchema } from './job-resource.js';
import { JobStore, type Job } from './job-store.js';
import { decodePageToken, encodePageToken, maxResultsOf, pageOf } from './paging.js';
import { jobTimeoutOf, queryRequestOf, startQueryJob } from './query-job.js';
import { runQuery } from './query-runner.js';
import { startOtherJob } from './other-jobs.js';
import { ok, type Handler } from './state.js';
import { timestampFormatOf, type TimestampFormat } from './value-format.js';

const DEFAULT_PAGE_ROWS = 100000;
/** BigQuery's default wait of jobs.query and getQueryResults. */
const DEFAULT_TIMEOUT_MS = 10000;
/** BigQuery answers a long wait after about 200 s even if asked for more. */
const MAX_WAIT_MS = 200000;
/** How long jobs.insert waits for the job before answering RUNNING. */
const INSERT_WAIT_MS = 2000;
/** How long jobs.cancel waits for the job to stop before answering. */
const CANCEL_WAIT_MS = 2000;

function waitMsOf(raw: unknown): number {
  if (raw === undefined || raw === null || raw === '') return DEFAULT_TIMEOUT_MS;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) throw invalid(`Invalid value for timeoutMs: ${String(raw)}`);
  return Math.min(n, MAX_WAIT_MS);
}

function resultsPage(store: JobStore, job: Job, start: number, max: number, ts: TimestampFormat): Record<string, unknown> {
  const schema = resultSchema(job);
  const rows = schema ? store.pageRows(job, start, max, ts) : [];
  const end = start + rows.length;
  return {
    jobReference: jobReference(job),
    ...(schema ? { schema, totalRows: String(job.totalRows) } : {}),
    ...(schema && rows.length > 0 ? { rows } : {}),
    ...(schema && end < job.totalRows ? { pageToken: encodePageToken(end) } : {}),
    totalBytesProcessed: String(job.totalBytesProcessed),
    jobComplete: true,
    cacheHit: false,
    ...(job.numDmlAffectedRows !== undefined ? { numDmlAffectedRows: String(job.numDmlAffectedRows), dmlStats: dmlStats(job) } : {}),
  };
}

function jobOf(state: Parameters<Handler>[0], params: Record<string, string>): Job {
  return state.jobs.get(params['projectId']!, params['jobId']!);
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
  const waitMs = waitMsOf(body['timeoutMs']);
  const max = maxResultsOf(body['maxResults'] as number | undefined, DEFAULT_PAGE_ROWS);
  const configuration = { jobType: 'QUERY', query: { query: req.query, useLegacySql: false, ...(req.defaultDataset ? { defaultDataset: req.defaultDataset } : {}) } };
  const job = startQueryJob(state, project, state.jobs.newJobId(), req, configuration, jobTimeoutOf(body['jobTimeoutMs']));
  if (!(await state.jobs.wait(job, waitMs))) return ok({ kind: 'bigquery#queryResponse', jobReference: jobReference(job), jobComplete: false });
  if (job.error) throw job.error;
  return ok({ kind: 'bigquery#queryResponse', ...resultsPage(state.jobs, job, 0, max, ts) });
};

export const jobsInsert: Handler = async (state, ctx) => {
  const project = ctx.params['projectId']!;
  const conf = (ctx.body['configuration'] ?? {}) as Record<string, unknown>;
  const q = conf['query'] as Record<string, unknown> | undefined;
  const ref = (ctx.body['jobReference'] ?? {}) as { jobId?: unknown };
  const jobId = ref.jobId === undefined ? state.jobs.newJobId() : JobStore.checkJobId(ref.jobId);
  if (!q) {
    const job = startOtherJob(state, project, jobId, conf);
    await state.jobs.wait(job, INSERT_WAIT_MS);
    return ok(jobResource(job, ctx));
  }
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
  const job = startQueryJob(state, project, jobId, req, configuration, jobTimeoutOf(conf['jobTimeoutMs']));
  await state.jobs.wait(job, INSERT_WAIT_MS);
  return ok(jobResource(job, ctx));
};

export const jobsGet: Handler = async (state, ctx) => ok(jobResource(jobOf(state, ctx.params), ctx));

export const jobsGetQueryResults: Handler = async (state, ctx) => {
  const job = jobOf(state, ctx.params);
  const q = ctx.query;
  const start = q.get('pageToken') ? decodePageToken(q.get('pageToken')) : Number(q.get('startIndex') ?? '0');
  if (!Number.isSafeInteger(start) || start < 0) throw invalid(`Invalid startIndex: ${q.get('startIndex')}`);
  const ts = timestampFormatOf({ useInt64Timestamp: q.get('formatOptions.useInt64Timestamp') ?? undefined, timestampOutputFormat: q.get('formatOptions.timestampOutputFormat') ?? undefined });
  const max = maxResultsOf(q, DEFAULT_PAGE_ROWS);
  if (!(await state.jobs.wait(job, waitMsOf(q.get('timeoutMs') ?? undefined)))) {
    return ok({ kind: 'bigquery#getQueryResultsResponse', etag: `${job.state}.${job.creationTime}`, jobReference: jobReference(job), jobComplete: false });
  }
  if (job.error) throw job.error;
  return ok({ kind: 'bigquery#getQueryResultsResponse', etag: String(job.endTime), ...resultsPage(state.jobs, job, start, max, ts) });
};

export const jobsList: Handler = async (state, ctx) => {
  const stateFilter = ctx.query.getAll('stateFilter').map((s) => s.toUpperCase());
  const all = state.jobs.list(ctx.params['projectId']!).filter((j) => stateFilter.length === 0 || stateFilter.includes(j.state));
  const page = pageOf(all, ctx.query);
  return ok({
    kind: 'bigquery#jobList',
    etag: String(all.length),
    jobs: page.items.map((j) => {
      const r = jobResource(j, ctx);
      return { id: r['id'], kind: r['kind'], jobReference: r['jobReference'], state: j.state, configuration: r['configuration'], status: r['status'], statistics: r['statistics'], user_email: r['user_email'], ...(j.error ? { errorResult: j.error.toErrorProto() } : {}) };
    }),
    ...(page.nextPageToken ? { nextPageToken: page.nextPageToken } : {}),
  });
};

// BigQuery answers with the job, usually still RUNNING; here the statement is
// interrupted at once, so the answer usually shows it DONE with errorResult stopped.
export const jobsCancel: Handler = async (state, ctx) => {
  const job = jobOf(state, ctx.params);
  state.jobs.cancel(job);
  await state.jobs.wait(job, CANCEL_WAIT_MS);
  return ok({ kind: 'bigquery#jobCancelResponse', job: jobResource(job, ctx) });
};

export const jobsDelete: Handler = async (state, ctx) => {
  state.jobs.delete(ctx.params['projectId']!, ctx.params['jobId']!);
  return { status: 204 };
};
