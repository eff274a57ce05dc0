// The BigQuery emulator over plain HTTP, as the REST reference describes it:
// both path styles, the discovery document, result formatting (strings,
// TIMESTAMP per formatOptions, REPEATED/RECORD cells), errors, and the
// emulator's own endpoints (health, stats, reset).
import assert from 'node:assert/strict';
import { startBigQueryEmulator, type BigQueryEmulator } from '../../../emulators/bigquery/server.js';

describe('integration: BigQuery emulator REST API over plain HTTP', function () {
  this.timeout(30_000);
  let emu: BigQueryEmulator;

  async function call(method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
    const res = await fetch(`${emu.url}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  }

  before(async () => {
    emu = await startBigQueryEmulator({ port: 0 });
  });

  after(async () => {
    await emu?.close();
  });

  it('answers GET / with {"status":"ok"}', async () => {
    const r = await call('GET', '/');
    assert.deepEqual(r, { status: 200, json: { status: 'ok' } });
  });

  it('serves the discovery document with rootUrl/baseUrl pointing at itself', async () => {
    const r = await call('GET', '/$discovery/rest?version=v2');
    assert.equal(r.status, 200);
    assert.equal(r.json.rootUrl, `${emu.url}/`);
    assert.equal(r.json.baseUrl, `${emu.url}/bigquery/v2/`);
    assert.equal(r.json.name, 'bigquery');
    assert.ok((r.json.resources as Record<string, unknown>).jobs);
  });

  it('serves the same REST paths with and without the /bigquery/v2 prefix', async () => {
    const created = await call('POST', '/bigquery/v2/projects/p1/datasets', { datasetReference: { datasetId: 'd1' } });
    assert.equal(created.status, 200);
    assert.equal(created.json.id, 'p1:d1');
    const got = await call('GET', '/projects/p1/datasets/d1');
    assert.equal(got.status, 200);
    assert.deepEqual(got.json.datasetReference, { datasetId: 'd1', projectId: 'p1' });
    const table = await call('POST', '/projects/p1/datasets/d1/tables', {
      tableReference: { projectId: 'p1', datasetId: 'd1', tableId: 't' },
      schema: {
        fields: [
          { name: 'i', type: 'INT64' },
          { name: 'f', type: 'FLOAT64' },
          { name: 'ts', type: 'TIMESTAMP' },
          { name: 'tags', type: 'STRING', mode: 'REPEATED' },
          { name: 'r', type: 'RECORD', fields: [{ name: 'a', type: 'BOOL' }] },
          { name: 'n', type: 'NUMERIC' },
          { name: 'b', type: 'BYTES' },
          { name: 'j', type: 'JSON' },
        ],
      },
    });
    assert.equal(table.status, 200);
    const ins = await call('POST', '/bigquery/v2/projects/p1/datasets/d1/tables/t/insertAll', {
      rows: [{ insertId: '1', json: { i: '42', f: 21.5, ts: '2024-11-25T00:00:00Z', tags: ['x'], r: { a: true }, n: '1.50', b: 'AQID', j: { k: [1] } } }, { json: { f: 'Infinity' } }],
    });
    assert.deepEqual(ins, { status: 200, json: { kind: 'bigquery#tableDataInsertAllResponse' } });
  });

  it('formats query results as the REST API does (strings, NULL, REPEATED, RECORD, TIMESTAMP per formatOptions)', async () => {
    const q = { query: 'SELECT i, f, ts, tags, r, n, b, j FROM d1.t ORDER BY i DESC', useLegacySql: false };
    const plain = await call('POST', '/projects/p1/queries', q);
    assert.equal(plain.status, 200);
    assert.equal(plain.json.kind, 'bigquery#queryResponse');
    assert.equal(plain.json.totalRows, '2');
    assert.equal(plain.json.jobComplete, true);
    assert.equal(plain.json.cacheHit, false);
    assert.equal(typeof plain.json.totalBytesProcessed, 'string');
    assert.deepEqual((plain.json.jobReference as Record<string, string>).projectId, 'p1');
    assert.deepEqual(
      (plain.json.schema as { fields: { name: string; type: string; mode: string }[] }).fields.map((f) => `${f.name}:${f.type}:${f.mode}`),
      ['i:INTEGER:NULLABLE', 'f:FLOAT:NULLABLE', 'ts:TIMESTAMP:NULLABLE', 'tags:STRING:REPEATED', 'r:RECORD:NULLABLE', 'n:NUMERIC:NULLABLE', 'b:BYTES:NULLABLE', 'j:JSON:NULLABLE'],
    );
    // Without formatOptions a TIMESTAMP is epoch seconds as a float string.
    assert.deepEqual(plain.json.rows, [
      { f: [{ v: '42' }, { v: '21.5' }, { v: '1.7324928E9' }, { v: [{ v: 'x' }] }, { v: { f: [{ v: 'true' }] } }, { v: '1.5' }, { v: 'AQID' }, { v: '{"k":[1]}' }] },
      { f: [{ v: null }, { v: 'Infinity' }, { v: null }, { v: [] }, { v: null }, { v: null }, { v: null }, { v: null }] },
    ]);
    const micros = await call('POST', '/projects/p1/queries', { ...q, formatOptions: { useInt64Timestamp: true } });
    assert.deepEqual((micros.json.rows as { f: { v: unknown }[] }[])[0]!.f[2], { v: '1732492800000000' });
    const jobId = (micros.json.jobReference as { jobId: string }).jobId;
    const page = await call('GET', `/projects/p1/queries/${jobId}?maxResults=1&formatOptions.useInt64Timestamp=true`);
    assert.equal(page.json.kind, 'bigquery#getQueryResultsResponse');
    assert.equal((page.json.rows as unknown[]).length, 1);
    assert.ok(page.json.pageToken);
    const next = await call('GET', `/projects/p1/queries/${jobId}?maxResults=1&pageToken=${String(page.json.pageToken)}`);
    assert.equal((next.json.rows as { f: { v: unknown }[] }[])[0]!.f[1]!.v, 'Infinity');
    assert.equal(next.json.pageToken, undefined);
    const iso = await call('GET', `/projects/p1/queries/${jobId}?maxResults=1&formatOptions.timestampOutputFormat=ISO8601_STRING`);
    assert.deepEqual((iso.json.rows as { f: { v: unknown }[] }[])[0]!.f[2], { v: '2024-11-25T00:00:00Z' });
    const data = await call('GET', '/projects/p1/datasets/d1/tables/t/data?selectedFields=ts,i&maxResults=1');
    assert.equal(data.json.kind, 'bigquery#tableDataList');
    assert.equal(data.json.totalRows, '2');
    assert.deepEqual(data.json.rows, [{ f: [{ v: '42' }, { v: '1.7324928E9' }] }]);
  });

  it('answers errors in BigQuery JSON error shape with the right HTTP codes', async () => {
    const missing = await call('GET', '/projects/p1/datasets/d1/tables/x');
    assert.deepEqual(missing, {
      status: 404,
      json: {
        error: {
          code: 404,
          message: 'Not found: Table p1:d1.x was not found in location US',
          errors: [{ message: 'Not found: Table p1:d1.x was not found in location US', domain: 'global', reason: 'notFound' }],
          status: 'NOT_FOUND',
        },
      },
    });
    const dup = await call('POST', '/projects/p1/datasets', { datasetReference: { datasetId: 'd1' } });
    assert.equal(dup.status, 409);
    assert.equal((dup.json.error as { errors: { reason: string }[] }).errors[0]!.reason, 'duplicate');
    const bad = await call('POST', '/projects/p1/queries', { query: 'SELEC 1', useLegacySql: false });
    assert.equal(bad.status, 400);
    assert.equal((bad.json.error as { errors: { reason: string }[] }).errors[0]!.reason, 'invalidQuery');
    const badBody = await fetch(`${emu.url}/projects/p1/queries`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{not json' });
    assert.equal(badBody.status, 400);
    const noRows = await call('POST', '/projects/p1/datasets/d1/tables/t/insertAll', { rows: [] });
    assert.equal(noRows.status, 400);
    const unknownPath = await call('GET', '/nope');
    assert.equal(unknownPath.status, 404);
  });

  it('dry runs return schema and bytes without a job; jobs.insert/get/list work over REST', async () => {
    const dry = await call('POST', '/projects/p1/queries', { query: 'SELECT i FROM d1.t', dryRun: true, useLegacySql: false });
    assert.equal(dry.status, 200);
    assert.equal(dry.json.rows, undefined);
    assert.deepEqual((dry.json.schema as { fields: unknown[] }).fields, [{ name: 'i', type: 'INTEGER', mode: 'NULLABLE' }]);
    assert.ok(Number(dry.json.totalBytesProcessed) > 0);
    const job = await call('POST', '/projects/p1/jobs', { jobReference: { jobId: 'my-job' }, configuration: { query: { query: 'SELECT COUNT(*) FROM d1.t', useLegacySql: false } } });
    assert.equal(job.status, 200);
    assert.deepEqual(job.json.status, { state: 'DONE' });
    const again = await call('POST', '/projects/p1/jobs', { jobReference: { jobId: 'my-job' }, configuration: { query: { query: 'SELECT 1' } } });
    assert.equal(again.status, 409);
    const got = await call('GET', '/bigquery/v2/projects/p1/jobs/my-job');
    assert.equal((got.json.jobReference as { jobId: string }).jobId, 'my-job');
    const res = await call('GET', '/projects/p1/queries/my-job');
    assert.deepEqual(res.json.rows, [{ f: [{ v: '2' }] }]);
    assert.deepEqual((res.json.schema as { fields: { name: string }[] }).fields.map((f) => f.name), ['f0_']);
    const failed = await call('POST', '/projects/p1/jobs', { configuration: { query: { query: 'SELECT nope FROM d1.t', useLegacySql: false } } });
    assert.equal(failed.status, 200);
    assert.equal((failed.json.status as { errorResult: { reason: string } }).errorResult.reason, 'invalidQuery');
    const list = await call('GET', '/projects/p1/jobs');
    assert.ok((list.json.jobs as unknown[]).length >= 3);
  });

  it('counts requests in /emulator/v1/stats and drops everything on /emulator/v1/reset', async () => {
    const stats = await call('GET', '/emulator/v1/stats');
    const s = stats.json as { requests: Record<string, number>; insertAll: { requests: number; rowsInserted: number }; queries: { total: number } };
    assert.ok(s.requests['tabledata.insertAll']! >= 1);
    assert.equal(s.insertAll.rowsInserted, 2);
    assert.ok(s.queries.total >= 4);
    const reset = await call('POST', '/emulator/v1/reset');
    assert.equal(reset.status, 200);
    const list = await call('GET', '/projects/p1/datasets');
    assert.equal(list.json.datasets, undefined);
    const after = (await call('GET', '/emulator/v1/stats')).json as { insertAll: { rowsInserted: number } };
    assert.equal(after.insertAll.rowsInserted, 0);
  });
});
