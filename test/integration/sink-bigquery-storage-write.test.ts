// sinkBigquery and sinkDeadletter cores through the Storage Write RowSink
// (the default) on the BigQuery emulator's gRPC Storage Write API, with the
// official managed writer: concurrent deliveries share appends, duplicate
// deliveries are stored again (the default stream is at-least-once) and the
// de-dup views give one row per key, rows that do not fit or that BigQuery
// rejects end as dead letters, and an unreachable endpoint is transient.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { BigQuery, type Dataset } from '@google-cloud/bigquery';
import { managedwriter } from '@google-cloud/bigquery-storage';
import { ALL_TABLES, READINGS, tableResource } from '../../schemas/bigquery-tables.js';
import { DEDUP_VIEWS, dedupViewSql } from '../../schemas/bigquery-views.js';
import { parseStorageEndpoint } from '../../functions/lib/config.js';
import { TransientError } from '../../functions/lib/errors.js';
import type { DeadLetterEnvelope } from '../../functions/lib/events.js';
import { handlePubSubEvent } from '../../functions/lib/handle-message.js';
import { DATASET, TABLES } from '../../functions/lib/names.js';
import { processEnrichedMessage, sinkBigqueryCore } from '../../functions/sink-bigquery/sink.js';
import { sinkDeadletterCore } from '../../functions/sink-deadletter/sink.js';
import { StorageWriteSink } from '../../functions/sinks/bigquery-storage-write.js';
import { parseEnrichedEvent } from '../../functions/sinks/enriched-event.js';
import { endpointOptions, managedWriterBackend } from '../../functions/sinks/storage-write-client.js';
import type { RowToInsert } from '../../functions/sinks/row-sink.js';
import { tableWriter } from '../../functions/sinks/table-writer.js';
import { startBigQueryEmulator, type BigQueryEmulator } from '../../emulators/bigquery/server.js';
import { CountingSink, enriched, iso, pubsubEvent } from '../support/sink-fixtures.js';
import { freePort } from '../../tools/lib/ports.js';

describe('integration: BigQuery sinks through the Storage Write API on the BigQuery emulator', function () {
  this.timeout(60_000);
  let emu: BigQueryEmulator;
  let bq: BigQuery;
  let dataset: Dataset;
  let client: managedwriter.WriterClient;
  let sink: StorageWriteSink;
  const projectId = `demo-iot-${randomBytes(4).toString('hex')}`;

  async function query<T = Record<string, unknown>>(sql: string): Promise<T[]> {
    const [r] = await bq.query({ query: sql });
    return r as T[];
  }

  before(async () => {
    emu = await startBigQueryEmulator({ port: 0, grpcPort: 0 });
    bq = new BigQuery({ projectId, apiEndpoint: emu.url });
    dataset = bq.dataset(DATASET);
    await dataset.create();
    for (const t of ALL_TABLES) await dataset.createTable(t.tableId, tableResource(t));
    for (const v of DEDUP_VIEWS) await dataset.createTable(v.viewId, { view: { query: dedupViewSql(v, `\`${projectId}.${DATASET}.${v.table}\``), useLegacySql: false } });
    // The product's configuration path: BQ_STORAGE_ENDPOINT=http://127.0.0.1:PORT.
    client = new managedwriter.WriterClient({ projectId, ...endpointOptions(parseStorageEndpoint(`http://127.0.0.1:${emu.grpcPort}`)) });
    sink = new StorageWriteSink(managedWriterBackend(client, projectId, DATASET));
  });
  after(async () => {
    client?.close();
    await emu?.close();
  });

  it('concurrent duplicate deliveries share appends; the raw table keeps every copy, the de-dup views one row per key', async () => {
    const counting = new CountingSink(sink);
    const opts = { maxRows: 500, maxWaitMs: 50 };
    const readings = tableWriter(counting, TABLES.readings, opts);
    const events = tableWriter(counting, TABLES.events, opts);
    const deps = { writeReadings: readings.write, writeEvents: events.write };
    const deviceId = `dup-${randomBytes(3).toString('hex')}`;
    const all = Array.from({ length: 20 }, (_, i) => enriched(deviceId, i + 1, ['temperature', 'humidity', 'co2']));
    const deliveries = [...all, ...all, ...all].map((e) => parseEnrichedEvent(Buffer.from(JSON.stringify(e))));
    await Promise.all(deliveries.map((e) => sinkBigqueryCore(e, deps)));
    await sinkBigqueryCore(deliveries[0]!, deps);
    assert.equal(counting.requests, 4, '2 tables x (1 concurrent batch + 1 late one)');

    // No insertId on the default stream: every delivery is stored.
    const [raw] = await query<{ n: number }>(`SELECT COUNT(*) AS n FROM ${DATASET}.readings WHERE device_id = '${deviceId}'`);
    assert.equal(raw!.n, 183);
    const dedup = await query<{ event_id: string; metric: string; value: number; unit: string | null; seq: number }>(
      `SELECT event_id, metric, value, unit, seq FROM ${DATASET}.readings_dedup WHERE device_id = '${deviceId}' ORDER BY seq, metric`,
    );
    assert.equal(dedup.length, 60);
    assert.equal(new Set(dedup.map((r) => `${r.event_id}/${r.metric}`)).size, 60);
    assert.deepEqual(dedup[0], { event_id: `${deviceId}:1`, metric: 'co2', value: 1.2, unit: null, seq: 1 });
    assert.deepEqual(dedup.find((r) => r.metric === 'temperature' && r.seq === 1), { event_id: `${deviceId}:1`, metric: 'temperature', value: 1, unit: 'celsius', seq: 1 });
    const [ev] = await query<{ n: number; d: number }>(`SELECT COUNT(*) AS n, COUNT(DISTINCT event_id) AS d FROM ${DATASET}.events_dedup WHERE device_id = '${deviceId}'`);
    assert.deepEqual({ ...ev }, { n: 20, d: 20 });
    const [state] = await query<{ state: string; micros: number }>(
      `SELECT TO_JSON_STRING(state) AS state, UNIX_MICROS(event_time) AS micros FROM ${DATASET}.events_dedup WHERE event_id = '${deviceId}:2'`,
    );
    assert.deepEqual({ ...state }, { state: '{"door":"closed"}', micros: Date.parse(all[1]!.eventTime) * 1000 }, 'JSON and TIMESTAMP survive the proto encoding');
  });

  it('rejects rows that do not fit the schema before sending, and rows BigQuery answers with row errors; the others are written', async () => {
    const deviceId = `mix-${randomBytes(3).toString('hex')}`;
    const good = (metric: string): RowToInsert => ({
      insertId: `${deviceId}:1:${metric}`,
      json: { event_id: `${deviceId}:1`, tenant_id: 'acme', device_id: deviceId, metric, value: 1.5, unit: null, event_time: iso(Date.now()), ingest_time: iso(Date.now()), site: null, model: null, seq: 1 },
    });
    const notANumber: RowToInsert = { ...good('nan'), json: { ...good('nan').json, value: 'not a number' } };
    // REQUIRED column NULL: only BigQuery (here the emulator) refuses it, as a row error.
    const noTenant: RowToInsert = { ...good('nt'), json: { ...good('nt').json, tenant_id: null } };
    const res = await sink.insert(READINGS.tableId, [good('a'), notANumber, good('b'), noTenant, good('c')]);
    assert.deepEqual(
      res.rejected.map((r) => [r.index, r.reason, r.location]),
      [
        [1, 'invalid', 'value'],
        [3, 'FIELDS_ERROR', 'tenant_id'],
      ],
    );
    const stored = await query<{ metric: string }>(`SELECT metric FROM ${DATASET}.readings WHERE device_id = '${deviceId}' ORDER BY metric`);
    assert.deepEqual(
      stored.map((r) => r.metric),
      ['a', 'b', 'c'],
      'the good rows once each: the refused append wrote nothing',
    );
  });

  it('an event whose rows do not fit the table is dead-lettered (bigquery-row-invalid) and sinkDeadletter stores it through the Storage Write API', async () => {
    const drifted = `readings_drift_${randomBytes(3).toString('hex')}`;
    await dataset.createTable(drifted, { schema: { fields: READINGS.fields.filter((f) => f.name !== 'site') } });
    const deps = {
      writeReadings: tableWriter(sink, drifted, { maxRows: 500, maxWaitMs: 10 }).write,
      writeEvents: tableWriter(sink, TABLES.events, { maxRows: 500, maxWaitMs: 10 }).write,
    };
    const deviceId = `bad-${randomBytes(3).toString('hex')}`;
    const e = enriched(deviceId, 7, ['temperature']);
    const published: DeadLetterEnvelope[] = [];
    await handlePubSubEvent(
      'sinkBigquery',
      pubsubEvent(e, 'msg-7'),
      (msg, ctx) => processEnrichedMessage(msg, ctx, deps),
      { payloadMaxBytes: 256 * 1024, now: () => new Date(), publishDeadLetter: async (env) => void published.push(env) },
    );
    assert.equal(published.length, 1, 'acked with one dead letter');
    assert.equal(published[0]!.reason, 'bigquery-row-invalid');
    assert.equal(published[0]!.detail, 'readings[temperature].site: invalid');
    const [driftRows] = await query<{ n: number }>(`SELECT COUNT(*) AS n FROM ${DATASET}.${drifted}`);
    assert.equal(driftRows!.n, 0, 'no row written without its site');

    const dlWriter = tableWriter(sink, TABLES.deadLetter, { maxRows: 500, maxWaitMs: 10 });
    const dlMsg = { data: Buffer.from(JSON.stringify(published[0])), attributes: {}, messageId: 'dl-1', publishTime: new Date().toISOString() };
    const dlDeps = { writeDeadletter: dlWriter.write, payloadMaxBytes: 256 * 1024, now: () => new Date() };
    assert.equal(await sinkDeadletterCore(dlMsg, dlDeps), 'bigquery-row-invalid');
    await sinkDeadletterCore(dlMsg, dlDeps); // redelivered
    const raw = await query(`SELECT stage FROM ${DATASET}.deadletter WHERE device_id = '${deviceId}'`);
    assert.equal(raw.length, 2, 'at-least-once: the redelivery is stored again');
    const [dl] = await dataset.table('deadletter_dedup').query({ query: `SELECT * FROM ${DATASET}.deadletter_dedup WHERE device_id = '${deviceId}'` });
    assert.equal(dl.length, 1, 'one dead letter through the view');
    const row = dl[0] as Record<string, unknown>;
    assert.equal(row.stage, 'sinkBigquery');
    assert.equal(row.reason, 'bigquery-row-invalid');
    assert.equal(row.event_id, e.eventId);
    assert.ok(Buffer.isBuffer(row.payload), 'BYTES come back as a Buffer');
    assert.deepEqual(JSON.parse((row.payload as Buffer).toString('utf8')), JSON.parse(JSON.stringify(e)), 'the raw bytes survive for replay');
  });

  it('splits a large batch into appends under the request limit, every row once', async () => {
    const small = new StorageWriteSink(managedWriterBackend(client, projectId, DATASET), { maxBytesPerRequest: 64 * 1024 });
    const deviceId = `big-${randomBytes(3).toString('hex')}`;
    const payload = Buffer.alloc(20 * 1024, 7).toString('base64');
    const rows: RowToInsert[] = Array.from({ length: 12 }, (_, i) => ({
      insertId: `x${i}`,
      json: {
        received_at: iso(Date.now()),
        stage: 'validate',
        reason: 'oversize',
        detail: null,
        device_id: deviceId,
        event_id: `${deviceId}:${i}`,
        message_id: `m${i}`,
        attributes: '{}',
        payload,
        payload_size: 20 * 1024,
        payload_sha256: 'a'.repeat(64),
        payload_truncated: false,
      },
    }));
    const before = (await (await fetch(`${emu.url}/emulator/v1/stats`)).json()) as { storageWrite: { appendRequests: number } };
    assert.deepEqual((await small.insert(TABLES.deadLetter, rows)).rejected, []);
    const after = (await (await fetch(`${emu.url}/emulator/v1/stats`)).json()) as { storageWrite: { appendRequests: number } };
    assert.ok(after.storageWrite.appendRequests - before.storageWrite.appendRequests >= 4, 'several appends');
    const [stored] = await dataset.table(TABLES.deadLetter).getRows({ maxResults: 10_000 });
    const mine = stored.filter((r) => r.device_id === deviceId);
    assert.equal(mine.length, 12);
    assert.ok(mine.every((r) => Buffer.isBuffer(r.payload) && (r.payload as Buffer).equals(Buffer.alloc(20 * 1024, 7))));
  });

  it('an unreachable endpoint is a TransientError (the delivery is retried), not a crash', async () => {
    const port = await freePort();
    const deadClient = new managedwriter.WriterClient({ projectId, ...endpointOptions(parseStorageEndpoint(`http://127.0.0.1:${port}`)) });
    const dead = new StorageWriteSink(managedWriterBackend(deadClient, projectId, DATASET), { requestTimeoutMs: 5000 });
    const row: RowToInsert = { insertId: 'z', json: { event_id: 'z', tenant_id: 't', device_id: 'd', metric: 'm', value: 1, event_time: iso(Date.now()), ingest_time: iso(Date.now()) } };
    await assert.rejects(
      dead.insert(READINGS.tableId, [row]).finally(() => deadClient.close()),
      (err: unknown) => err instanceof TransientError,
    );
  });
});
