// handlePubSubEvent: the one retry-vs-dead-letter rule, with the dead-letter
// publisher injected; and publishJson's failure handling.
import assert from 'node:assert/strict';
import type { CloudEvent } from '@google-cloud/functions-framework';
import { PermanentError, TransientError } from '../../functions/lib/errors.js';
import type { DeadLetterEnvelope } from '../../functions/lib/events.js';
import { handlePubSubEvent, type HandleDeps } from '../../functions/lib/handle-message.js';
import { publishJson } from '../../functions/lib/pubsub-clients.js';
import type { Topic } from '@google-cloud/pubsub';

function cloudEvent(data: unknown): CloudEvent<unknown> {
  return { id: 'ce-1', source: '//pubsub.googleapis.com/projects/demo-iot/topics/device-events', specversion: '1.0', type: 'google.cloud.pubsub.topic.v1.messagePublished', data } as CloudEvent<unknown>;
}

function pushed(body: string, attributes: Record<string, string> = {}): CloudEvent<unknown> {
  return cloudEvent({ message: { data: Buffer.from(body).toString('base64'), attributes, messageId: 'm-42', publishTime: '2026-11-24T20:00:00Z' }, subscription: 'projects/demo-iot/subscriptions/s' });
}

function deps(): HandleDeps & { sent: DeadLetterEnvelope[] } {
  const sent: DeadLetterEnvelope[] = [];
  return { sent, payloadMaxBytes: 1024, now: () => new Date('2026-11-24T20:00:01.5Z'), publishDeadLetter: async (e) => void sent.push(e) };
}

describe('handlePubSubEvent', () => {
  it('success: no dead letter, resolves (ack)', async () => {
    const d = deps();
    let seen = '';
    await handlePubSubEvent('validate', pushed('hello', { a: 'b' }), async (msg) => void (seen = msg.data.toString()), d);
    assert.equal(seen, 'hello');
    assert.equal(d.sent.length, 0);
  });

  it('PermanentError: publishes the envelope (stage, reason, raw bytes, ids) and resolves (ack)', async () => {
    const d = deps();
    await handlePubSubEvent(
      'enrich',
      pushed('raw bytes', { eventId: 'x' }),
      async (_msg, ctx) => {
        ctx.deviceId = 'sensor-042';
        throw new PermanentError('unknown-device', 'no registry entry').withIds({ eventId: 'sensor-042:1' });
      },
      d,
    );
    assert.equal(d.sent.length, 1);
    const e = d.sent[0]!;
    assert.equal(e.kind, 'iot.deadletter.v1');
    assert.equal(e.stage, 'enrich');
    assert.equal(e.reason, 'unknown-device');
    assert.equal(e.deviceId, 'sensor-042');
    assert.equal(e.eventId, 'sensor-042:1');
    assert.equal(e.messageId, 'm-42');
    assert.equal(e.receivedAt, '2026-11-24T20:00:01.500000Z');
    assert.equal(Buffer.from(e.payload, 'base64').toString(), 'raw bytes');
    assert.deepEqual({ ...e.attributes }, { eventId: 'x' });
  });

  it('any other error is rethrown (retry) and nothing is dead-lettered', async () => {
    const d = deps();
    await assert.rejects(
      handlePubSubEvent(
        'validate',
        pushed('x'),
        async () => {
          throw new TransientError('publish failed');
        },
        d,
      ),
      TransientError,
    );
    assert.equal(d.sent.length, 0);
  });

  it('a failed dead-letter publish is rethrown, so the message is retried', async () => {
    const d = deps();
    d.publishDeadLetter = async () => {
      throw new TransientError('deadletter topic down');
    };
    await assert.rejects(
      handlePubSubEvent(
        'validate',
        pushed('x'),
        async () => {
          throw new PermanentError('not-json');
        },
        d,
      ),
      TransientError,
    );
  });

  it('a malformed CloudEvent envelope is dead-lettered as malformed-envelope', async () => {
    const d = deps();
    let ran = false;
    await handlePubSubEvent('validate', cloudEvent({ nothing: true }), async () => void (ran = true), d);
    assert.equal(ran, false);
    assert.equal(d.sent[0]?.reason, 'malformed-envelope');
  });

  it('sinkDeadletter never dead-letters into its own topic (no loop)', async () => {
    const d = deps();
    await handlePubSubEvent(
      'sinkDeadletter',
      pushed('x'),
      async () => {
        throw new PermanentError('malformed-envelope');
      },
      d,
    );
    assert.equal(d.sent.length, 0);
  });

  it('onPermanent takes the stage permanent failures instead of events-deadletter, broken envelopes included', async () => {
    const d = deps();
    const got: { reason: string; data: string; messageId: string }[] = [];
    const onPermanent = async (err: PermanentError, msg: { data: Buffer; messageId: string }) => void got.push({ reason: err.reason, data: msg.data.toString('utf8'), messageId: msg.messageId });
    let ran = false;
    await handlePubSubEvent('sinkDeadletter', cloudEvent({ nothing: true }), async () => void (ran = true), d, { onPermanent });
    await handlePubSubEvent('sinkDeadletter', pushed('x'), async () => {
      throw new PermanentError('not-json');
    }, d, { onPermanent });
    assert.equal(ran, false);
    assert.deepEqual(got, [
      { reason: 'malformed-envelope', data: '{"nothing":true}', messageId: 'ce-1' },
      { reason: 'not-json', data: 'x', messageId: 'm-42' },
    ]);
    assert.equal(d.sent.length, 0);
  });
});

describe('publishJson', () => {
  function fakeTopic(fail: boolean) {
    const calls: { resumed: string[]; published: { data: string; orderingKey?: string; attributes?: Record<string, string> }[] } = { resumed: [], published: [] };
    const topic = {
      name: 'projects/p/topics/events-valid',
      async publishMessage(m: { data: Buffer; orderingKey?: string; attributes?: Record<string, string> }) {
        calls.published.push({ data: m.data.toString(), ...(m.orderingKey ? { orderingKey: m.orderingKey } : {}), ...(m.attributes ? { attributes: m.attributes } : {}) });
        if (fail) throw new Error('UNAVAILABLE');
        return 'id-1';
      },
      resumePublishing(key: string) {
        calls.resumed.push(key);
      },
    };
    return { topic: topic as unknown as Topic, calls };
  }

  it('publishes JSON with attributes and ordering key', async () => {
    const { topic, calls } = fakeTopic(false);
    assert.equal(await publishJson(topic, { a: 1 }, { attributes: { eventId: 'e' }, orderingKey: 'dev-1' }), 'id-1');
    assert.deepEqual(calls.published, [{ data: '{"a":1}', orderingKey: 'dev-1', attributes: { eventId: 'e' } }]);
  });

  it('a failed publish resumes the ordering key and throws a TransientError (retry)', async () => {
    const { topic, calls } = fakeTopic(true);
    await assert.rejects(publishJson(topic, { a: 1 }, { orderingKey: 'dev-1' }), TransientError);
    assert.deepEqual(calls.resumed, ['dev-1']);
  });
});
