// The adapter's envelope reading: the CloudEvent the functions-framework
// builds from a push, and the raw push body it passes on unconverted when the
// message's data is empty.
import assert from 'node:assert/strict';
import type { CloudEvent } from '@google-cloud/functions-framework';
import { PermanentError } from '../../functions/lib/errors.js';
import { fromCloudEvent } from '../../functions/lib/pubsub-message.js';

const SUB = 'projects/demo-iot/subscriptions/validate-device-events';
const event = (e: Record<string, unknown>): CloudEvent<unknown> => e as unknown as CloudEvent<unknown>;

describe('pubsub message: reading the push envelope', () => {
  it('a converted CloudEvent: bytes decoded once, attributes, id and publish time', () => {
    const msg = fromCloudEvent(event({ id: 'ce-1', data: { subscription: SUB, message: { data: Buffer.from('{"a":1}').toString('base64'), attributes: { schemaVersion: '1' }, messageId: '42', publishTime: '2026-11-25T09:00:00.123Z' } } }));
    assert.equal(msg.data.toString(), '{"a":1}');
    assert.deepEqual({ ...msg.attributes }, { schemaVersion: '1' });
    assert.equal(msg.messageId, '42');
    assert.equal(msg.publishTime, '2026-11-25T09:00:00.123Z');
  });

  it('an empty message arrives as the raw push body: read from the top level, message id kept', () => {
    const msg = fromCloudEvent(event({ subscription: SUB, message: { data: '', attributes: { deviceId: 'd1' }, messageId: '43', publishTime: '2026-11-25T09:00:01Z' } }));
    assert.equal(msg.data.length, 0);
    assert.equal(msg.messageId, '43');
    assert.equal(msg.attributes.deviceId, 'd1');
  });

  const broken: [string, Record<string, unknown>][] = [
    ['no data and no message', { id: 'x' }],
    ['a top-level message without a subscription (not a push body)', { message: { data: '', messageId: '1' } }],
    ['message is a string', { subscription: SUB, message: 'hello' }],
    ['message.data is a number', { data: { subscription: SUB, message: { data: 80, messageId: '1' } } }],
  ];
  for (const [name, e] of broken) {
    it(`${name} -> malformed-envelope`, () => {
      assert.throws(() => fromCloudEvent(event(e)), (err: unknown) => err instanceof PermanentError && err.reason === 'malformed-envelope');
    });
  }
});
