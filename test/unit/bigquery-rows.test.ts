import assert from 'node:assert/strict';
import { EVENTS, READINGS } from '../../schemas/bigquery-tables.js';
import { PermanentError } from '../../functions/lib/errors.js';
import type { EnrichedEvent } from '../../functions/lib/events.js';
import { eventRow, eventRows, readingsRows } from '../../functions/sink-bigquery/rows.js';
import { sinkBigqueryCore } from '../../functions/sink-bigquery/sink.js';
import { parseEnrichedEvent } from '../../functions/sinks/enriched-event.js';
import type { RowToInsert } from '../../functions/sinks/row-sink.js';
import type { RowOutcome } from '../../functions/sinks/table-writer.js';
import { assertRowMatchesTable } from './bq-schema-assert.js';

const base: EnrichedEvent = {
  eventId: 'sensor-042:1711',
  deviceId: 'sensor-042',
  seq: 1711,
  eventTime: '2026-11-24T20:00:00.125000Z',
  readings: { temperature: 21.5, humidity: 40.2 },
  state: { door: 'open', battery_ok: true, mode: null },
  schemaVersion: '1',
  receivedAt: '2026-11-24T20:00:00.300000Z',
  tenantId: 'acme',
  site: 'plant-1',
  model: 'TH-2',
  units: { temperature: 'celsius' },
};

const variants: [string, EnrichedEvent][] = [
  ['full event', base],
  ['no seq, no site/model, no state', { ...base, eventId: 'sensor-042:h:abc', seq: null, site: null, model: null, state: {} }],
  ['no readings', { ...base, readings: {} }],
  ['negative and integer values', { ...base, readings: { t: -3, n: 0, big: 1e300 } }],
];

describe('unit: BigQuery rows from an EnrichedEvent', () => {
  for (const [name, e] of variants) {
    it(`every row matches its table definition: ${name}`, () => {
      const rows = eventRows(e);
      assert.equal(rows.readings.length, Object.keys(e.readings).length);
      for (const r of rows.readings) assertRowMatchesTable(r.json, READINGS);
      assert.equal(rows.events.length, 1);
      assertRowMatchesTable(rows.events[0]!.json, EVENTS);
    });
  }

  it('one readings row per metric with insertId eventId:metric', () => {
    const rows = readingsRows(base);
    assert.deepEqual(
      rows.map((r) => [r.insertId, r.json.metric, r.json.value, r.json.unit]),
      [
        ['sensor-042:1711:temperature', 'temperature', 21.5, 'celsius'],
        ['sensor-042:1711:humidity', 'humidity', 40.2, null],
      ],
    );
    assert.equal(rows[0]!.json.event_time, base.eventTime);
    assert.equal(rows[0]!.json.ingest_time, base.receivedAt);
    assert.equal(rows[0]!.json.tenant_id, 'acme');
    assert.equal(rows[0]!.json.seq, 1711);
  });

  it('the events row: insertId eventId, metric_count, state as JSON text (null when empty)', () => {
    const row = eventRow(base);
    assert.equal(row.insertId, 'sensor-042:1711');
    assert.equal(row.json.metric_count, 2);
    assert.deepEqual(JSON.parse(row.json.state as string), { door: 'open', battery_ok: true, mode: null });
    assert.equal(row.json.schema_version, '1');
    assert.equal(eventRow({ ...base, state: {} }).json.state, null);
  });

  it('rows are deterministic: a redelivered event builds identical rows', () => {
    assert.deepEqual(eventRows(structuredClone(base)), eventRows(base));
  });
});

describe('unit: parseEnrichedEvent', () => {
  const enc = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v), 'utf8');

  it('reads back what enrich wrote', () => {
    assert.deepEqual(JSON.parse(JSON.stringify(parseEnrichedEvent(enc(base)))), JSON.parse(JSON.stringify(base)));
  });

  const bad: [string, unknown][] = [
    ['not JSON', '{nope'],
    ['an array', [base]],
    ['no eventId', { ...base, eventId: undefined }],
    ['empty deviceId', { ...base, deviceId: '' }],
    ['non-canonical eventTime', { ...base, eventTime: '2026-11-24T20:00:00Z' }],
    ['string reading', { ...base, readings: { t: '21' } }],
    ['object state value', { ...base, state: { a: { b: 1 } } }],
    ['fractional seq', { ...base, seq: 1.5 }],
    ['numeric unit', { ...base, units: { t: 1 } }],
    ['no tenantId', { ...base, tenantId: undefined }],
    ['a deviceId that is not a document id', { ...base, deviceId: 'a/b' }],
    ['a metric key outside the schema pattern', { ...base, readings: { __x__: 1 } }],
    ['a state key outside the schema pattern', { ...base, state: { 'Door.Open': true } }],
  ];
  for (const [name, body] of bad) {
    it(`rejects ${name} as malformed-envelope`, () => {
      assert.throws(
        () => parseEnrichedEvent(enc(body)),
        (err: unknown) => err instanceof PermanentError && err.reason === 'malformed-envelope',
      );
    });
  }
});

describe('unit: sinkBigqueryCore', () => {
  const ok = async (rows: readonly RowToInsert[]): Promise<RowOutcome[]> => rows.map(() => null);

  it('writes the readings rows and the events row, and resolves when both are durable', async () => {
    const written: Record<string, string[]> = { readings: [], events: [] };
    await sinkBigqueryCore(base, {
      writeReadings: async (rows) => ((written.readings = rows.map((r) => r.insertId)), ok(rows)),
      writeEvents: async (rows) => ((written.events = rows.map((r) => r.insertId)), ok(rows)),
    });
    assert.deepEqual(written, { readings: ['sensor-042:1711:temperature', 'sensor-042:1711:humidity'], events: ['sensor-042:1711'] });
  });

  it('a row BigQuery rejected for good is a PermanentError bigquery-row-invalid naming table, metric and column', async () => {
    await assert.rejects(
      sinkBigqueryCore(base, {
        writeReadings: async (rows) => rows.map((_, i) => (i === 1 ? { reason: 'invalid', location: 'value' } : null)),
        writeEvents: ok,
      }),
      (err: unknown) => err instanceof PermanentError && err.reason === 'bigquery-row-invalid' && err.detail === 'readings[humidity].value: invalid',
    );
  });

  it('a transient failure propagates unchanged (the delivery is retried)', async () => {
    const boom = new Error('503');
    await assert.rejects(sinkBigqueryCore(base, { writeReadings: ok, writeEvents: async () => Promise.reject(boom) }), (err) => err === boom);
  });
});
