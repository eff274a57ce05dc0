// Jobs that run in the background: jobs.query / getQueryResults waiting up to
// timeoutMs, jobTimeoutMs stopping a job, jobs.cancel interrupting the DuckDB
// statement (SELECT and DML, the latter rolled back), through REST and the
// Node client; and the bounds on jobs kept and result bytes held.
import assert from 'node:assert/strict';
import { BigQuery } from '@google-cloud/bigquery';
import { startBigQueryEmulator, type BigQueryEmulator } from '../../../emulators/bigquery/server.js';

type Json = Record<string, unknown> & { error?: { code: number; message: string; errors: { reason: string }[] } };

function client(emu: BigQueryEmulator): (method: string, p: string, body?: unknown) => Promise<{ status: number; json: Json }> {
  return async (method, p, body) => {
    const res = await fetch(`${emu.url}${p}`, { method, headers: body === undefined ? {} : { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, json: text ? (JSON.parse(text) as Json) : {} };
  };
}

// Four-way cross join of 1,000 rows: 10^12 combinations, far longer than any
// test waits; only a cancel or a timeout ends it (the emulator's maxJobMs is the backstop).
const ENDLESS = 'SELECT COUNT(*) AS n FROM d.n a, d.n b, d.n c, d.n e WHERE a.i + b.i + c.i + e.i = -1';

describe('integration: BigQuery emulator job lifecycle (timeouts, cancel, bounds)', function () {
  this.timeout(90_000);
  let emu: BigQueryEmulator;
  let call: ReturnType<typeof client>;

  before(async () => {
    emu = await startBigQueryEmulator({ port: 0, jobLimits: { maxJobMs: 30_000 } });
    call = client(emu);
    await call('POST', '/projects/p/datasets', { datasetReference: { datasetId: 'd' } });
    await call('POST', '/projects/p/datasets/d/tables', { tableReference: { tableId: 'n' }, schema: { fields: [{ name: 'i', type: 'INT64' }] } });
    await call('POST', '/projects/p/datasets/d/tables', { tableReference: { tableId: 'out' }, schema: { fields: [{ name: 'i', type: 'INT64' }] } });
    const ins = await call('POST', '/projects/p/datasets/d/tables/n/insertAll', { rows: Array.from({ length: 1000 }, (_, i) => ({ json: { i } })) });
    assert.equal(ins.status, 200);
  });

  after(async () => {
    await emu?.close();
  });

  it('jobs.query answers jobComplete:false after timeoutMs; jobs.cancel stops the statement and the job is DONE with errorResult stopped', async () => {
    const started = Date.now();
    const q = await call('POST', '/projects/p/queries', { query: ENDLESS, useLegacySql: false, timeoutMs: 300 });
    assert.equal(q.status, 200);
    assert.equal(q.json['jobComplete'], false);
    assert.equal(q.json['rows'], undefined);
    const jobId = (q.json['jobReference'] as { jobId: string }).jobId;
    const running = await call('GET', `/projects/p/jobs/${jobId}`);
    assert.deepEqual(running.json['status'], { state: 'RUNNING' });
    const wait = await call('GET', `/projects/p/queries/${jobId}?timeoutMs=200`);
    assert.equal(wait.json['jobComplete'], false);
    const cancel = await call('POST', `/projects/p/jobs/${jobId}/cancel`);
    assert.equal(cancel.status, 200);
    assert.equal(cancel.json['kind'], 'bigquery#jobCancelResponse');
    const status = (cancel.json['job'] as { status: { state: string; errorResult: { reason: string; message: string } } }).status;
    assert.equal(status.state, 'DONE');
    assert.equal(status.errorResult.reason, 'stopped');
    assert.equal(status.errorResult.message, 'Job execution was cancelled: User requested cancellation');
    // Stopped well before the 30 s backstop: the statement was interrupted, not left to run.
    assert.ok(Date.now() - started < 20_000);
    const results = await call('GET', `/projects/p/queries/${jobId}`);
    assert.equal(results.status, 400);
    assert.equal(results.json.error!.errors[0]!.reason, 'stopped');
    // The engine is free again.
    const after = await call('POST', '/projects/p/queries', { query: 'SELECT COUNT(*) FROM d.n', useLegacySql: false });
    assert.deepEqual(after.json['rows'], [{ f: [{ v: '1000' }] }]);
  });

  it('configuration.jobTimeoutMs stops a job: DONE with errorResult timeout', async () => {
    const r = await call('POST', '/projects/p/jobs', { jobReference: { jobId: 'times-out' }, configuration: { jobTimeoutMs: '400', query: { query: ENDLESS, useLegacySql: false } } });
    assert.equal(r.status, 200);
    let job = r.json;
    for (let i = 0; i < 100 && (job['status'] as { state: string }).state !== 'DONE'; i++) {
      await new Promise((res) => setTimeout(res, 100));
      job = (await call('GET', '/projects/p/jobs/times-out')).json;
    }
    const status = job['status'] as { state: string; errorResult: { reason: string; message: string } };
    assert.equal(status.state, 'DONE');
    assert.equal(status.errorResult.reason, 'timeout');
    assert.match(status.errorResult.message, /timed out after 400 ms \(configuration\.jobTimeoutMs\)/);
    const stats = job['statistics'] as { startTime: string; endTime: string };
    const ran = Number(stats.endTime) - Number(stats.startTime);
    assert.ok(ran >= 400 && ran < 20_000, `ran ${ran} ms`);
  });

  it('cancelling a DML statement rolls it back and releases the writer', async () => {
    const dml = "INSERT INTO d.out (i) SELECT a.i FROM d.n a, d.n b, d.n c, d.n e WHERE MOD(a.i * 1000003 + b.i * 1009 + c.i * 7 + e.i, 1000) = 0";
    const r = await call('POST', '/projects/p/jobs', { jobReference: { jobId: 'long-dml' }, configuration: { query: { query: dml, useLegacySql: false } } });
    assert.deepEqual(r.json['status'], { state: 'RUNNING' });
    const cancel = await call('POST', '/projects/p/jobs/long-dml/cancel');
    assert.equal((cancel.json['job'] as { status: { errorResult: { reason: string } } }).status.errorResult.reason, 'stopped');
    const count = await call('POST', '/projects/p/queries', { query: 'SELECT COUNT(*) FROM d.out', useLegacySql: false });
    assert.deepEqual(count.json['rows'], [{ f: [{ v: '0' }] }]);
    const ins = await call('POST', '/projects/p/queries', { query: 'INSERT INTO d.out (i) VALUES (1)', useLegacySql: false });
    assert.equal(ins.json['numDmlAffectedRows'], '1');
    await call('POST', '/projects/p/queries', { query: 'DELETE FROM d.out WHERE TRUE', useLegacySql: false });
  });

  it('the Node client cancels a running query job and sees it stopped', async () => {
    const bq = new BigQuery({ projectId: 'p', apiEndpoint: emu.url });
    const [job] = await bq.createQueryJob({ query: ENDLESS, useLegacySql: false });
    const [before] = await job.getMetadata();
    assert.equal(before.status.state, 'RUNNING');
    await job.cancel();
    const [meta] = await job.getMetadata();
    assert.equal(meta.status.state, 'DONE');
    assert.equal(meta.status.errorResult.reason, 'stopped');
    await assert.rejects(job.getQueryResults(), /Job execution was cancelled/);
  });

  it('lists jobs by stateFilter', async () => {
    const done = await call('GET', '/projects/p/jobs?stateFilter=done');
    const states = (done.json['jobs'] as { state: string }[]).map((j) => j.state);
    assert.ok(states.length >= 4 && states.every((s) => s === 'DONE'), JSON.stringify(states));
    const running = await call('GET', '/projects/p/jobs?stateFilter=running');
    assert.equal(running.json['jobs'] instanceof Array ? (running.json['jobs'] as unknown[]).length : -1, 0);
  });

  describe('bounds', () => {
    let small: BigQueryEmulator;
    let c: ReturnType<typeof client>;

    before(async () => {
      small = await startBigQueryEmulator({ port: 0, jobLimits: { maxJobs: 4, maxResultBytes: 20_000 } });
      c = client(small);
    });

    after(async () => {
      await small?.close();
    });

    // 100 rows of one 10-character string: about 6,000 bytes held.
    const hundred = "SELECT CONCAT('row-', LPAD(CAST(x AS STRING), 6, '0')) AS s FROM UNNEST(GENERATE_ARRAY(1, 100)) AS x";

    it('drops the oldest results past maxResultBytes: getQueryResults of an evicted job is 404 naming the cap', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 4; i++) {
        const r = await c('POST', '/projects/p/queries', { query: hundred, useLegacySql: false, maxResults: 1 });
        assert.equal(r.status, 200, JSON.stringify(r.json));
        ids.push((r.json['jobReference'] as { jobId: string }).jobId);
      }
      const evicted = await c('GET', `/projects/p/queries/${ids[0]}?startIndex=1&maxResults=1`);
      assert.equal(evicted.status, 404);
      assert.match(evicted.json.error!.message, /no longer held by the BigQuery emulator \(it keeps at most 20000 bytes of query results/);
      const kept = await c('GET', `/projects/p/queries/${ids[3]}?startIndex=99`);
      assert.deepEqual(kept.json['rows'], [{ f: [{ v: 'row-000100' }] }]);
      // The evicted job keeps its metadata.
      const meta = await c('GET', `/projects/p/jobs/${ids[0]}`);
      assert.equal(meta.status, 200);
      assert.equal((meta.json['status'] as { state: string }).state, 'DONE');
    });

    it('keeps at most maxJobs jobs: the oldest are forgotten (404), the newest listed', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 6; i++) {
        const r = await c('POST', '/projects/p/jobs', { jobReference: { jobId: `bounded-${i}` }, configuration: { query: { query: `SELECT ${i} AS x`, useLegacySql: false } } });
        assert.equal(r.status, 200);
        ids.push(`bounded-${i}`);
      }
      const list = await c('GET', '/projects/p/jobs');
      assert.deepEqual((list.json['jobs'] as { jobReference: { jobId: string } }[]).map((j) => j.jobReference.jobId).sort(), ['bounded-2', 'bounded-3', 'bounded-4', 'bounded-5']);
      assert.equal((await c('GET', '/projects/p/jobs/bounded-0')).status, 404);
      const last = await c('GET', '/projects/p/queries/bounded-5');
      assert.deepEqual(last.json['rows'], [{ f: [{ v: '5' }] }]);
    });

    it('fails a single result larger than the whole cap with responseTooLarge', async () => {
      const r = await c('POST', '/projects/p/queries', { query: 'SELECT x FROM UNNEST(GENERATE_ARRAY(1, 1000)) AS x', useLegacySql: false });
      assert.equal(r.status, 403);
      assert.equal(r.json.error!.errors[0]!.reason, 'responseTooLarge');
      assert.match(r.json.error!.message, /Response too large to return/);
    });
  });
});
