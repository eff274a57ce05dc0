// The sinks on batch messages: every event of a message handled, a bad event
// dead-lettered alone (with its own bytes and ids), a failed commit retried
// as a whole; a bare (pre-batching) message that is bad fails as a whole.
import assert from 'node:assert/strict';
import { PermanentError } from '../../functions/lib/errors.js';
import type { EnrichedEvent } from '../../functions/lib/events.js';
import type { EventFailure, MessageContext } from '../../functions/lib/handle-message.js';
import type { PubSubMessage } from '../../functions/lib/pubsub-message.js';
import { processEnrichedMessage as firestoreMessage } from '../../functions/sink-firestore/sink.js';
import { processEnrichedMessage as bigqueryMessage } from '../../functions/sink-bigquery/sink.js';
import type { RowToInsert } from '../../functions/sinks/row-sink.js';

const T = '2026-11-24T20:00:00.125000Z';
const ev = (deviceId: string, seq: number): EnrichedEvent => ({
  eventId: `${deviceId}:${seq}`, deviceId, seq, eventTime: T, readings: { temperature: seq }, state: {}, schemaVersion: '1', receivedAt: T,
  tenantId: 'acme', site: null, model: null, units: {},
});
const msg = (body: unknown): PubSubMessage => ({ data: Buffer.from(JSON.stringify(body)), attributes: { eventCount: '3' }, messageId: 'm-1', publishTime: T });

function ctx(): MessageContext & { dead: EventFailure[] } {
  const dead: EventFailure[] = [];
  return { dead, deadLetterEvents: async (f) => void dead.push(...f) };
}

describe('unit: sinks on batch messages', () => {
  it('sinkFirestore enqueues every good event of a batch, from many devices, and dead-letters the malformed one alone', async () => {
    const enqueued: string[] = [];
    const c = ctx();
    const bad = { ...ev('b', 2), eventTime: 'yesterday' };
    await firestoreMessage(msg({ events: [ev('a', 1), bad, ev('c', 3)] }), c, { enqueue: async (id, e) => void enqueued.push(`${id}/${(e as EnrichedEvent).eventId}`) });
    assert.deepEqual(enqueued, ['a/a:1', 'c/c:3']);
    assert.equal(c.dead.length, 1);
    assert.equal(c.dead[0]!.error.reason, 'malformed-envelope');
    assert.deepEqual(c.dead[0]!.raw, bad);
  });

  it('sinkFirestore waits for every commit and rethrows a failed one (the whole delivery is retried)', async () => {
    const c = ctx();
    let settled = 0;
    const boom = new Error('ABORTED');
    await assert.rejects(
      firestoreMessage(msg({ events: [ev('a', 1), ev('b', 2)] }), c, {
        enqueue: async (id) => {
          await new Promise((r) => setTimeout(r, id === 'a' ? 20 : 1));
          settled++;
          if (id === 'b') throw boom;
        },
      }),
      (e) => e === boom,
    );
    assert.equal(settled, 2, 'the slower commit finished before the answer');
  });

  it('a bare message that is malformed fails as a whole (its raw bytes become the dead letter)', async () => {
    await assert.rejects(firestoreMessage(msg({ ...ev('a', 1), eventTime: 'x' }), ctx(), { enqueue: async () => undefined }), (e: unknown) => e instanceof PermanentError && e.reason === 'malformed-envelope');
  });

  it('sinkBigquery writes a batch in one call per table and dead-letters only the event whose row was rejected', async () => {
    const calls: RowToInsert[][] = [];
    const c = ctx();
    await bigqueryMessage(msg({ events: [ev('a', 1), ev('b', 2)] }), c, {
      writeReadings: async (rows) => (calls.push([...rows]), rows.map((r) => (r.json.device_id === 'b' ? { reason: 'invalid', location: 'value' } : null))),
      writeEvents: async (rows) => (calls.push([...rows]), rows.map(() => null)),
    });
    assert.deepEqual(calls.map((rows) => rows.length), [2, 2], 'one readings call and one events call for both events');
    assert.deepEqual(c.dead.map((d) => [d.error.reason, d.error.eventId]), [['bigquery-row-invalid', 'b:2']]);
    assert.equal((c.dead[0]!.raw as EnrichedEvent).eventId, 'b:2');
  });
});
