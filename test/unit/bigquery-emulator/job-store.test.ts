// The job store's own rules, without DuckDB: background runs, cancel and
// timeout outcomes, result and job bounds, and the typed summaries
// INFORMATION_SCHEMA.JOBS is built from.
import assert from 'node:assert/strict';
import { DuckDBTypeId, VARCHAR } from '@duckdb/node-api';
import { BqError } from '../../../emulators/bigquery/errors.js';
import { JobStore, type JobOutcome } from '../../../emulators/bigquery/job-store.js';

const column = { field: { name: 's', type: 'STRING', mode: 'NULLABLE' }, duck: VARCHAR };
const rows = (n: number): JobOutcome => ({ statementType: 'SELECT', columns: [column], rows: Array.from({ length: n }, (_, i) => [`r${i}`]) });
const spec = (jobId: string, query = 'SELECT 1') => ({ project: 'p', jobId, jobType: 'QUERY' as const, configuration: { query: { query, destinationTable: { projectId: 'p', datasetId: 'd', tableId: 't' } } } });

describe('bigquery emulator: job store', () => {
  it('runs in the background and summarizes jobs with times, state, statement type, bytes and errors', async () => {
    assert.equal(VARCHAR.typeId, DuckDBTypeId.VARCHAR);
    const store = new JobStore({ maxJobs: 10, maxResultBytes: 1e6, maxJobMs: 60_000 });
    const ok = store.start(spec('a', 'SELECT s FROM t'), async () => ({ ...rows(2), totalBytesProcessed: 16 }));
    assert.equal(ok.state, 'RUNNING');
    const bad = store.start(spec('b'), () => Promise.reject(new BqError(400, 'invalidQuery', 'nope')));
    await Promise.all([ok.done, bad.done]);
    assert.equal(ok.totalRows, 2);
    const [b, a] = store.summaries('p').sort((x, y) => (x.jobId < y.jobId ? 1 : -1));
    assert.deepEqual({ ...a!, creationTime: 0, startTime: 0, endTime: 0 }, {
      projectId: 'p', jobId: 'a', userEmail: 'emulator@localhost', jobType: 'QUERY', statementType: 'SELECT', state: 'DONE',
      creationTime: 0, startTime: 0, endTime: 0, query: 'SELECT s FROM t', totalBytesProcessed: 16, totalBytesBilled: 0, cacheHit: false, error: null,
      destinationTable: { projectId: 'p', datasetId: 'd', tableId: 't' },
    });
    assert.ok(a!.endTime! >= a!.startTime! && a!.startTime! >= a!.creationTime);
    assert.deepEqual(b!.error, { reason: 'invalidQuery', message: 'nope' });
    assert.throws(() => store.start(spec('a'), async () => ({})), /Already Exists: Job p:US\.a/);
    assert.throws(() => JobStore.checkJobId('a b'), /Invalid job ID/);
  });

  it('reports a cancelled run as stopped, a timed-out one as timeout, and finished work as done', async () => {
    const store = new JobStore({ maxJobs: 10, maxResultBytes: 1e6, maxJobMs: 60_000 });
    const wait = (signal: AbortSignal): Promise<JobOutcome> => new Promise((_, reject) => signal.addEventListener('abort', () => reject(new Error('INTERRUPT Error: Interrupted!'))));
    const c = store.start(spec('c'), wait);
    store.cancel(c);
    await c.done;
    assert.equal(c.error?.reason, 'stopped');
    const t = store.start(spec('t'), wait, 30);
    await t.done;
    assert.equal(t.error?.reason, 'timeout');
    assert.match(t.error!.message, /timed out after 30 ms \(configuration\.jobTimeoutMs\)/);
    // Cancelled before it began: never started.
    let ran = false;
    const early = store.start(spec('early'), async () => ((ran = true), rows(1)));
    store.cancel(early);
    await early.done;
    assert.equal(early.error?.reason, 'stopped');
    assert.equal(ran, false);
    // A run that ignores the signal and completes is reported as it finished.
    const late = store.start(spec('late'), () => new Promise((r) => setTimeout(() => r(rows(1)), 30)));
    await new Promise((r) => setTimeout(r, 5));
    store.cancel(late);
    await late.done;
    assert.equal(late.error, undefined);
    assert.equal(await store.wait(late, 0), true);
  });

  it('re-renders TIMESTAMP cells for other formats from the one copy it keeps', async () => {
    const { TIMESTAMPTZ, DuckDBTimestampTZValue } = await import('@duckdb/node-api');
    const store = new JobStore();
    const j = store.start(spec('ts'), async () => ({ statementType: 'SELECT', columns: [{ field: { name: 't', type: 'TIMESTAMP', mode: 'NULLABLE' }, duck: TIMESTAMPTZ }], rows: [[new DuckDBTimestampTZValue(1732492800000000n)]] }));
    await j.done;
    assert.deepEqual(store.pageRows(j, 0, 10, 'INT64_MICROS'), [{ f: [{ v: '1732492800000000' }] }]);
    assert.deepEqual(store.pageRows(j, 0, 10, 'FLOAT_SECONDS'), [{ f: [{ v: '1.7324928E9' }] }]);
    assert.deepEqual(store.pageRows(j, 0, 10, 'ISO8601_STRING'), [{ f: [{ v: '2024-11-25T00:00:00Z' }] }]);
  });
});
