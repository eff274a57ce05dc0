// Query jobs: a GoogleSQL statement run in the background by the job store,
// from jobs.insert (configuration.query) or jobs.query.
import { invalid } from './errors.js';
import { destinationOf } from './table-write.js';
import type { Job } from './job-store.js';
import { runQuery, type QueryRequest } from './query-runner.js';
import type { EmulatorState } from './state.js';

export function queryRequestOf(project: string, q: Record<string, unknown>): QueryRequest {
  if (q['query'] !== undefined && typeof q['query'] !== 'string') throw invalid('Invalid value for query: must be a string');
  return {
    project,
    query: q['query'] as string,
    defaultDataset: q['defaultDataset'] as QueryRequest['defaultDataset'],
    queryParameters: q['queryParameters'] as QueryRequest['queryParameters'],
    parameterMode: q['parameterMode'] as string | undefined,
    useLegacySql: q['useLegacySql'] as boolean | undefined,
    // Query jobs default to WRITE_EMPTY, as in BigQuery.
    ...(q['destinationTable'] !== undefined ? { destination: destinationOf(project, q['destinationTable'], q, 'WRITE_EMPTY', 'destinationTable') } : {}),
  };
}

/** configuration.jobTimeoutMs / QueryRequest.jobTimeoutMs (an int64 string or a number). */
export function jobTimeoutOf(raw: unknown): number | undefined {
  if (raw === undefined || raw === null || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 0) throw invalid(`Invalid value for jobTimeoutMs: ${String(raw)}`);
  return n === 0 ? undefined : n;
}

export function startQueryJob(state: EmulatorState, project: string, jobId: string, req: QueryRequest, configuration: Record<string, unknown>, jobTimeoutMs?: number): Job {
  const job = state.jobs.start({ project, jobId, jobType: 'QUERY', configuration }, (signal) => runQuery(state, req, signal), jobTimeoutMs);
  state.stats.queries++;
  void job.done.then(() => {
    if (job.error) state.stats.queryErrors++;
  });
  return job;
}
