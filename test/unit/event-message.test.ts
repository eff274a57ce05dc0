// Batch messages between the functions: parsing per event, and the batcher
// that shares one publish among concurrent requests and acks each only after it.
import assert from 'node:assert/strict';
import type { Topic } from '@google-cloud/pubsub';
import { PermanentError, TransientError } from '../../functions/lib/errors.js';
import { batchAttributes, chunks, EventBatcher, eventFailure, parseEventMessage } from '../../functions/lib/event-message.js';

const parseOne = (v: unknown): { eventId: string; deviceId: string } => {
  const o = v as { eventId?: unknown; deviceId?: unknown };
  if (typeof o?.eventId !== 'string' || typeof o.deviceId !== 'string') throw new PermanentError('malformed-envelope', 'bad event');
  return { eventId: o.eventId, deviceId: o.deviceId };
};
const buf = (v: unknown): Buffer => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v));

describe('unit: event messages', () => {
  it('reads a batch event by event, a bad event failing alone', () => {
    const m = parseEventMessage(buf({ events: [{ eventId: 'a:1', deviceId: 'a' }, { eventId: 3 }, { eventId: 'b:1', deviceId: 'b' }] }), parseOne, 'x');
    assert.equal(m.batch, true);
    assert.deepEqual(m.slots.map((s) => s.ok), [true, false, true]);
    const bad = m.slots[1]!;
    assert.ok(!bad.ok && bad.error.reason === 'malformed-envelope');
    assert.deepEqual(eventFailure(m, new PermanentError('unknown-device'), { eventId: 3 }).raw, { eventId: 3 });
  });

  it('reads a bare event (before batching, replays) as a batch of one that fails as a whole', () => {
    const m = parseEventMessage(buf({ eventId: 'a:1', deviceId: 'a' }), parseOne, 'x');
    assert.equal(m.batch, false);
    assert.deepEqual(m.slots.map((s) => s.ok && s.event.eventId), ['a:1']);
    assert.throws(() => eventFailure(m, new PermanentError('unknown-device'), {}), (e: unknown) => e instanceof PermanentError && e.reason === 'unknown-device');
  });

  for (const [name, body] of [
    ['not JSON', '{'],
    ['not UTF-8', Buffer.from([0xff, 0xfe])],
    ['an array', '[]'],
    ['events not an array', '{"events":{}}'],
    ['no events', '{"events":[]}'],
  ] as const) {
    it(`refuses a whole message that is ${name} (malformed-envelope)`, () => {
      assert.throws(() => parseEventMessage(Buffer.isBuffer(body) ? body : buf(body), parseOne, 'x'), (e: unknown) => e instanceof PermanentError && e.reason === 'malformed-envelope');
    });
  }

  it('names the ids in the attributes of a one-event batch only', () => {
    assert.deepEqual(batchAttributes([{ eventId: 'a:1', deviceId: 'a' }]), { eventCount: '1', eventId: 'a:1', deviceId: 'a' });
    assert.deepEqual(batchAttributes([{ eventId: 'a:1', deviceId: 'a' }, { eventId: 'b:1', deviceId: 'b' }]), { eventCount: '2' });
  });
});

/** A topic that records publishes and lets the test decide their outcome. */
function fakeTopic() {
  const published: { data: Buffer; attributes: Record<string, string>; resolve: (id: string) => void; reject: (e: unknown) => void }[] = [];
  const topic = {
    name: 'projects/p/topics/t',
    publishMessage: (m: { data: Buffer; attributes: Record<string, string> }) =>
      new Promise<string>((resolve, reject) => published.push({ data: m.data, attributes: m.attributes, resolve, reject })),
  } as unknown as Topic;
  return { topic, published };
}

const tick = () => new Promise<void>((r) => setImmediate(r));

describe('unit: event batcher', () => {
  const ev = (d: string, n: number) => ({ eventId: `${d}:${n}`, deviceId: d, readings: { t: n } });

  it('concurrent requests share one message, and each is acked only when it is published', async () => {
    const { topic, published } = fakeTopic();
    const b = new EventBatcher(topic, { windowMs: 30, maxEvents: 500, maxBytes: 1 << 20, ordering: false });
    let firstDone = false;
    const first = b.publish([ev('a', 1)]).then(() => (firstDone = true)); // lone: at once
    await tick();
    assert.equal(published.length, 1);
    const rest = [b.publish([ev('a', 2), ev('b', 1)]), b.publish([ev('c', 1)])];
    await new Promise((r) => setTimeout(r, 60));
    assert.equal(published.length, 2, 'the two later requests share one message');
    assert.deepEqual(JSON.parse(published[1]!.data.toString()), { events: [ev('a', 2), ev('b', 1), ev('c', 1)] });
    assert.deepEqual(published[1]!.attributes, { eventCount: '3' });
    assert.equal(firstDone, false, 'not acked before its publish returned');
    published[0]!.resolve('m1');
    await first;
    let settled = 0;
    for (const p of rest) void p.then(() => settled++);
    await tick();
    assert.equal(settled, 0);
    published[1]!.resolve('m2');
    await Promise.all(rest);
  });

  it('a failed publish fails every request it carried, as transient (redelivered)', async () => {
    const { topic, published } = fakeTopic();
    const b = new EventBatcher(topic, { windowMs: 0, maxEvents: 500, maxBytes: 1 << 20, ordering: false });
    const p = b.publish([ev('a', 1)]);
    await tick();
    published[0]!.reject(new Error('UNAVAILABLE'));
    await assert.rejects(p, (e: unknown) => e instanceof TransientError);
  });

  it('keeps each message under maxEvents and maxBytes', async () => {
    const { topic, published } = fakeTopic();
    const b = new EventBatcher(topic, { windowMs: 20, maxEvents: 3, maxBytes: 1 << 20, ordering: false });
    void b.publish([ev('a', 0)]);
    await tick();
    for (let i = 1; i <= 7; i++) void b.publish([ev('a', i)]);
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(published.map((p) => (JSON.parse(p.data.toString()) as { events: unknown[] }).events.length), [1, 3, 3, 1]);
    // Bytes: room for two events (each counted with its comma), not three.
    const two = fakeTopic();
    const one = JSON.stringify(ev('a', 1)).length + 1;
    const small = new EventBatcher(two.topic, { windowMs: 20, maxEvents: 500, maxBytes: 2 * one + 1, ordering: false });
    void small.publish([ev('a', 0)]);
    await tick();
    for (let i = 1; i <= 4; i++) void small.publish([ev('a', i)]);
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(two.published.map((p) => (JSON.parse(p.data.toString()) as { events: unknown[] }).events.length), [1, 2, 2]);
  });

  it('splits a request bigger than a message (events or bytes) into messages that fit', async () => {
    const items = [3, 3, 3, 3, 3].map((bytes, i) => ({ i, bytes }));
    assert.deepEqual(chunks(items, 2, 1000).map((c) => c.map((x) => x.i)), [[0, 1], [2, 3], [4]]);
    // 3 bytes + comma each: 8 bytes hold two
    assert.deepEqual(chunks(items, 500, 8).map((c) => c.length), [2, 2, 1]);
    // an event larger than maxBytes still goes, alone
    assert.deepEqual(chunks([{ bytes: 50 }, { bytes: 1 }], 500, 10).map((c) => c.length), [1, 1]);
    const { topic, published } = fakeTopic();
    const b = new EventBatcher(topic, { windowMs: 0, maxEvents: 1, maxBytes: 1 << 20, ordering: false });
    const p = b.publish([ev('a', 1), ev('a', 2), ev('a', 3)]);
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(published.length, 3, 'EVENT_BATCH_MAX_EVENTS=1: one message per event, as before batching');
    for (const m of published) m.resolve('id');
    await p;
  });

  it('with ordering keys, publishes per event with the device as key', async () => {
    const calls: { orderingKey?: string; data: Buffer }[] = [];
    const topic = { name: 't', publishMessage: async (m: { orderingKey?: string; data: Buffer }) => (calls.push(m), 'id'), resumePublishing: () => undefined } as unknown as Topic;
    const b = new EventBatcher(topic, { windowMs: 100, maxEvents: 500, maxBytes: 1 << 20, ordering: true });
    await b.publish([ev('a', 1), ev('b', 1)]);
    assert.deepEqual(calls.map((c) => c.orderingKey), ['a', 'b']);
    assert.deepEqual(JSON.parse(calls[0]!.data.toString()), { events: [ev('a', 1)] });
  });
});
