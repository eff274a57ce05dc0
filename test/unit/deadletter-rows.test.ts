import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { DEADLETTER } from '../../schemas/bigquery-tables.js';
import { buildDeadLetter } from '../../functions/lib/dead-letter.js';
import { PermanentError } from '../../functions/lib/errors.js';
import type { PubSubMessage } from '../../functions/lib/pubsub-message.js';
import { deadLetterRow, parseEnvelope } from '../../functions/sink-deadletter/rows.js';
import { sinkDeadletterCore } from '../../functions/sink-deadletter/sink.js';
import type { RowToInsert } from '../../functions/sinks/row-sink.js';
import type { RowOutcome } from '../../functions/sinks/table-writer.js';
import { assertRowMatchesTable } from './bq-schema-assert.js';

const deps = { payloadMaxBytes: 1024, now: () => new Date('2026-11-24T21:00:00.000Z') };
const failing: PubSubMessage = {
  data: Buffer.from('{"deviceId":"sensor-042","seq":"x"}'),
  attributes: { schemaVersion: '1' },
  messageId: 'm-1',
  publishTime: '2026-11-24T20:00:00.123456789Z',
};
const envelope = buildDeadLetter('validate', new PermanentError('schema-violation', '/seq must be integer'), failing, {
  receivedAt: '2026-11-24T20:00:00.200000Z',
  payloadMaxBytes: 1024,
  deviceId: 'sensor-042',
});
const dlMessage = (data: Buffer | string, attributes: Record<string, string> = {}, messageId = 'dl-9'): PubSubMessage => ({
  data: Buffer.isBuffer(data) ? data : Buffer.from(data),
  attributes,
  messageId,
  publishTime: '2026-11-24T20:00:01.5Z',
});

describe('unit: deadletter rows', () => {
  it('our envelope -> a row with its stage, reason, detail, ids and payload', () => {
    const row = deadLetterRow(dlMessage(JSON.stringify(envelope)), deps);
    assertRowMatchesTable(row.json, DEADLETTER);
    assert.deepEqual(row.json, {
      received_at: '2026-11-24T20:00:00.200000Z',
      stage: 'validate',
      reason: 'schema-violation',
      detail: '/seq must be integer',
      device_id: 'sensor-042',
      event_id: null,
      message_id: 'm-1',
      attributes: '{"schemaVersion":"1"}',
      payload: failing.data.toString('base64'),
      payload_size: failing.data.length,
      payload_sha256: createHash('sha256').update(failing.data).digest('hex'),
      payload_truncated: false,
    });
  });

  it('the insertId is stable across redelivery and re-publication of the same failure', () => {
    const a = deadLetterRow(dlMessage(JSON.stringify(envelope), {}, 'dl-1'), deps);
    const b = deadLetterRow(dlMessage(JSON.stringify({ ...envelope, receivedAt: '2026-11-24T20:00:09.000000Z' }), {}, 'dl-2'), deps);
    const other = deadLetterRow(dlMessage(JSON.stringify({ ...envelope, reason: 'oversize' }), {}, 'dl-1'), deps);
    assert.equal(a.insertId, b.insertId);
    assert.notEqual(a.insertId, other.insertId);
    assert.ok(a.insertId.length <= 128);
  });

  it('one event failing at one stage is one dead letter, whatever message carried it', () => {
    // enrich saw the same event twice (validate ran twice: two events-valid message ids).
    const ev = { ...envelope, stage: 'enrich' as const, reason: 'unknown-device', eventId: 'sensor-042:7' };
    const a = deadLetterRow(dlMessage(JSON.stringify({ ...ev, messageId: 'valid-1' }), {}, 'dl-1'), deps);
    const b = deadLetterRow(dlMessage(JSON.stringify({ ...ev, messageId: 'valid-2' }), {}, 'dl-2'), deps);
    const otherEvent = deadLetterRow(dlMessage(JSON.stringify({ ...ev, messageId: 'valid-3', eventId: 'sensor-042:8' }), {}, 'dl-3'), deps);
    assert.equal(a.insertId, b.insertId);
    assert.notEqual(a.insertId, otherEvent.insertId);
  });

  it('a message Pub/Sub dead-lettered -> max-delivery-attempts, stage from the subscription, raw payload, delivery count', () => {
    const original = JSON.stringify({ eventId: 'sensor-042:7', deviceId: 'sensor-042', readings: {} });
    const row = deadLetterRow(
      dlMessage(original, {
        CloudPubSubDeadLetterSourceDeliveryCount: '5',
        CloudPubSubDeadLetterSourceSubscription: 'sink-bigquery-events-enriched',
        CloudPubSubDeadLetterSourceSubscriptionProject: 'demo-iot',
        CloudPubSubDeadLetterSourceTopicPublishTime: '2026-11-24T19:59:59.5Z',
      }),
      deps,
    );
    assertRowMatchesTable(row.json, DEADLETTER);
    assert.equal(row.json.reason, 'max-delivery-attempts');
    assert.equal(row.json.stage, 'sinkBigquery');
    assert.equal(row.json.detail, 'delivery count 5');
    assert.equal(row.json.received_at, '2026-11-24T19:59:59.500000Z');
    assert.equal(Buffer.from(row.json.payload as string, 'base64').toString(), original);
    assert.equal(row.json.device_id, 'sensor-042');
    assert.equal(row.json.event_id, 'sensor-042:7');
    assert.equal(JSON.parse(row.json.attributes as string).CloudPubSubDeadLetterSourceDeliveryCount, '5');
  });

  it('an unknown source subscription (full path) is kept as the stage', () => {
    const row = deadLetterRow(dlMessage('\u0000binary', { CloudPubSubDeadLetterSourceSubscription: 'projects/p/subscriptions/someone-else', CloudPubSubDeadLetterSourceDeliveryCount: 'lots' }), deps);
    assertRowMatchesTable(row.json, DEADLETTER);
    assert.equal(row.json.stage, 'someone-else');
    assert.equal(row.json.detail, 'delivery count unknown');
    assert.equal(row.json.received_at, '2026-11-24T20:00:01.500000Z');
  });

  const malformed: [string, string][] = [
    ['not JSON', '{'],
    ['JSON but not ours', '{"hello":1}'],
    ['an array', '[1]'],
    ['our kind with a bad payload', JSON.stringify({ ...envelope, payload: '***' })],
    ['our kind with a bad sha', JSON.stringify({ ...envelope, payloadSha256: 'abc' })],
    ['our kind with a bad receivedAt', JSON.stringify({ ...envelope, receivedAt: 'yesterday' })],
    ['our kind with a numeric attribute', JSON.stringify({ ...envelope, attributes: { a: 1 } })],
    ['empty', ''],
  ];
  for (const [name, data] of malformed) {
    it(`anything else (${name}) -> malformed-envelope row with the raw bytes, never lost`, () => {
      const row = deadLetterRow(dlMessage(data), deps);
      assertRowMatchesTable(row.json, DEADLETTER);
      assert.equal(row.json.reason, 'malformed-envelope');
      assert.equal(row.json.stage, 'sinkDeadletter');
      assert.equal(row.json.message_id, 'dl-9');
      assert.equal(Buffer.from(row.json.payload as string, 'base64').toString(), data);
      assert.equal(row.json.payload_size, Buffer.byteLength(data));
    });
  }

  it('a large malformed payload is truncated to deadLetterPayloadMaxBytes, with size and hash of the whole', () => {
    const big = Buffer.alloc(5000, 0x61);
    const row = deadLetterRow(dlMessage(big), deps);
    assert.equal(Buffer.from(row.json.payload as string, 'base64').length, 1024);
    assert.equal(row.json.payload_size, 5000);
    assert.equal(row.json.payload_truncated, true);
    assert.equal(row.json.payload_sha256, createHash('sha256').update(big).digest('hex'));
  });

  it('parseEnvelope accepts exactly what buildDeadLetter produces', () => {
    assert.equal(typeof parseEnvelope(Buffer.from(JSON.stringify(envelope))), 'object');
  });
});

describe('unit: sinkDeadletterCore', () => {
  it('writes one row and reports its reason', async () => {
    const written: RowToInsert[] = [];
    const reason = await sinkDeadletterCore(dlMessage(JSON.stringify(envelope)), { ...deps, writeDeadletter: async (rows) => (written.push(...rows), rows.map(() => null)) });
    assert.equal(reason, 'schema-violation');
    assert.equal(written.length, 1);
  });

  it('a row BigQuery rejects is replaced by a malformed-envelope row written directly (no PermanentError, no loop)', async () => {
    const written: RowToInsert[] = [];
    const reason = await sinkDeadletterCore(dlMessage(JSON.stringify(envelope)), {
      ...deps,
      writeDeadletter: async (rows): Promise<RowOutcome[]> => {
        written.push(...rows);
        return written.length === 1 ? [{ reason: 'invalid', location: 'stage' }] : [null];
      },
    });
    assert.equal(reason, 'malformed-envelope');
    assert.equal(written.length, 2);
    assert.equal(written[1]!.json.reason, 'malformed-envelope');
    assert.match(String(written[1]!.json.detail), /rejected by BigQuery: stage invalid/);
  });

  it('a BigQuery outage propagates (transient: retried)', async () => {
    await assert.rejects(
      sinkDeadletterCore(dlMessage('x'), { ...deps, writeDeadletter: async () => Promise.reject(new Error('503')) }),
      /503/,
    );
  });
});
