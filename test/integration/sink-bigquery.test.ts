// sinkBigquery and sinkDeadletter cores on the project's BigQuery emulator,
// through the real client and the insertAll RowSink: duplicate deliveries
// leave exactly one row per (event, metric), concurrent deliveries share
// requests, and rows BigQuery rejects end in telemetry.deadletter.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { BigQuery, type Dataset } from '@google-cloud/bigquery';
import { ALL_TABLES, READINGS, tableResource } from '../../schemas/bigquery-tables.js';
import type { DeadLetterEnvelope } from '../../functions/lib/events.js';
import { handlePubSubEvent } from '../../functions/lib/handle-message.js';
import { DATASET, TABLES } from '../../functions/lib/names.js';
import { processEnrichedMessage, sinkBigqueryCore } from '../../functions/sink-bigquery/sink.js';
import { sinkDeadletterCore } from '../../functions/sink-deadletter/sink.js';
import { InsertAllSink } from '../../functions/sinks/bigquery-insert-all.js';
import { parseEnrichedEvent } from '../../functions/sinks/enriched-event.js';
import type { RowSink, RowToInsert } from '../../functions/sinks/row-sink.js';
import { tableWriter } from '../../functions/sinks/table-writer.js';
import { startBigQueryEmulator, type BigQueryEmulator } from '../../emulators/bigquery/server.js';
import { CountingSink, enriched, iso, pubsubEvent } from '../support/sink-fixtures.js';

describe('integration: BigQuery sinks on the BigQuery emulator', function () {
  this.timeout(60_000);
  let emu: BigQueryEmulator;
  let dataset: Dataset;
  const projectId = `demo-iot-${randomBytes(4).toString('hex')}`;

  async function rows(table: string): Promise<Record<string, unknown>[]> {
    const [r] = await dataset.table(table).getRows({ maxResults: 10_000 });
    return r as Record<string, unknown>[];
  }

  before(async () => {
    emu = await startBigQueryEmulator({ port: 0 });
    // The product's way in: the client reads BIGQUERY_EMULATOR_HOST in its
    // constructor (set only around it, so other suites in this process are unaffected).
    const saved = process.env.BIGQUERY_EMULATOR_HOST;
    process.env.BIGQUERY_EMULATOR_HOST = emu.url;
    try {
      dataset = new BigQuery({ projectId }).dataset(DATASET);
    } finally {
      if (saved === undefined) delete process.env.BIGQUERY_EMULATOR_HOST;
      else process.env.BIGQUERY_EMULATOR_HOST = saved;
    }
    await dataset.create();
    for (const t of ALL_TABLES) await dataset.createTable(t.tableId, tableResource(t));
  });
  after(async () => {
    await emu?.close();
  });

  it('duplicate, concurrent deliveries: exactly one readings row per (event, metric), one events row per event, few requests', async () => {
    const sink = new CountingSink(new InsertAllSink((name) => dataset.table(name)));
    const opts = { maxRows: 500, maxWaitMs: 50 };
    const readings = tableWriter(sink, TABLES.readings, opts);
    const events = tableWriter(sink, TABLES.events, opts);
    const deps = { writeReadings: readings.write, writeEvents: events.write };
    const deviceId = `dup-${randomBytes(3).toString('hex')}`;
    const all = Array.from({ length: 20 }, (_, i) => enriched(deviceId, i + 1, ['temperature', 'humidity', 'co2']));
    // Every event delivered 3 times, all at once (as Pub/Sub redelivery and
    // publish retries would), through the same JSON the adapter parses.
    const deliveries = [...all, ...all, ...all].map((e) => parseEnrichedEvent(Buffer.from(JSON.stringify(e))));
    await Promise.all(deliveries.map((e) => sinkBigqueryCore(e, deps)));
    // And once more later, in a new batch (dedup across requests).
    await sinkBigqueryCore(deliveries[0]!, deps);

    const stored = (await rows(TABLES.readings)).filter((r) => r.device_id === deviceId);
    assert.equal(stored.length, 60, 'readings rows');
    assert.equal(new Set(stored.map((r) => `${String(r.event_id)}/${String(r.metric)}`)).size, 60);
    const t1 = stored.find((r) => r.event_id === `${deviceId}:1` && r.metric === 'temperature')!;
    assert.equal(t1.value, 1);
    assert.equal(t1.unit, 'celsius');
    const ev = (await rows(TABLES.events)).filter((r) => r.device_id === deviceId);
    assert.equal(ev.length, 20, 'events rows');
    // 61 deliveries: 2 tables x (1 concurrent batch + 1 late one).
    console.log(`      61 deliveries (180+3 readings rows, 61 events rows) -> ${sink.requests} insert requests`);
    assert.equal(sink.requests, 4);
  });

  it('rows BigQuery rejects are reported by index; the valid rows of the same request are written', async () => {
    const deviceId = `mix-${randomBytes(3).toString('hex')}`;
    const good = (metric: string): RowToInsert => ({
      insertId: `${deviceId}:1:${metric}`,
      json: { event_id: `${deviceId}:1`, tenant_id: 'acme', device_id: deviceId, metric, value: 1.5, unit: null, event_time: iso(Date.now()), ingest_time: iso(Date.now()), site: null, model: null, seq: 1 },
    });
    const bad: RowToInsert = { ...good('bad'), json: { ...good('bad').json, value: 'not a number' } };
    const res = await new InsertAllSink((name) => dataset.table(name)).insert(READINGS.tableId, [good('a'), bad, good('b')]);
    assert.deepEqual(res.rejected.map((r) => [r.index, r.reason]), [[1, 'invalid']]);
    const stored = (await rows(TABLES.readings)).filter((r) => r.device_id === deviceId);
    assert.deepEqual(stored.map((r) => r.metric).sort(), ['a', 'b']);
  });

  it('an event whose rows BigQuery rejects is dead-lettered (bigquery-row-invalid) and stored in telemetry.deadletter by sinkDeadletter', async () => {
    // Schema drift: a readings table that lacks a column the code writes.
    const drifted = `readings_drift_${randomBytes(3).toString('hex')}`;
    await dataset.createTable(drifted, { schema: { fields: READINGS.fields.filter((f) => f.name !== 'site') } });
    const sink = new InsertAllSink((name) => dataset.table(name));
    const deps = {
      writeReadings: tableWriter(sink, drifted, { maxRows: 500, maxWaitMs: 10 }).write,
      writeEvents: tableWriter(sink, TABLES.events, { maxRows: 500, maxWaitMs: 10 }).write,
    };
    const deviceId = `bad-${randomBytes(3).toString('hex')}`;
    const e = enriched(deviceId, 7, ['temperature']);
    const published: DeadLetterEnvelope[] = [];
    // The adapter's path, with the dead-letter publisher captured instead of Pub/Sub.
    await handlePubSubEvent(
      'sinkBigquery',
      pubsubEvent(e, 'msg-7'),
      (msg, ctx) => processEnrichedMessage(msg, ctx, deps),
      { payloadMaxBytes: 256 * 1024, now: () => new Date(), publishDeadLetter: async (env) => void published.push(env) },
    );
    assert.equal(published.length, 1, 'acked with one dead letter');
    assert.equal(published[0]!.reason, 'bigquery-row-invalid');
    assert.match(published[0]!.detail, /^readings\[temperature\]/);

    // events-deadletter -> sinkDeadletter -> telemetry.deadletter.
    const dlWriter = tableWriter(sink, TABLES.deadLetter, { maxRows: 500, maxWaitMs: 10 });
    const dlMsg = { data: Buffer.from(JSON.stringify(published[0])), attributes: {}, messageId: 'dl-1', publishTime: new Date().toISOString() };
    const reason = await sinkDeadletterCore(dlMsg, { writeDeadletter: dlWriter.write, payloadMaxBytes: 256 * 1024, now: () => new Date() });
    assert.equal(reason, 'bigquery-row-invalid');
    await sinkDeadletterCore(dlMsg, { writeDeadletter: dlWriter.write, payloadMaxBytes: 256 * 1024, now: () => new Date() }); // redelivered
    const dl = (await rows(TABLES.deadLetter)).filter((r) => r.device_id === deviceId);
    assert.equal(dl.length, 1, 'one deadletter row, redelivery deduplicated');
    assert.equal(dl[0]!.stage, 'sinkBigquery');
    assert.equal(dl[0]!.reason, 'bigquery-row-invalid');
    assert.equal(dl[0]!.event_id, e.eventId);
    // The client hands BYTES columns back as Buffers.
    assert.ok(Buffer.isBuffer(dl[0]!.payload));
    assert.deepEqual(JSON.parse((dl[0]!.payload as Buffer).toString('utf8')), JSON.parse(JSON.stringify(e)));
    // The events row of that message was written (a replay is deduplicated by insertId).
    assert.equal((await rows(TABLES.events)).filter((r) => r.device_id === deviceId).length, 1);
  });

  it('a batch message: one insert per table for all its events, and only the event whose rows were rejected is dead-lettered', async () => {
    const drifted = `readings_drift_${randomBytes(3).toString('hex')}`;
    await dataset.createTable(drifted, { schema: { fields: READINGS.fields.filter((f) => f.name !== 'site') } });
    const sink = new InsertAllSink((name) => dataset.table(name));
    let requests = 0;
    const counting: RowSink = { insert: (t, r) => (requests++, sink.insert(t, r)) };
    const deps = {
      writeReadings: tableWriter(counting, drifted, { maxRows: 500, maxWaitMs: 10, earlyFlush: true }).write,
      writeEvents: tableWriter(counting, TABLES.events, { maxRows: 500, maxWaitMs: 10, earlyFlush: true }).write,
    };
    const a = `batch-a-${randomBytes(3).toString('hex')}`;
    const b = `batch-b-${randomBytes(3).toString('hex')}`;
    const withRows = enriched(a, 1, ['temperature']);
    const stateOnly = enriched(b, 2, []); // no readings rows: nothing for the drifted table to reject
    const published: DeadLetterEnvelope[] = [];
    await handlePubSubEvent(
      'sinkBigquery',
      pubsubEvent({ events: [withRows, stateOnly] }, 'msg-batch'),
      (msg, ctx) => processEnrichedMessage(msg, ctx, deps),
      { payloadMaxBytes: 256 * 1024, now: () => new Date(), publishDeadLetter: async (env) => void published.push(env) },
    );
    assert.equal(requests, 2, 'one insert request per table for the whole message');
    assert.deepEqual(published.map((p) => [p.eventId, p.reason]), [[withRows.eventId, 'bigquery-row-invalid']]);
    assert.deepEqual(JSON.parse(Buffer.from(published[0]!.payload, 'base64').toString('utf8')), JSON.parse(JSON.stringify(withRows)), 'the event alone is the payload');
    const ev = (await rows(TABLES.events)).filter((r) => r.device_id === a || r.device_id === b);
    assert.deepEqual(ev.map((r) => r.event_id).sort(), [withRows.eventId, stateOnly.eventId].sort());
  });

  it('a message Pub/Sub dead-lettered and a non-envelope both land in telemetry.deadletter', async () => {
    const sink = new InsertAllSink((name) => dataset.table(name));
    const w = tableWriter(sink, TABLES.deadLetter, { maxRows: 500, maxWaitMs: 10 });
    const deps = { writeDeadletter: w.write, payloadMaxBytes: 1024, now: () => new Date() };
    const deviceId = `dlq-${randomBytes(3).toString('hex')}`;
    const original = JSON.stringify(enriched(deviceId, 1, ['temperature']));
    await sinkDeadletterCore(
      {
        data: Buffer.from(original),
        attributes: { CloudPubSubDeadLetterSourceDeliveryCount: '5', CloudPubSubDeadLetterSourceSubscription: 'sink-firestore-events-enriched' },
        messageId: `dlq-${deviceId}`,
        publishTime: new Date().toISOString(),
      },
      deps,
    );
    const junkId = `junk-${randomBytes(3).toString('hex')}`;
    await sinkDeadletterCore({ data: Buffer.from('\u00ff not an envelope'), attributes: {}, messageId: junkId, publishTime: new Date().toISOString() }, deps);
    const all = await rows(TABLES.deadLetter);
    const maxed = all.filter((r) => r.device_id === deviceId);
    assert.equal(maxed.length, 1);
    assert.equal(maxed[0]!.reason, 'max-delivery-attempts');
    assert.equal(maxed[0]!.stage, 'sinkFirestore');
    assert.equal(maxed[0]!.detail, 'delivery count 5');
    const junk = all.filter((r) => r.message_id === junkId);
    assert.equal(junk.length, 1);
    assert.equal(junk[0]!.reason, 'malformed-envelope');
  });
});
