// Jobs: each one runs in the background from jobs.insert / jobs.query (or an
// upload) and is kept with its result so getQueryResults can page through it.
//
// Memory is bounded two ways:
// - at most `maxJobs` jobs are kept; past that the oldest finished ones are
//   forgotten (jobs.get then answers 404 notFound, as for an unknown job);
// - query results are held up to `maxResultBytes` in total; past that the
//   oldest results are dropped and their job keeps only its metadata
//   (getQueryResults then answers 404 notFound naming the cap). One result
//   larger than the whole cap fails its job with responseTooLarge, as
//   BigQuery does for results past its response limit without a
//   destinationTable.
//
// A job can be cancelled (jobs.cancel) or time out (configuration.jobTimeoutMs,
// capped by the server's own limit): both abort its signal, which interrupts
// the DuckDB statement running for it, and the job ends DONE with an
// errorResult (stopped / timeout).
import { randomUUID } from 'node:crypto';
import type { DuckDBValue } from '@duckdb/node-api';
import { BqError, duplicate, invalid, jobNotFound, notFound } from './errors.js';
import { formatRow, retimeRow, rowBytes, type Cell, type ResultColumn, type TimestampFormat } from './value-format.js';

export type JobType = 'QUERY' | 'LOAD' | 'EXTRACT' | 'COPY';
export type JobState = 'PENDING' | 'RUNNING' | 'DONE';

/** What a finished job produced; the store formats rows and keeps statistics. */
export interface JobOutcome {
  statementType?: string;
  totalBytesProcessed?: number;
  numDmlAffectedRows?: number;
  columns?: ResultColumn[];
  rows?: DuckDBValue[][];
  /** Merged into statistics.query / load / extract / copy. */
  statistics?: Record<string, unknown>;
  /** Problems that did not fail the job (bad records a load skipped): status.errors. */
  warnings?: BqError[];
}

export interface Job {
  readonly project: string;
  readonly jobId: string;
  readonly jobType: JobType;
  readonly configuration: Record<string, unknown>;
  readonly userEmail: string;
  state: JobState;
  creationTime: number;
  startTime?: number;
  endTime?: number;
  error?: BqError;
  warnings: BqError[];
  statementType?: string;
  totalBytesProcessed: number;
  numDmlAffectedRows?: number;
  statistics: Record<string, unknown>;
  columns?: ResultColumn[];
  /** Rows formatted with INT64 timestamps (other formats re-render their TIMESTAMP cells). */
  rows?: { f: Cell[] }[];
  totalRows: number;
  resultBytes: number;
  resultsEvicted: boolean;
  /** Settles (never rejects) when the job is DONE. */
  readonly done: Promise<void>;
}

/** One job as INFORMATION_SCHEMA.JOBS describes it (times in ms since the epoch). */
export interface JobSummary {
  projectId: string;
  jobId: string;
  userEmail: string;
  jobType: JobType;
  statementType: string | null;
  state: JobState;
  creationTime: number;
  startTime: number | null;
  endTime: number | null;
  query: string | null;
  totalBytesProcessed: number;
  totalBytesBilled: number;
  cacheHit: boolean;
  error: { reason: string; message: string } | null;
  destinationTable: { projectId: string; datasetId: string; tableId: string } | null;
}

export interface JobLimits {
  /** Jobs kept (metadata); the oldest finished ones are forgotten past it. */
  maxJobs: number;
  /** Bytes of query results held across all jobs. */
  maxResultBytes: number;
  /** Longest any job may run; a job's own jobTimeoutMs can only lower it. */
  maxJobMs: number;
}

export const DEFAULT_JOB_LIMITS: JobLimits = { maxJobs: 1000, maxResultBytes: 256 * 1024 * 1024, maxJobMs: 5 * 60 * 1000 };

export interface JobSpec {
  project: string;
  jobId: string;
  jobType: JobType;
  configuration: Record<string, unknown>;
}

const JOB_ID_RE = /^[A-Za-z0-9_-]{1,1024}$/;

interface Running {
  controller: AbortController;
  timer?: NodeJS.Timeout;
}

export class JobStore {
  private readonly jobs = new Map<string, Job>();
  private readonly running = new Map<Job, Running>();
  /** Jobs holding results, oldest first, and the bytes they hold. */
  private readonly withResults = new Set<Job>();
  private heldBytes = 0;

  constructor(
    readonly limits: JobLimits = DEFAULT_JOB_LIMITS,
    private readonly log: (line: string) => void = () => undefined,
  ) {}

  newJobId(): string {
    return `job_${randomUUID().replace(/-/g, '_')}`;
  }

  /** Validates a client-chosen job id (BigQuery: letters, digits, _ and -, at most 1024). */
  static checkJobId(jobId: unknown): string {
    if (typeof jobId !== 'string' || !JOB_ID_RE.test(jobId)) {
      throw invalid(`Invalid job ID "${String(jobId).slice(0, 100)}". Job IDs must be alphanumeric (plus underscores and dashes) and must be at most 1024 characters long.`);
    }
    return jobId;
  }

  has(project: string, jobId: string): boolean {
    return this.jobs.has(`${project}:${jobId}`);
  }

  get(project: string, jobId: string): Job {
    const j = this.jobs.get(`${project}:${jobId}`);
    if (!j) throw jobNotFound(project, jobId);
    return j;
  }

  /** Newest first; every project when none is given. */
  list(project?: string): Job[] {
    return [...this.jobs.values()].filter((j) => project === undefined || j.project === project).sort((a, b) => b.creationTime - a.creationTime);
  }

  /** The typed form INFORMATION_SCHEMA.JOBS reads. */
  summaries(project?: string): JobSummary[] {
    return this.list(project).map(summarize);
  }

  /**
   * Starts a job: run() gets a signal that aborts on cancel or timeout.
   * Returns at once; await job.done for the outcome.
   */
  start(spec: JobSpec, run: (signal: AbortSignal) => Promise<JobOutcome>, jobTimeoutMs?: number): Job {
    const key = `${spec.project}:${spec.jobId}`;
    if (this.jobs.has(key)) throw duplicate(`Already Exists: Job ${spec.project}:US.${spec.jobId}`);
    const controller = new AbortController();
    const now = Date.now();
    let settle!: () => void;
    const job: Job = {
      ...spec,
      userEmail: 'emulator@localhost',
      state: 'RUNNING',
      creationTime: now,
      startTime: now,
      warnings: [],
      totalBytesProcessed: 0,
      statistics: {},
      totalRows: 0,
      resultBytes: 0,
      resultsEvicted: false,
      done: new Promise<void>((r) => (settle = r)),
    };
    const limit = Math.min(this.limits.maxJobMs, jobTimeoutMs !== undefined && jobTimeoutMs > 0 ? jobTimeoutMs : Infinity);
    const entry: Running = { controller };
    if (Number.isFinite(limit)) {
      entry.timer = setTimeout(() => controller.abort(new BqError(400, 'timeout', `Job execution was cancelled: Job timed out after ${limit} ms${limit === this.limits.maxJobMs ? ' (the emulator\'s --max-job-ms)' : ' (configuration.jobTimeoutMs)'}`)), limit);
      entry.timer.unref();
    }
    this.jobs.set(key, job);
    this.running.set(job, entry);
    this.evictJobs();
    // Started on the next turn so the caller holds the job before anything settles.
    void Promise.resolve()
      .then(() => {
        // Cancelled or timed out before it began: never start the work.
        controller.signal.throwIfAborted();
        return run(controller.signal);
      })
      .then(
        // Work that completed is reported as done even when a cancel arrived meanwhile.
        (outcome) => this.finish(job, outcome, controller.signal),
        (err: unknown) => this.finish(job, undefined, controller.signal, err),
      )
      .finally(() => {
        clearTimeout(entry.timer);
        this.running.delete(job);
        settle();
      });
    return job;
  }

  /** Waits up to ms for the job to finish; true when it is DONE. */
  async wait(job: Job, ms: number): Promise<boolean> {
    if (job.state === 'DONE') return true;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([job.done, new Promise<void>((r) => (timer = setTimeout(r, Math.max(0, ms))))]);
    clearTimeout(timer);
    // Re-read: the job changed state while we waited.
    return (job.state as JobState) === 'DONE';
  }

  /** Asks a running job to stop; it ends DONE with a stopped errorResult. */
  cancel(job: Job): void {
    this.running.get(job)?.controller.abort(new BqError(400, 'stopped', 'Job execution was cancelled: User requested cancellation'));
  }

  /** Cancels every running job and waits (bounded) for them to end. */
  async cancelAll(ms: number): Promise<void> {
    const jobs = [...this.running.keys()];
    for (const j of jobs) this.cancel(j);
    await Promise.all(jobs.map((j) => this.wait(j, ms)));
  }

  delete(project: string, jobId: string): void {
    const job = this.get(project, jobId);
    this.cancel(job);
    this.dropResults(job);
    this.jobs.delete(`${project}:${jobId}`);
  }

  async clear(): Promise<void> {
    await this.cancelAll(5000);
    this.jobs.clear();
    this.withResults.clear();
    this.heldBytes = 0;
  }

  /** A page of the job's rows in the requested timestamp format. */
  pageRows(job: Job, start: number, max: number, ts: TimestampFormat): { f: Cell[] }[] {
    if (job.resultsEvicted) {
      throw notFound(
        `Not found: the results of job ${job.project}:US.${job.jobId} are no longer held by the BigQuery emulator (it keeps at most ${this.limits.maxResultBytes} bytes of query results, oldest dropped first; --max-result-bytes). Run the query again.`,
      );
    }
    const page = (job.rows ?? []).slice(start, start + max);
    if (ts === 'INT64_MICROS') return page;
    const fields = (job.columns ?? []).map((c) => c.field);
    return page.map((r) => retimeRow(r, fields, ts));
  }

  private finish(job: Job, outcome: JobOutcome | undefined, signal: AbortSignal, err?: unknown): void {
    job.state = 'DONE';
    job.endTime = Date.now();
    if (!outcome && signal.aborted) {
      job.error = signal.reason instanceof BqError ? signal.reason : new BqError(400, 'stopped', 'Job execution was cancelled');
      return;
    }
    if (err !== undefined || !outcome) {
      job.error = err instanceof BqError ? err : new BqError(500, 'backendError', err instanceof Error ? err.message : String(err));
      job.warnings = job.error.details ?? [];
      if (!(err instanceof BqError)) this.log(`job ${job.project}:${job.jobId} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      return;
    }
    job.statementType = outcome.statementType;
    job.totalBytesProcessed = outcome.totalBytesProcessed ?? 0;
    job.numDmlAffectedRows = outcome.numDmlAffectedRows;
    job.statistics = outcome.statistics ?? {};
    job.warnings = outcome.warnings ?? [];
    if (outcome.columns && outcome.rows) {
      try {
        // Formatting errors (int64 overflow, NULL in an array) fail the job.
        const rows = outcome.rows.map((r) => formatRow(r, outcome.columns!, 'INT64_MICROS'));
        const bytes = rows.reduce((s, r) => s + rowBytes(r), 0);
        if (bytes > this.limits.maxResultBytes) {
          throw new BqError(403, 'responseTooLarge', `Response too large to return (${bytes} bytes held in memory, the emulator's --max-result-bytes is ${this.limits.maxResultBytes}). Consider specifying a destination table in your job configuration.`);
        }
        job.columns = outcome.columns;
        job.rows = rows;
        job.totalRows = rows.length;
        job.resultBytes = bytes;
        this.withResults.add(job);
        this.heldBytes += bytes;
        this.evictResults(job);
      } catch (e) {
        job.error = e instanceof BqError ? e : new BqError(500, 'backendError', e instanceof Error ? e.message : String(e));
      }
    }
  }

  private dropResults(job: Job): void {
    if (!this.withResults.delete(job)) return;
    this.heldBytes -= job.resultBytes;
    delete job.rows;
    job.resultsEvicted = true;
  }

  private evictResults(keep: Job): void {
    for (const old of this.withResults) {
      if (this.heldBytes <= this.limits.maxResultBytes) break;
      if (old !== keep) this.dropResults(old);
    }
  }

  private evictJobs(): void {
    if (this.jobs.size <= this.limits.maxJobs) return;
    // Map order is insertion order: the oldest jobs come first. Running jobs stay.
    for (const [key, job] of this.jobs) {
      if (this.jobs.size <= this.limits.maxJobs) break;
      if (job.state !== 'DONE') continue;
      this.dropResults(job);
      this.jobs.delete(key);
    }
  }
}

function summarize(j: Job): JobSummary {
  const conf = j.configuration as { query?: { query?: string; destinationTable?: JobSummary['destinationTable'] }; load?: { destinationTable?: JobSummary['destinationTable'] }; copy?: { destinationTable?: JobSummary['destinationTable'] } };
  const dest = conf.query?.destinationTable ?? conf.load?.destinationTable ?? conf.copy?.destinationTable ?? null;
  return {
    projectId: j.project,
    jobId: j.jobId,
    userEmail: j.userEmail,
    jobType: j.jobType,
    statementType: j.statementType ?? null,
    state: j.state,
    creationTime: j.creationTime,
    startTime: j.startTime ?? null,
    endTime: j.endTime ?? null,
    query: conf.query?.query ?? null,
    totalBytesProcessed: j.totalBytesProcessed,
    totalBytesBilled: 0,
    cacheHit: false,
    error: j.error ? { reason: j.error.reason, message: j.error.message } : null,
    destinationTable: dest,
  };
}
