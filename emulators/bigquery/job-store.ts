// Query jobs: every query runs to completion synchronously and is kept with
// its result so getQueryResults can page through it. Results of only the most
// recent jobs are kept (memory); older jobs keep their metadata.
import { randomUUID } from 'node:crypto';
import type { DuckDBValue } from '@duckdb/node-api';
import { BqError, duplicate, invalid, jobNotFound } from './errors.js';
import type { QueryRequest, QueryResult } from './query-runner.js';
import { formatRow, type Cell, type ResultColumn, type TimestampFormat } from './value-format.js';

export interface Job {
  project: string;
  jobId: string;
  request: QueryRequest;
  configuration: Record<string, unknown>;
  creationTime: number;
  startTime: number;
  endTime: number;
  error?: BqError;
  statementType?: string;
  totalBytesProcessed: number;
  numDmlAffectedRows?: number;
  columns?: ResultColumn[];
  totalRows: number;
  /** Raw values (for non-default timestamp formats) and rows formatted with INT64 timestamps. */
  rawRows?: DuckDBValue[][];
  rows?: { f: Cell[] }[];
  resultsExpired?: boolean;
}

const KEEP_RESULTS = 200;

export class JobStore {
  private readonly jobs = new Map<string, Job>();
  private readonly withResults: string[] = [];

  newJobId(): string {
    return `job_${randomUUID().replace(/-/g, '_')}`;
  }

  has(project: string, jobId: string): boolean {
    return this.jobs.has(`${project}:${jobId}`);
  }

  get(project: string, jobId: string): Job {
    const j = this.jobs.get(`${project}:${jobId}`);
    if (!j) throw jobNotFound(project, jobId);
    return j;
  }

  list(project: string): Job[] {
    return [...this.jobs.values()].filter((j) => j.project === project).sort((a, b) => b.creationTime - a.creationTime);
  }

  delete(project: string, jobId: string): void {
    this.get(project, jobId);
    this.jobs.delete(`${project}:${jobId}`);
  }

  clear(): void {
    this.jobs.clear();
    this.withResults.length = 0;
  }

  /** Records a finished job; formatting errors (int64 overflow, NULL in an array) fail the job. */
  record(project: string, jobId: string, request: QueryRequest, configuration: Record<string, unknown>, started: number, outcome: QueryResult | BqError): Job {
    const key = `${project}:${jobId}`;
    if (this.jobs.has(key)) throw duplicate(`Already Exists: Job ${project}:US.${jobId}`);
    const job: Job = { project, jobId, request, configuration, creationTime: started, startTime: started, endTime: Date.now(), totalBytesProcessed: 0, totalRows: 0 };
    if (outcome instanceof BqError) job.error = outcome;
    else {
      try {
        job.rows = outcome.rows.map((r) => formatRow(r, outcome.columns, 'INT64_MICROS'));
        job.rawRows = outcome.rows;
        job.columns = outcome.columns;
        job.totalRows = outcome.rows.length;
      } catch (err) {
        if (!(err instanceof BqError)) throw err;
        job.error = err;
      }
      job.statementType = outcome.statementType;
      job.totalBytesProcessed = outcome.totalBytesProcessed;
      job.numDmlAffectedRows = outcome.numDmlAffectedRows;
    }
    this.jobs.set(key, job);
    this.withResults.push(key);
    while (this.withResults.length > KEEP_RESULTS) {
      const old = this.jobs.get(this.withResults.shift()!);
      if (old) {
        delete old.rows;
        delete old.rawRows;
        old.resultsExpired = true;
      }
    }
    return job;
  }
}

/** A page of a job's rows in the requested timestamp format. */
export function pageRows(job: Job, start: number, max: number, ts: TimestampFormat): { f: Cell[] }[] {
  if (job.resultsExpired) throw invalid(`The results of job ${job.project}:US.${job.jobId} are no longer available in the BigQuery emulator`);
  if (ts === 'INT64_MICROS') return (job.rows ?? []).slice(start, start + max);
  return (job.rawRows ?? []).slice(start, start + max).map((r) => formatRow(r, job.columns ?? [], ts));
}
