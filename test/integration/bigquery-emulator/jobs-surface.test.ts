// Load, extract, copy and destination-table query jobs, and views, through
// the official Node client (and raw REST for the resumable upload protocol):
// exact rows back, write and create dispositions, bad rows as BigQuery
// reports them. Parquet and Avro inputs are made by other producers (DuckDB
// in this process, avsc), and extracted files are read back the same way.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { DuckDBInstance } from '@duckdb/node-api';
import { BigQuery, type BigQueryOptions, type Dataset } from '@google-cloud/bigquery';
import avro from 'avsc';
import { startBigQueryEmulator, type BigQueryEmulator } from '../../../emulators/bigquery/server.js';
import { rejects } from './api-error.js';

describe('integration: BigQuery emulator load, extract, copy, destination tables and views (Node client)', function () {
  this.timeout(90_000);
  let emu: BigQueryEmulator;
  let bq: BigQuery;
  let ds: Dataset;
  let dir: string;
  let gcs: string;

  const rowsOf = async (sql: string): Promise<unknown[]> => (await bq.query({ query: sql, useLegacySql: false }))[0];

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'bq-jobs-'));
    gcs = path.join(dir, 'gcs');
    emu = await startBigQueryEmulator({ port: 0, gcsDir: gcs });
    // A dummy-token auth client, as bq gets one: without credentials the Node client builds its
    // upload request with no headers at all and crashes in teeny-request before sending it.
    const authClient = { getRequestHeaders: async () => new Headers({ authorization: 'Bearer dummy' }), getProjectId: async () => 'demo-iot' };
    bq = new BigQuery({ projectId: 'demo-iot', apiEndpoint: emu.url, authClient: authClient as unknown as BigQueryOptions['authClient'] });
    [ds] = await bq.createDataset('jobs');
  });

  after(async () => {
    await emu?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('load jobs from a local file (multipart upload)', () => {
    it('loads NDJSON with an explicit schema; WRITE_APPEND adds, WRITE_TRUNCATE replaces, WRITE_EMPTY refuses a non-empty table', async () => {
      const file = path.join(dir, 'r.json');
      writeFileSync(file, '{"device_id":"d1","value":21.5,"ts":"2026-11-24T20:00:00.123456Z","tags":["a","b"]}\n{"device_id":"d2","value":null,"ts":"2026-11-24 21:00:00"}\n');
      const schema = { fields: [{ name: 'device_id', type: 'STRING', mode: 'REQUIRED' }, { name: 'value', type: 'FLOAT' }, { name: 'ts', type: 'TIMESTAMP' }, { name: 'tags', type: 'STRING', mode: 'REPEATED' }] };
      const [job] = await ds.table('loaded').load(file, { sourceFormat: 'NEWLINE_DELIMITED_JSON', schema });
      assert.equal(job.status?.state, 'DONE');
      assert.equal(job.status?.errorResult, undefined);
      assert.deepEqual(job.statistics?.load, { inputFiles: '1', inputFileBytes: String(readFileSync(file).length), outputRows: '2', outputBytes: '64', badRecords: '0' });
      assert.deepEqual(await rowsOf('SELECT device_id, value, UNIX_MICROS(ts) AS us, ARRAY_LENGTH(tags) AS n FROM jobs.loaded ORDER BY device_id'), [
        { device_id: 'd1', value: 21.5, us: 1795550400123456, n: 2 },
        { device_id: 'd2', value: null, us: 1795554000000000, n: 0 },
      ]);
      await ds.table('loaded').load(file, { sourceFormat: 'NEWLINE_DELIMITED_JSON' });
      assert.deepEqual(await rowsOf('SELECT COUNT(*) AS n FROM jobs.loaded'), [{ n: 4 }]);
      await ds.table('loaded').load(file, { sourceFormat: 'NEWLINE_DELIMITED_JSON', writeDisposition: 'WRITE_TRUNCATE' });
      assert.deepEqual(await rowsOf('SELECT COUNT(*) AS n FROM jobs.loaded'), [{ n: 2 }]);
      const empty = await rejects(ds.table('loaded').load(file, { sourceFormat: 'NEWLINE_DELIMITED_JSON', writeDisposition: 'WRITE_EMPTY' }));
      assert.match(empty.message, /Already Exists: Table demo-iot:jobs\.loaded/);
      const never = await rejects(ds.table('absent').load(file, { sourceFormat: 'NEWLINE_DELIMITED_JSON', schema, createDisposition: 'CREATE_NEVER' }));
      assert.match(never.message, /Not found: Table demo-iot:jobs\.absent/);
    });

    it('reports bad rows as BigQuery does: past maxBadRecords the job fails and writes nothing, within it the rows are skipped and counted', async () => {
      const file = path.join(dir, 'bad.json');
      writeFileSync(file, '{"i":1}\n{"i":"not a number"}\nnot json\n{"i":4}\n');
      await ds.createTable('strict', { schema: { fields: [{ name: 'i', type: 'INT64' }] } });
      const failed = await rejects(ds.table('strict').load(file, { sourceFormat: 'NEWLINE_DELIMITED_JSON', maxBadRecords: 1 }));
      assert.match(failed.message, /JSON table encountered too many errors, giving up\. Rows: 4; errors: 2/);
      const reasons = failed.errors?.map((e) => e.message ?? '');
      assert.ok(reasons?.some((m) => /Cannot convert value to integer \(bad value\): not a number for field i; row starting at position 8/.test(m)), JSON.stringify(reasons));
      assert.ok(reasons?.some((m) => /JSON parsing error in row starting at position 29/.test(m)), JSON.stringify(reasons));
      assert.deepEqual(await rowsOf('SELECT COUNT(*) AS n FROM jobs.strict'), [{ n: 0 }]);
      const [job] = await ds.table('strict').load(file, { sourceFormat: 'NEWLINE_DELIMITED_JSON', maxBadRecords: 2 });
      assert.equal(job.status?.errorResult, undefined);
      assert.equal(job.status?.errors?.length, 2);
      assert.equal(job.statistics?.load?.badRecords, '2');
      assert.deepEqual(await rowsOf('SELECT i FROM jobs.strict ORDER BY i'), [{ i: 1 }, { i: 4 }]);
    });

    it('loads CSV with its options (delimiter, quotes, header rows, NULLs, jagged rows) and autodetects a schema', async () => {
      const file = path.join(dir, 'r.csv');
      writeFileSync(file, 'device_id;reading;ok;day\n"d;1";1.5;true;2026-11-24\nd2;;false;2026-11-25\n"d ""3""";7;TRUE;2026-11-26\n');
      const [job] = await ds.table('csv_auto').load(file, { sourceFormat: 'CSV', fieldDelimiter: ';', skipLeadingRows: 1, autodetect: true });
      assert.equal(job.status?.errorResult, undefined, JSON.stringify(job.status));
      const [meta] = await ds.table('csv_auto').getMetadata();
      assert.deepEqual(meta.schema.fields.map((f: { name: string; type: string }) => `${f.name}:${f.type}`), ['device_id:STRING', 'reading:FLOAT', 'ok:BOOLEAN', 'day:DATE']);
      assert.deepEqual(await rowsOf('SELECT device_id, reading, ok, CAST(day AS STRING) AS day FROM jobs.csv_auto ORDER BY day'), [
        { device_id: 'd;1', reading: 1.5, ok: true, day: '2026-11-24' },
        { device_id: 'd2', reading: null, ok: false, day: '2026-11-25' },
        { device_id: 'd "3"', reading: 7, ok: true, day: '2026-11-26' },
      ]);
      const jagged = path.join(dir, 'jagged.csv');
      writeFileSync(jagged, 'a,1\nb\n');
      const schema = { fields: [{ name: 's', type: 'STRING' }, { name: 'n', type: 'INT64' }] };
      const refused = await rejects(ds.table('csv_jagged').load(jagged, { sourceFormat: 'CSV', schema }));
      assert.match(refused.message, /CSV table encountered too many errors/);
      assert.ok(refused.errors?.some((e) => /Missing value\(s\) in row starting at position: 4/.test(e.message ?? '')), JSON.stringify(refused.errors));
      await ds.table('csv_jagged').load(jagged, { sourceFormat: 'CSV', schema, allowJaggedRows: true });
      assert.deepEqual(await rowsOf('SELECT s, n FROM jobs.csv_jagged ORDER BY s'), [{ s: 'a', n: 1 }, { s: 'b', n: null }]);
    });

    it('loads Parquet written by DuckDB and Avro written by avsc, taking the schema from the file', async () => {
      const pq = path.join(dir, 'r.parquet');
      const inst = await DuckDBInstance.create(':memory:');
      const conn = await inst.connect();
      await conn.run(`COPY (SELECT 'd' || i AS device_id, CAST(i AS DOUBLE) / 2 AS value, i AS seq, TIMESTAMPTZ '2026-11-24 20:00:00.000001+00' + to_seconds(i) AS ts, [i, i + 1] AS arr, {'k': 'v' || i} AS rec FROM range(3) t(i)) TO '${pq}' (FORMAT parquet)`);
      conn.closeSync();
      inst.closeSync();
      const [job] = await ds.table('pq').load(pq, { sourceFormat: 'PARQUET' });
      assert.equal(job.status?.errorResult, undefined, JSON.stringify(job.status));
      const [meta] = await ds.table('pq').getMetadata();
      assert.deepEqual(meta.schema.fields.map((f: { name: string; type: string; mode: string }) => `${f.name}:${f.type}:${f.mode}`), ['device_id:STRING:NULLABLE', 'value:FLOAT:NULLABLE', 'seq:INTEGER:NULLABLE', 'ts:TIMESTAMP:NULLABLE', 'arr:INTEGER:REPEATED', 'rec:RECORD:NULLABLE']);
      assert.deepEqual(await rowsOf('SELECT device_id, value, seq, UNIX_MICROS(ts) AS us, arr[OFFSET(1)] AS a1, rec.k AS k FROM jobs.pq ORDER BY seq'), [
        { device_id: 'd0', value: 0, seq: 0, us: 1795550400000001, a1: 1, k: 'v0' },
        { device_id: 'd1', value: 0.5, seq: 1, us: 1795550401000001, a1: 2, k: 'v1' },
        { device_id: 'd2', value: 1, seq: 2, us: 1795550402000001, a1: 3, k: 'v2' },
      ]);
      const av = path.join(dir, 'r.avro');
      // avsc writes a logicalType into the file only when it has a class for it.
      class TimestampMicros extends avro.types.LogicalType {
        override _fromValue(v: unknown): unknown {
          return v;
        }
        override _toValue(v: unknown): unknown {
          return v;
        }
      }
      const type = avro.Type.forSchema({ type: 'record', name: 'reading', fields: [{ name: 'device_id', type: 'string' }, { name: 'value', type: ['null', 'double'] }, { name: 'at', type: { type: 'long', logicalType: 'timestamp-micros' } }] } as avro.Schema, { logicalTypes: { 'timestamp-micros': TimestampMicros } });
      const enc = avro.createFileEncoder(av, type);
      enc.write({ device_id: 'a1', value: 2.5, at: 1795550400000000 });
      enc.write({ device_id: 'a2', value: null, at: 1795550400000007 });
      await new Promise<void>((resolve) => enc.end(resolve));
      await new Promise((r) => setTimeout(r, 100));
      const [aj] = await ds.table('av').load(av, { sourceFormat: 'AVRO', useAvroLogicalTypes: true });
      assert.equal(aj.status?.errorResult, undefined, JSON.stringify(aj.status));
      const [ameta] = await ds.table('av').getMetadata();
      assert.deepEqual(ameta.schema.fields.map((f: { name: string; type: string; mode: string }) => `${f.name}:${f.type}:${f.mode}`), ['device_id:STRING:REQUIRED', 'value:FLOAT:NULLABLE', 'at:TIMESTAMP:REQUIRED']);
      assert.deepEqual(await rowsOf('SELECT device_id, value, UNIX_MICROS(at) AS us FROM jobs.av ORDER BY device_id'), [
        { device_id: 'a1', value: 2.5, us: 1795550400000000 },
        { device_id: 'a2', value: null, us: 1795550400000007 },
      ]);
    });

    it('takes the resumable upload protocol in chunks (Content-Range, 308 until the last)', async () => {
      const init = await fetch(`${emu.url}/upload/bigquery/v2/projects/demo-iot/jobs?uploadType=resumable`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jobReference: { jobId: 'resumable-1' }, configuration: { load: { destinationTable: { projectId: 'demo-iot', datasetId: 'jobs', tableId: 'resumed' }, sourceFormat: 'NEWLINE_DELIMITED_JSON', schema: { fields: [{ name: 'n', type: 'INT64' }] } } } }),
      });
      assert.equal(init.status, 200);
      const location = init.headers.get('location')!;
      assert.match(location, /upload_id=/);
      const data = Buffer.from('{"n":1}\n{"n":2}\n{"n":3}\n');
      const first = await fetch(location, { method: 'PUT', headers: { 'content-range': `bytes 0-7/${data.length}` }, body: data.subarray(0, 8) });
      assert.equal(first.status, 308);
      assert.equal(first.headers.get('range'), 'bytes=0-7');
      const last = await fetch(location, { method: 'PUT', headers: { 'content-range': `bytes 8-${data.length - 1}/${data.length}` }, body: data.subarray(8) });
      assert.equal(last.status, 200);
      const job = (await last.json()) as { status: { state: string }; jobReference: { jobId: string } };
      assert.equal(job.jobReference.jobId, 'resumable-1');
      assert.deepEqual(await rowsOf('SELECT SUM(n) AS s FROM jobs.resumed'), [{ s: 6 }]);
      const gone = await fetch(location, { method: 'PUT', body: 'x' });
      assert.equal(gone.status, 404);
    });
  });

  describe('query jobs with a destination table', () => {
    it('creates the table from the result, then appends, truncates, or refuses (WRITE_EMPTY, the default) as configured', async () => {
      const dest = { destination: ds.table('summary') };
      const [job] = await bq.createQueryJob({ query: 'SELECT device_id, COUNT(*) AS n FROM jobs.loaded GROUP BY device_id ORDER BY device_id', ...dest });
      const [rows] = await job.getQueryResults();
      assert.deepEqual(rows, [{ device_id: 'd1', n: 1 }, { device_id: 'd2', n: 1 }]);
      const [meta] = await ds.table('summary').getMetadata();
      assert.deepEqual(meta.schema.fields.map((f: { name: string; type: string }) => `${f.name}:${f.type}`), ['device_id:STRING', 'n:INTEGER']);
      const again = await rejects(bq.createQueryJob({ query: "SELECT 'x' AS device_id, 5 AS n", ...dest }).then(([j]) => j.getQueryResults()));
      assert.match(again.message, /Already Exists: Table demo-iot:jobs\.summary/);
      const [app] = await bq.createQueryJob({ query: "SELECT 'x' AS device_id, 5 AS n", ...dest, writeDisposition: 'WRITE_APPEND' });
      await app.getQueryResults();
      assert.deepEqual(await rowsOf('SELECT SUM(n) AS s, COUNT(*) AS c FROM jobs.summary'), [{ s: 7, c: 3 }]);
      const [tr] = await bq.createQueryJob({ query: 'SELECT 1 AS one', ...dest, writeDisposition: 'WRITE_TRUNCATE' });
      await tr.getQueryResults();
      assert.deepEqual(await rowsOf('SELECT * FROM jobs.summary'), [{ one: 1 }]);
      const never = await rejects(bq.createQueryJob({ query: 'SELECT 1 AS one', destination: ds.table('never'), createDisposition: 'CREATE_NEVER' }).then(([j]) => j.getQueryResults()));
      assert.match(never.message, /Not found: Table demo-iot:jobs\.never/);
    });
  });

  describe('copy jobs', () => {
    it('copies tables by write disposition and makes read-only snapshots', async () => {
      const [job] = await ds.table('loaded').copy(ds.table('loaded_copy'));
      assert.equal(job.statistics?.copy?.copiedRows, '2');
      assert.deepEqual(await rowsOf('SELECT device_id FROM jobs.loaded_copy ORDER BY device_id'), [{ device_id: 'd1' }, { device_id: 'd2' }]);
      const empty = await rejects(ds.table('loaded').copy(ds.table('loaded_copy')));
      assert.match(empty.message, /Already Exists: Table demo-iot:jobs\.loaded_copy/);
      await ds.table('loaded').copy(ds.table('loaded_copy'), { writeDisposition: 'WRITE_APPEND' });
      assert.deepEqual(await rowsOf('SELECT COUNT(*) AS n FROM jobs.loaded_copy'), [{ n: 4 }]);
      await ds.table('loaded').copy(ds.table('loaded_copy'), { writeDisposition: 'WRITE_TRUNCATE' });
      assert.deepEqual(await rowsOf('SELECT COUNT(*) AS n FROM jobs.loaded_copy'), [{ n: 2 }]);
      const [, snapResp] = await bq.createJob({ configuration: { copy: { sourceTable: { projectId: 'demo-iot', datasetId: 'jobs', tableId: 'loaded' }, destinationTable: { projectId: 'demo-iot', datasetId: 'jobs', tableId: 'loaded_snap' }, operationType: 'SNAPSHOT' } } });
      assert.equal((snapResp as { status: { state: string } }).status.state, 'DONE');
      const [snap] = await ds.table('loaded_snap').getMetadata();
      assert.equal(snap.type, 'SNAPSHOT');
      assert.deepEqual(snap.snapshotDefinition.baseTableReference, { projectId: 'demo-iot', datasetId: 'jobs', tableId: 'loaded' });
      const ro = await rejects(ds.table('loaded_snap').insert([{ device_id: 'x' }]));
      assert.match(ro.message, /type SNAPSHOT/);
      await bq.query({ query: "DELETE FROM jobs.loaded WHERE device_id = 'd2'" });
      assert.deepEqual(await rowsOf('SELECT COUNT(*) AS n FROM jobs.loaded_snap'), [{ n: 2 }]);
    });
  });

  describe('extract jobs to --gcs-dir', () => {
    it('writes NDJSON, gzipped CSV, Avro and Parquet files with the table rows', async () => {
      await ds.createTable('ex', { schema: { fields: [{ name: 's', type: 'STRING' }, { name: 'n', type: 'INT64' }, { name: 'f', type: 'FLOAT64' }, { name: 'ts', type: 'TIMESTAMP' }, { name: 'd', type: 'DATE' }] } });
      await ds.table('ex').insert([{ s: 'a,"b"', n: 1, f: 1.5, ts: '2026-11-24T20:00:00.000001Z', d: '2026-11-24' }, { s: null, n: 2, f: null, ts: null, d: null }], { raw: false });
      const ex = async (uri: string, opts: Record<string, unknown>): Promise<void> => {
        const [job] = await bq.createJob({ configuration: { extract: { sourceTable: { projectId: 'demo-iot', datasetId: 'jobs', tableId: 'ex' }, destinationUris: [uri], ...opts } } });
        const [meta] = await job.promise().then(() => job.getMetadata());
        assert.equal(meta.status.errorResult, undefined, JSON.stringify(meta.status));
      };
      await ex('gs://bucket/out/ex-*.json', { destinationFormat: 'NEWLINE_DELIMITED_JSON' });
      const lines = readFileSync(path.join(gcs, 'bucket/out/ex-000000000000.json'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as unknown);
      assert.deepEqual(lines.sort((a, b) => String((a as { n: string }).n).localeCompare(String((b as { n: string }).n))), [
        { s: 'a,"b"', n: '1', f: 1.5, ts: '2026-11-24 20:00:00.000001 UTC', d: '2026-11-24' },
        { n: '2' },
      ]);
      await ex('gs://bucket/out/ex.csv.gz', { destinationFormat: 'CSV', compression: 'GZIP' });
      const csv = gunzipSync(readFileSync(path.join(gcs, 'bucket/out/ex.csv.gz'))).toString('utf8').split('\n');
      assert.equal(csv[0], 's,n,f,ts,d');
      assert.deepEqual(csv.slice(1).filter(Boolean).sort(), ['"a,""b""",1,1.5,2026-11-24 20:00:00.000001 UTC,2026-11-24', ',2,,,'].sort());
      await ex('gs://bucket/out/ex.avro', { destinationFormat: 'AVRO' });
      const records: Record<string, unknown>[] = [];
      await new Promise<void>((resolve, reject) => avro.createFileDecoder(path.join(gcs, 'bucket/out/ex.avro')).on('data', (r: Record<string, unknown>) => records.push(r)).on('end', resolve).on('error', reject));
      assert.deepEqual(records.map((r) => ({ ...r })).sort((a, b) => Number(a['n']) - Number(b['n'])), [
        { s: 'a,"b"', n: 1, f: 1.5, ts: 1795550400000001, d: 20781 },
        { s: null, n: 2, f: null, ts: null, d: null },
      ]);
      await ex('gs://bucket/out/ex.parquet', { destinationFormat: 'PARQUET' });
      const inst = await DuckDBInstance.create(':memory:');
      const conn = await inst.connect();
      const back = (await conn.runAndReadAll(`SELECT s, n, f, epoch_us(ts) AS us, CAST(d AS VARCHAR) AS d FROM '${path.join(gcs, 'bucket/out/ex.parquet')}' ORDER BY n`)).getRows();
      conn.closeSync();
      inst.closeSync();
      assert.deepEqual(back, [
        ['a,"b"', 1n, 1.5, 1795550400000001n, '2026-11-24'],
        [null, 2n, null, null, null],
      ]);
      const escape = await rejects(ex('gs://bucket/../../escape.json', { destinationFormat: 'NEWLINE_DELIMITED_JSON' }));
      assert.match(escape.message, /leaves the bucket|Invalid Cloud Storage URI/);
    });

    it('round-trips: a file extracted to --gcs-dir loads back through sourceUris', async () => {
      const [, resp] = await bq.createJob({ configuration: { load: { sourceUris: ['gs://bucket/out/ex-*.json'], sourceFormat: 'NEWLINE_DELIMITED_JSON', autodetect: true, destinationTable: { projectId: 'demo-iot', datasetId: 'jobs', tableId: 'roundtrip' } } } });
      assert.equal((resp as { status: { errorResult?: unknown } }).status.errorResult, undefined, JSON.stringify(resp));
      assert.deepEqual(await rowsOf('SELECT s, f FROM jobs.roundtrip ORDER BY s NULLS LAST'), [{ s: 'a,"b"', f: 1.5 }, { s: null, f: null }]);
    });
  });

  describe('views through the tables API', () => {
    it('creates a view, reports it with tables.get, and queries over it (and over a view of it)', async () => {
      await ds.createTable('by_device', { view: 'SELECT device_id, COUNT(*) AS n FROM `demo-iot.jobs.loaded_copy` GROUP BY device_id' });
      const [meta] = await ds.table('by_device').getMetadata();
      assert.equal(meta.type, 'VIEW');
      assert.deepEqual(meta.view, { query: 'SELECT device_id, COUNT(*) AS n FROM `demo-iot.jobs.loaded_copy` GROUP BY device_id', useLegacySql: false });
      assert.deepEqual(meta.schema.fields.map((f: { name: string; type: string }) => `${f.name}:${f.type}`), ['device_id:STRING', 'n:INTEGER']);
      assert.deepEqual(await rowsOf('SELECT device_id, n FROM jobs.by_device ORDER BY device_id'), [{ device_id: 'd1', n: 1 }, { device_id: 'd2', n: 1 }]);
      await ds.createTable('total', { view: 'SELECT SUM(n) AS total FROM jobs.by_device' });
      assert.deepEqual(await rowsOf('SELECT total FROM jobs.total'), [{ total: 2 }]);
      const [tables] = await ds.getTables();
      assert.equal(tables.find((t) => t.id === 'by_device')?.metadata.type, 'VIEW');
      const list = await rejects(ds.table('by_device').getRows());
      assert.match(list.message, /Cannot list a table of type VIEW/);
      const bad = await rejects(ds.createTable('broken', { view: 'SELECT nope FROM jobs.loaded' }));
      assert.match(bad.message, /Unrecognized name: nope/);
      await ds.table('total').delete();
      const [gone] = await ds.table('total').exists();
      assert.equal(gone, false);
    });
  });
});
