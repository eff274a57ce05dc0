// The adapter's envelope reading: the CloudEvent the functions-framework
// builds from a push, and the raw push body it passes on unconverted when the
// message's data is empty.
import assert from 'node:assert/strict';
import type { CloudEvent } from '@google-cloud/functions-framework';
import { PermanentError } from '../../functions/lib/errors.js';
import { createHash, randomBytes } from 'node:crypto';
import { buildDeadLetter } from '../../functions/lib/dead-letter.js';
import { base64DecodedLength, fromCloudEvent } from '../../functions/lib/pubsub-message.js';

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

describe('pubsub message: oversize known from the encoded length, never decoded whole', () => {
  it('base64DecodedLength is exact for canonical base64 of every length', () => {
    for (let n = 0; n < 50; n++) assert.equal(base64DecodedLength(Buffer.alloc(n, 7).toString('base64')), n, `length ${n}`);
  });

  const push = (data: Buffer): CloudEvent<unknown> => event({ id: 'ce', data: { subscription: SUB, message: { data: data.toString('base64'), messageId: '9' } } });

  it('at the limit: decoded as usual', () => {
    const data = Buffer.alloc(1000, 1);
    const msg = fromCloudEvent(push(data), { maxDataBytes: 1000, keepBytes: 10 });
    assert.equal(msg.oversize, undefined);
    assert.deepEqual(msg.data, data);
  });

  it('one byte over: only the kept prefix is decoded, with the whole size and sha256 (chunked)', () => {
    // Over 64 KiB of base64, so the hash runs over several chunks.
    const data = randomBytes(200_001);
    const msg = fromCloudEvent(push(data), { maxDataBytes: 200_000, keepBytes: 1001 });
    assert.deepEqual(msg.oversize, { size: 200_001, sha256: createHash('sha256').update(data).digest('hex') });
    assert.deepEqual(msg.data, data.subarray(0, 1001));
  });

  it('the dead letter of an oversize message: truncated prefix, the whole size and hash', () => {
    const data = randomBytes(5000);
    const msg = fromCloudEvent(push(data), { maxDataBytes: 4096, keepBytes: 1024 });
    const dl = buildDeadLetter('validate', new PermanentError('oversize', 'x'), msg, { receivedAt: '2026-12-02T00:00:00.000000Z', payloadMaxBytes: 1024 });
    assert.equal(dl.payloadSize, 5000);
    assert.equal(dl.payloadTruncated, true);
    assert.equal(dl.payloadSha256, createHash('sha256').update(data).digest('hex'));
    assert.deepEqual(Buffer.from(dl.payload, 'base64'), data.subarray(0, 1024));
  });
});
