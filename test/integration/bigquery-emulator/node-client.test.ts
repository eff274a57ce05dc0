// The BigQuery emulator through the official Node client (@google-cloud/bigquery
// v9), both ways of pointing it at a local endpoint: datasets, tables, schemas,
// insertAll (insertErrors, de-dup), tabledata.list, query jobs, parameters,
// dry runs, DML and BigQuery's error shapes.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { BigQuery, type Dataset } from '@google-cloud/bigquery';
import { startBigQueryEmulator, type BigQueryEmulator } from '../../../emulators/bigquery/server.js';
import { rejects } from './api-error.js';
import { ALL_TABLES, DEADLETTER, EVENTS, READINGS, tableResource } from '../../../schemas/bigquery-tables.js';

describe('integration: BigQuery emulator through @google-cloud/bigquery', function () {
  this.timeout(60_000);
  let emu: BigQueryEmulator;
  let bq: BigQuery;
  let envClient: BigQuery;
  const projectId = `demo-iot-${randomBytes(3).toString('hex')}`;
  let ds: Dataset;

  before(async () => {
    emu = await startBigQueryEmulator({ port: 0 });
    bq = new BigQuery({ projectId, apiEndpoint: emu.url });
    const saved = process.env.BIGQUERY_EMULATOR_HOST;
    process.env.BIGQUERY_EMULATOR_HOST = emu.url;
    try {
      envClient = new BigQuery({ projectId });
    } finally {
      if (saved === undefined) delete process.env.BIGQUERY_EMULATOR_HOST;
      else process.env.BIGQUERY_EMULATOR_HOST = saved;
    }
    [ds] = await bq.createDataset('telemetry', { description: 'pipeline tables' });
  });

  after(async () => {
    await emu?.close();
  });

  it('creates, gets, lists and deletes datasets (both endpoint styles)', async () => {
    const [meta] = await ds.getMetadata();
    assert.equal(meta.id, `${projectId}:telemetry`);
    assert.equal(meta.description, 'pipeline tables');
    assert.equal(meta.location, 'US');
    await envClient.createDataset('scratch_env');
    const [list] = await bq.getDatasets();
    assert.deepEqual(list.map((d) => d.id).sort(), ['scratch_env', 'telemetry']);
    const [exists] = await bq.dataset('scratch_env').exists();
    assert.equal(exists, true);
    await envClient.dataset('scratch_env').delete();
    const [gone] = await bq.dataset('scratch_env').exists();
    assert.equal(gone, false);
    // Other projects are separate.
    const other = new BigQuery({ projectId: `${projectId}-other`, apiEndpoint: emu.url });
    const [otherList] = await other.getDatasets();
    assert.equal(otherList.length, 0);
  });

  it('answers duplicates, missing resources and non-empty deletes in BigQuery error shape', async () => {
    const dup = await rejects(bq.createDataset('telemetry'));
    assert.equal(dup.code, 409);
    assert.equal(dup.message, `Already Exists: Dataset ${projectId}:telemetry`);
    assert.equal(dup.errors?.[0]?.reason, 'duplicate');
    const missing = await rejects(ds.table('nope').getMetadata());
    assert.equal(missing.code, 404);
    assert.equal(missing.message, `Not found: Table ${projectId}:telemetry.nope was not found in location US`);
    assert.equal(missing.errors?.[0]?.reason, 'notFound');
    const noDs = await rejects(bq.dataset('nope').getMetadata());
    assert.equal(noDs.code, 404);
    assert.equal(noDs.message, `Not found: Dataset ${projectId}:nope was not found in location US`);
    const [inUse] = await bq.createDataset('in_use');
    await inUse.createTable('t', { schema: { fields: [{ name: 'a', type: 'STRING' }] } });
    const busy = await rejects(inUse.delete());
    assert.equal(busy.code, 400);
    assert.equal(busy.errors?.[0]?.reason, 'resourceInUse');
    await inUse.delete({ force: true });
  });

  it("creates the pipeline's tables from tableResource() and reports partitioning, clustering and schema back", async () => {
    for (const t of ALL_TABLES) await ds.createTable(t.tableId, tableResource(t, 90 * 86400000));
    const [meta] = await ds.table(READINGS.tableId).getMetadata();
    assert.deepEqual(meta.timePartitioning, { type: 'DAY', field: 'event_time', expirationMs: String(90 * 86400000) });
    assert.deepEqual(meta.clustering, { fields: ['tenant_id', 'device_id', 'metric'] });
    assert.equal(meta.description, READINGS.description);
    // BigQuery reports legacy type names: INT64 -> INTEGER, FLOAT64 -> FLOAT, BOOL -> BOOLEAN.
    const types = (meta.schema.fields as { name: string; type: string; mode: string }[]).map((f) => `${f.name}:${f.type}:${f.mode}`);
    assert.ok(types.includes('value:FLOAT:REQUIRED'));
    assert.ok(types.includes('seq:INTEGER:NULLABLE'));
    const [dl] = await ds.table(DEADLETTER.tableId).getMetadata();
    assert.ok((dl.schema.fields as { name: string; type: string }[]).some((f) => f.name === 'payload_truncated' && f.type === 'BOOLEAN'));
    const [tables] = await ds.getTables();
    assert.deepEqual(tables.map((t) => t.id).sort(), ['deadletter', 'events', 'readings']);
  });

  it('round-trips every pipeline table through insertAll (raw rows with insertIds) and a query', async () => {
    const now = '2026-11-24T20:00:00.125Z';
    await ds.table(READINGS.tableId).insert(
      [
        { insertId: 'sensor-1:1:temperature', json: { event_id: 'sensor-1:1', tenant_id: 'acme', device_id: 'sensor-1', metric: 'temperature', value: 21.5, unit: 'celsius', event_time: now, ingest_time: now, site: 's', model: 'm', seq: 1 } },
        { insertId: 'sensor-1:1:humidity', json: { event_id: 'sensor-1:1', tenant_id: 'acme', device_id: 'sensor-1', metric: 'humidity', value: 40.25, event_time: now, ingest_time: now, seq: 1 } },
      ],
      { raw: true },
    );
    await ds.table(EVENTS.tableId).insert([{ insertId: 'sensor-1:1', json: { event_id: 'sensor-1:1', tenant_id: 'acme', device_id: 'sensor-1', seq: 1, event_time: now, ingest_time: now, metric_count: 2, state: { door: 'open', battery_ok: true }, schema_version: '1' } }], { raw: true });
    const payload = Buffer.from([0, 1, 2, 250, 255]);
    await ds.table(DEADLETTER.tableId).insert(
      [{ insertId: 'dl-1', json: { received_at: now, stage: 'validate', reason: 'bad-json', payload: payload.toString('base64'), payload_size: 5, payload_sha256: 'ab', payload_truncated: false, attributes: JSON.stringify({ k: 'v' }) } }],
      { raw: true },
    );
    const [readings] = await bq.query({ query: 'SELECT metric, value, event_time, seq FROM telemetry.readings ORDER BY metric' });
    assert.deepEqual(
      readings.map((r) => [r.metric, r.value, r.event_time.value, r.seq]),
      [
        ['humidity', 40.25, '2026-11-24T20:00:00.125Z', 1],
        ['temperature', 21.5, '2026-11-24T20:00:00.125Z', 1],
      ],
    );
    const [events] = await bq.query("SELECT JSON_VALUE(state, '$.door') AS door, JSON_QUERY(state, '$.battery_ok') AS ok, state FROM telemetry.events");
    assert.deepEqual(events, [{ door: 'open', ok: 'true', state: '{"door":"open","battery_ok":true}' }]);
    const [dl] = await ds.table(DEADLETTER.tableId).getRows();
    assert.deepEqual(dl[0]!.payload, payload);
    assert.equal(dl[0]!.payload_truncated, false);
    assert.equal(dl[0]!.attributes, '{"k":"v"}');
  });

  it('reports insertErrors per row in BigQuery shape and writes nothing without skipInvalidRows', async () => {
    const [t] = await ds.createTable('typed', { schema: { fields: [{ name: 'n', type: 'INT64', mode: 'REQUIRED' }, { name: 'f', type: 'FLOAT64' }, { name: 'b', type: 'BOOL' }] } });
    const err = (await rejects(t.insert([{ json: { n: 1 } }, { json: { n: 'x' } }, { json: { n: 2, zzz: 1 } }, { json: { f: 1 } }], { raw: true }))) as unknown as {
      name: string;
      errors: { row: unknown; errors: { reason: string; message: string; location?: string }[] }[];
    };
    assert.equal(err.name, 'PartialFailureError');
    assert.deepEqual(
      err.errors.map((e) => e.errors.map((x) => `${x.reason}|${x.message}`)),
      [['stopped|'], ['invalid|Cannot convert value to integer (bad value): x'], ['invalid|no such field: zzz.'], ['invalid|Missing required field: n.']],
    );
    const [rows] = await t.getRows();
    assert.equal(rows.length, 0);
    // skipInvalidRows keeps the good rows; ignoreUnknownValues drops unknown fields.
    const partial = (await rejects(t.insert([{ json: { n: 1 } }, { json: { n: 'x' } }, { json: { n: 2, zzz: 1 } }], { raw: true, skipInvalidRows: true }))) as unknown as {
      errors: { errors: { reason: string }[] }[];
    };
    assert.equal(partial.errors.length, 2);
    await t.insert([{ json: { n: 3, zzz: 1, b: 'true', f: 'NaN' } }], { raw: true, ignoreUnknownValues: true });
    const [after] = await bq.query('SELECT n, f, b FROM telemetry.typed ORDER BY n');
    assert.deepEqual(after, [
      { n: 1, f: null, b: null },
      { n: 3, f: NaN, b: true },
    ]);
  });

  it('de-duplicates rows by insertId within the window and counts them in /emulator/v1/stats', async () => {
    const [t] = await ds.createTable('dedup', { schema: { fields: [{ name: 'id', type: 'STRING' }] } });
    const before = (await (await fetch(`${emu.url}/emulator/v1/stats`)).json()) as { insertAll: { rowsDeduplicated: number } };
    await t.insert([{ insertId: 'a', json: { id: 'a' } }, { insertId: 'b', json: { id: 'b' } }, { insertId: 'a', json: { id: 'a' } }], { raw: true });
    await t.insert([{ insertId: 'b', json: { id: 'b' } }, { insertId: 'c', json: { id: 'c' } }], { raw: true });
    await t.insert([{ json: { id: 'no-id' } }, { json: { id: 'no-id' } }], { raw: true });
    const [rows] = await bq.query('SELECT id, COUNT(*) AS n FROM telemetry.dedup GROUP BY id ORDER BY id');
    assert.deepEqual(rows, [
      { id: 'a', n: 1 },
      { id: 'b', n: 1 },
      { id: 'c', n: 1 },
      { id: 'no-id', n: 2 },
    ]);
    const stats = (await (await fetch(`${emu.url}/emulator/v1/stats`)).json()) as { insertAll: { rowsDeduplicated: number } };
    assert.equal(stats.insertAll.rowsDeduplicated - before.insertAll.rowsDeduplicated, 2);
  });

  it('keeps every row under many concurrent insertAll requests', async () => {
    const [t] = await ds.createTable('concurrent', { schema: { fields: [{ name: 'batch', type: 'INT64' }, { name: 'i', type: 'INT64' }] } });
    await Promise.all(
      Array.from({ length: 40 }, (_, b) => t.insert(Array.from({ length: 50 }, (_, i) => ({ insertId: `${b}:${i}`, json: { batch: b, i } })), { raw: true })),
    );
    const [rows] = await bq.query('SELECT COUNT(*) AS n, COUNT(DISTINCT batch) AS batches, SUM(i) AS s FROM telemetry.concurrent');
    assert.deepEqual(rows, [{ n: 2000, batches: 40, s: 40 * ((49 * 50) / 2) }]);
  });

  it('stores nested RECORD and REPEATED fields and returns them as the client expects', async () => {
    const schema = {
      fields: [
        { name: 'id', type: 'STRING' },
        { name: 'tags', type: 'STRING', mode: 'REPEATED' },
        { name: 'loc', type: 'RECORD', fields: [{ name: 'lat', type: 'FLOAT' }, { name: 'lon', type: 'FLOAT' }, { name: 'names', type: 'STRING', mode: 'REPEATED' }] },
        { name: 'hist', type: 'RECORD', mode: 'REPEATED', fields: [{ name: 'at', type: 'TIMESTAMP' }, { name: 'v', type: 'NUMERIC' }] },
        { name: 'd', type: 'DATE' },
        { name: 'dt', type: 'DATETIME' },
        { name: 'tm', type: 'TIME' },
      ],
    };
    const [t] = await ds.createTable('nested', { schema });
    await t.insert(
      [
        { json: { id: 'a', tags: ['x', 'y'], loc: { lat: 1.5, lon: -2, names: ['n1'] }, hist: [{ at: '2026-01-02T03:04:05Z', v: '1.25' }], d: '2026-11-24', dt: '2026-11-24T10:11:12.5', tm: '10:11:12' } },
        { json: { id: 'b' } },
      ],
      { raw: true },
    );
    const [rows] = await t.getRows();
    assert.equal(rows.length, 2);
    const a = rows.find((r) => r.id === 'a')!;
    assert.deepEqual(a.tags, ['x', 'y']);
    assert.deepEqual(a.loc, { lat: 1.5, lon: -2, names: ['n1'] });
    assert.equal(a.hist[0].at.value, '2026-01-02T03:04:05.000Z');
    assert.equal(a.hist[0].v.toString(), '1.25');
    assert.equal(a.d.value, '2026-11-24');
    assert.equal(a.dt.value, '2026-11-24T10:11:12.500000');
    assert.equal(a.tm.value, '10:11:12');
    const b = rows.find((r) => r.id === 'b')!;
    assert.deepEqual(b.tags, []);
    assert.equal(b.loc, null);
    const [withOffset] = await bq.query("SELECT n.id, tag, o FROM telemetry.nested AS n, n.tags AS tag WITH OFFSET AS o ORDER BY o");
    assert.deepEqual(withOffset, [
      { id: 'a', tag: 'x', o: 0 },
      { id: 'a', tag: 'y', o: 1 },
    ]);
    const [q] = await bq.query("SELECT id, loc.lat AS lat, ARRAY_LENGTH(tags) AS n, h.v FROM telemetry.nested, UNNEST(hist) AS h WHERE id = 'a'");
    assert.equal(q.length, 1);
    assert.equal(q[0].lat, 1.5);
    assert.equal(q[0].n, 2);
    assert.equal(q[0].v.toString(), '1.25');
  });

  it('patches a table schema (adds a column, relaxes REQUIRED) and refuses incompatible changes', async () => {
    const [t] = await ds.createTable('evolve', { schema: { fields: [{ name: 'a', type: 'STRING', mode: 'REQUIRED' }] } });
    await t.insert([{ json: { a: 'old' } }], { raw: true });
    await t.setMetadata({ schema: { fields: [{ name: 'a', type: 'STRING', mode: 'NULLABLE' }, { name: 'b', type: 'INT64' }] }, description: 'v2' });
    await t.insert([{ json: { b: 7 } }], { raw: true });
    const [meta] = await t.getMetadata();
    assert.equal(meta.description, 'v2');
    assert.deepEqual(
      meta.schema.fields.map((f: { name: string; mode: string }) => `${f.name}:${f.mode}`),
      ['a:NULLABLE', 'b:NULLABLE'],
    );
    const [rows] = await bq.query('SELECT a, b FROM telemetry.evolve ORDER BY a');
    assert.deepEqual(rows, [
      { a: null, b: 7 },
      { a: 'old', b: null },
    ]);
    const bad = await rejects(t.setMetadata({ schema: { fields: [{ name: 'a', type: 'INT64' }] } }));
    assert.equal(bad.code, 400);
    assert.match(bad.message, /Provided Schema does not match Table/);
    await t.delete();
    const [exists] = await t.exists();
    assert.equal(exists, false);
  });

  it('pages tabledata.list with maxResults/pageToken/startIndex and honours selectedFields', async () => {
    const [t] = await ds.createTable('paged', { schema: { fields: [{ name: 'i', type: 'INT64' }, { name: 's', type: 'STRING' }, { name: 'ts', type: 'TIMESTAMP' }] } });
    await t.insert(Array.from({ length: 25 }, (_, i) => ({ json: { i, s: `s${i}`, ts: 1700000000 + i } })), { raw: true });
    const [first, next, resp] = await t.getRows({ maxResults: 10, autoPaginate: false });
    assert.deepEqual(first.map((r) => r.i), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert.equal((resp as { totalRows: string }).totalRows, '25');
    assert.ok(next);
    const [second] = await t.getRows({ ...(next as object), maxResults: 10, autoPaginate: false });
    assert.deepEqual(second.map((r) => r.i), [10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);
    // Walk all pages by token (the client's own maxResults caps the total).
    const seen: number[] = [];
    let token: string | undefined;
    do {
      const [page, nq] = await t.getRows({ maxResults: 7, pageToken: token, autoPaginate: false });
      seen.push(...page.map((r) => r.i as number));
      token = (nq as { pageToken?: string } | null)?.pageToken;
    } while (token);
    assert.deepEqual(seen, Array.from({ length: 25 }, (_, i) => i));
    const [fromIndex] = await t.getRows({ startIndex: '22', autoPaginate: false } as never);
    assert.deepEqual(fromIndex.map((r) => r.i), [22, 23, 24]);
    const [sel] = await t.getRows({ selectedFields: 'ts,i', maxResults: 1, autoPaginate: false });
    assert.deepEqual(Object.keys(sel[0]!).sort(), ['i', 'ts']);
    assert.equal(sel[0]!.ts.value, '2023-11-14T22:13:20.000Z');
  });

  it('pages query results (jobs.query + getQueryResults) and lists jobs', async () => {
    const [rows] = await bq.query({ query: 'SELECT x FROM UNNEST(GENERATE_ARRAY(1, 57)) AS x ORDER BY x', maxResults: 10 } as never);
    assert.equal(rows.length, 57);
    assert.deepEqual(rows.slice(0, 3), [{ x: 1 }, { x: 2 }, { x: 3 }]);
    const [job] = await bq.createQueryJob({ query: 'SELECT x FROM UNNEST(GENERATE_ARRAY(1, 25)) AS x ORDER BY x DESC' });
    const [page1, nextQuery] = await job.getQueryResults({ maxResults: 10, autoPaginate: false });
    assert.deepEqual(page1.map((r) => r.x), [25, 24, 23, 22, 21, 20, 19, 18, 17, 16]);
    const [page2] = await job.getQueryResults({ ...(nextQuery as object), autoPaginate: false });
    assert.equal(page2[0]!.x, 15);
    const [meta] = await job.getMetadata();
    assert.equal(meta.status.state, 'DONE');
    assert.equal(meta.statistics.query.statementType, 'SELECT');
    const [jobs] = await bq.getJobs();
    assert.ok(jobs.some((j) => j.id === job.id));
  });

  it('binds named and positional parameters, including arrays, structs and timestamps', async () => {
    const [named] = await bq.query({
      query: 'SELECT @n + 1 AS n, @s AS s, @f * 2 AS f, @b AS b, ARRAY_LENGTH(@arr) AS len, @arr[OFFSET(1)] AS second, @ts AS ts, TIMESTAMP_ADD(@ts, INTERVAL 1 HOUR) AS later, @st.a AS sa',
      params: { n: 41, s: "it's", f: 1.25, b: true, arr: ['x', 'y', 'z'], ts: new Date('2026-11-24T20:00:00.125Z'), st: { a: 5 } },
    });
    assert.equal(named.length, 1);
    const r = named[0]!;
    assert.equal(r.n, 42);
    assert.equal(r.s, "it's");
    assert.equal(r.f, 2.5);
    assert.equal(r.b, true);
    assert.equal(r.len, 3);
    assert.equal(r.second, 'y');
    assert.equal(r.ts.value, '2026-11-24T20:00:00.125Z');
    assert.equal(r.later.value, '2026-11-24T21:00:00.125Z');
    assert.equal(r.sa, 5);
    const [pos] = await bq.query({ query: 'SELECT ? AS a, ? AS b, x FROM UNNEST(?) AS x WHERE x > ? ORDER BY x', params: ['p', 2, [1, 5, 9], 3] });
    assert.deepEqual(pos, [
      { a: 'p', b: 2, x: 5 },
      { a: 'p', b: 2, x: 9 },
    ]);
    const missing = await rejects(bq.query({ query: 'SELECT @nope', params: { other: 1 } }));
    assert.equal(missing.code, 400);
    assert.match(missing.message, /nope/);
  });

  it('answers dry runs with schema and totalBytesProcessed without running the query', async () => {
    const [job, apiResponse] = await bq.createQueryJob({ query: 'SELECT device_id, value FROM telemetry.readings', dryRun: true });
    const stats = (apiResponse as { statistics: { totalBytesProcessed: string; query: { schema: { fields: { name: string; type: string }[] } } } }).statistics;
    assert.ok(Number(stats.totalBytesProcessed) > 0);
    assert.deepEqual(
      stats.query.schema.fields.map((f) => `${f.name}:${f.type}`),
      ['device_id:STRING', 'value:FLOAT'],
    );
    assert.ok(job);
    // A dry-run DELETE must not delete.
    await bq.createQueryJob({ query: "DELETE FROM telemetry.readings WHERE metric = 'temperature'", dryRun: true });
    const [left] = await bq.query('SELECT COUNT(*) AS n FROM telemetry.readings');
    assert.equal(left[0]!.n, 2);
  });

  it('runs DML: INSERT, UPDATE, DELETE and MERGE with affected row counts', async () => {
    await ds.createTable('dml', { schema: { fields: [{ name: 'k', type: 'STRING' }, { name: 'v', type: 'INT64' }] } });
    const [, , ins] = (await bq.query("INSERT INTO telemetry.dml (k, v) VALUES ('a', 1), ('b', 2), ('c', 3)").then((x) => [x[0], null, null])) as unknown[];
    assert.equal(ins, null);
    const [job] = await bq.createQueryJob("UPDATE telemetry.dml SET v = v * 10 WHERE k IN ('a', 'b')");
    const [meta] = await job.getMetadata();
    assert.equal(meta.statistics.query.numDmlAffectedRows, '2');
    await bq.query("DELETE telemetry.dml WHERE k = 'c'");
    await bq.query("MERGE telemetry.dml T USING (SELECT 'a' AS k, 5 AS v UNION ALL SELECT 'z', 26) S ON T.k = S.k WHEN MATCHED THEN UPDATE SET v = S.v WHEN NOT MATCHED THEN INSERT (k, v) VALUES (S.k, S.v)");
    const [rows] = await bq.query('SELECT k, v FROM telemetry.dml ORDER BY k');
    assert.deepEqual(rows, [
      { k: 'a', v: 5 },
      { k: 'b', v: 20 },
      { k: 'z', v: 26 },
    ]);
    const noWhere = await rejects(bq.query('DELETE FROM telemetry.dml'));
    assert.equal(noWhere.code, 400);
    // REQUIRED columns hold for DML too.
    const nullReq = await rejects(bq.query("INSERT INTO telemetry.readings (event_id, tenant_id, device_id, metric, value, event_time, ingest_time) VALUES (NULL, 't', 'd', 'm', 1, CURRENT_TIMESTAMP(), CURRENT_TIMESTAMP())"));
    assert.equal(nullReq.code, 400);
    assert.match(nullReq.message, /REQUIRED column event_id/);
  });

  it('reports query errors as invalidQuery / notFound with the right codes', async () => {
    const notFound = await rejects(bq.query('SELECT * FROM telemetry.nope'));
    assert.equal(notFound.code, 404);
    assert.equal(notFound.message, `Not found: Table ${projectId}:telemetry.nope was not found in location US`);
    const badCol = await rejects(bq.query('SELECT nope FROM telemetry.readings'));
    assert.equal(badCol.code, 400);
    assert.equal(badCol.errors?.[0]?.reason, 'invalidQuery');
    assert.match(badCol.message, /Unrecognized name: nope/);
    const unsupported = await rejects(bq.query('SELECT FARM_FINGERPRINT("x")'));
    assert.equal(unsupported.code, 400);
    assert.match(unsupported.message, /FARM_FINGERPRINT/);
    const divZero = await rejects(bq.query('SELECT 1 / 0'));
    assert.match(divZero.message, /division by zero/);
    const overflow = await rejects(bq.query('SELECT 9223372036854775807 + 1'));
    assert.match(overflow.message, /overflow/i);
    // A failed jobs.insert job carries errorResult; the client surfaces it.
    const failedJob = await rejects(bq.createQueryJob('SELECT nope FROM telemetry.readings').then(([j]) => j.getQueryResults()));
    assert.match(failedJob.message, /Unrecognized name: nope/);
  });
});
