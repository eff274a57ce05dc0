// A job as the REST API shows it: jobReference, configuration, status
// (RUNNING, or DONE with errorResult / errors) and statistics per job type.
import type { Job } from './job-store.js';
import type { RequestContext } from './state.js';

export function jobReference(job: Job): Record<string, string> {
  return { projectId: job.project, jobId: job.jobId, location: 'US' };
}

/** The result schema of a finished SELECT, or of a script that ended with one. */
export function resultSchema(job: Job): { fields: unknown[] } | undefined {
  if (!job.columns || (job.statementType !== 'SELECT' && !(job.statementType === 'SCRIPT' && job.columns.length > 0))) return undefined;
  return { fields: job.columns.map((c) => c.field) };
}

export function jobStatus(job: Job): Record<string, unknown> {
  if (job.state !== 'DONE') return { state: job.state };
  const errors = [...(job.error ? [job.error] : []), ...job.warnings].map((e) => e.toErrorProto());
  return { state: 'DONE', ...(job.error ? { errorResult: job.error.toErrorProto() } : {}), ...(errors.length > 0 ? { errors } : {}) };
}

function typeStatistics(job: Job): Record<string, unknown> {
  if (job.jobType === 'QUERY') {
    const schema = resultSchema(job);
    return {
      query: {
        totalBytesProcessed: String(job.totalBytesProcessed),
        totalBytesBilled: '0',
        cacheHit: false,
        ...(job.statementType ? { statementType: job.statementType } : {}),
        ...(schema ? { schema } : {}),
        ...(job.numDmlAffectedRows !== undefined ? { numDmlAffectedRows: String(job.numDmlAffectedRows), dmlStats: dmlStats(job) } : {}),
        ...job.statistics,
      },
    };
  }
  return { [job.jobType.toLowerCase()]: job.statistics };
}

export function dmlStats(job: Job): Record<string, string> {
  const n = String(job.numDmlAffectedRows ?? 0);
  if (job.statementType === 'INSERT') return { insertedRowCount: n };
  if (job.statementType === 'DELETE') return { deletedRowCount: n };
  if (job.statementType === 'UPDATE') return { updatedRowCount: n };
  return {};
}

export function jobResource(job: Job, ctx: RequestContext): Record<string, unknown> {
  return {
    kind: 'bigquery#job',
    etag: `${job.state}.${job.endTime ?? job.creationTime}`,
    id: `${job.project}:US.${job.jobId}`,
    selfLink: `${ctx.origin}/bigquery/v2/projects/${encodeURIComponent(job.project)}/jobs/${job.jobId}?location=US`,
    user_email: job.userEmail,
    jobReference: jobReference(job),
    configuration: job.configuration,
    status: jobStatus(job),
    statistics: {
      creationTime: String(job.creationTime),
      ...(job.startTime !== undefined ? { startTime: String(job.startTime) } : {}),
      ...(job.endTime !== undefined ? { endTime: String(job.endTime) } : {}),
      ...(job.jobType === 'QUERY' ? { totalBytesProcessed: String(job.totalBytesProcessed) } : {}),
      ...(job.state === 'DONE' ? typeStatistics(job) : {}),
    },
  };
}
