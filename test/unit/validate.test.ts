// validate's pure core, table-driven: every bad input in
// test/fixtures/device-messages/bad-inputs.ts must be refused with its named
// reason, and every file in test/fixtures/device-messages/valid/ accepted and
// normalized exactly.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { PermanentError } from '../../functions/lib/errors.js';
import { validateMessage } from '../../functions/validate/validate-message.js';
import { BAD_INPUTS, CURRENT_SECRET, LEAK, SIGNED_DEVICE, msg, sign, type BadCase } from '../fixtures/device-messages/bad-inputs.js';
import { pubsubMessage, testDeps } from '../fixtures/device-messages/harness.js';

const FIXTURES = path.resolve(__dirname, '../../../test/fixtures/device-messages');

function caseBytes(c: BadCase): Buffer {
  const b = typeof c.body === 'function' ? c.body() : c.body;
  if (Buffer.isBuffer(b)) return b;
  return Buffer.from(typeof b === 'string' ? b : JSON.stringify(b), 'utf8');
}

async function rejection(p: Promise<unknown>): Promise<PermanentError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof PermanentError, `expected a PermanentError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected the message to be refused, but it was accepted');
}

function validFixture(name: string): Buffer {
  return readFileSync(path.join(FIXTURES, 'valid', name));
}

describe('validate core: bad inputs', () => {
  it('has at least 40 bad-input cases, with unique names', () => {
    assert.ok(BAD_INPUTS.length >= 40, `only ${BAD_INPUTS.length} cases`);
    assert.equal(new Set(BAD_INPUTS.map((c) => c.name)).size, BAD_INPUTS.length);
  });

  for (const c of BAD_INPUTS) {
    it(`${c.name} -> ${c.reason}`, async () => {
      const data = caseBytes(c);
      const attributes = typeof c.attributes === 'function' ? c.attributes(data) : (c.attributes ?? {});
      const err = await rejection(validateMessage(pubsubMessage(data, attributes), testDeps(c.config)));
      assert.equal(err.reason, c.reason, `detail: ${err.detail}`);
      if (c.detail) assert.match(err.detail, c.detail);
      // The detail is safe to store and log: bounded, and never the user's values.
      assert.ok(!err.detail.includes(LEAK), `detail leaks user data: ${err.detail}`);
      assert.ok(err.detail.length <= 300, 'detail too long');
    });
  }

  it('a __proto__ payload pollutes no prototype', async () => {
    const body = '{"__proto__":{"polluted":"yes"},"deviceId":"sensor-042","ts":"2026-11-24T19:59:30Z","readings":{"t":1}}';
    await rejection(validateMessage(pubsubMessage(body), testDeps()));
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal(Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted'), false);
  });

  it('a schema failure keeps a well-formed deviceId for the dead letter, never a malformed one', async () => {
    const a = await rejection(validateMessage(pubsubMessage(JSON.stringify(msg({ readings: { T: 1 } }))), testDeps()));
    assert.equal(a.deviceId, 'sensor-042');
    const b = await rejection(validateMessage(pubsubMessage(JSON.stringify(msg({ deviceId: 'a/b' }))), testDeps()));
    assert.equal(b.deviceId, undefined);
  });

  it('errors raised after the schema carry the deviceId for the dead letter', async () => {
    const err = await rejection(validateMessage(pubsubMessage(JSON.stringify(msg({ ts: '2026-12-24T00:00:00Z' }))), testDeps()));
    assert.equal(err.reason, 'clock-skew-future');
    assert.equal(err.deviceId, 'sensor-042');
  });
});

describe('validate core: valid messages', () => {
  const received = '2026-11-24T20:00:00.000000Z';

  it('every fixture in valid/ is accepted with canonical times', async () => {
    const files = readdirSync(path.join(FIXTURES, 'valid')).filter((f) => f.endsWith('.json'));
    assert.ok(files.length >= 8);
    for (const f of files) {
      const { events } = await validateMessage(pubsubMessage(validFixture(f)), testDeps());
      assert.ok(events.length >= 1, f);
      for (const e of events) {
        assert.match(e.eventTime, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/, f);
        assert.equal(e.receivedAt, received);
        assert.equal(e.schemaVersion, '1');
      }
    }
  });

  it('single message -> one event, exactly', async () => {
    const { events, signed } = await validateMessage(pubsubMessage(validFixture('single.json')), testDeps());
    assert.equal(signed, false);
    assert.deepEqual(events, [
      {
        eventId: 'sensor-042:1711',
        deviceId: 'sensor-042',
        seq: 1711,
        eventTime: '2026-11-24T19:59:30.125000Z',
        readings: { temperature: 21.5, humidity: 40.2 },
        state: { door: 'open', battery_ok: true },
        schemaVersion: '1',
        receivedAt: received,
      },
    ]);
  });

  it('a boot id goes into the eventId (single and batch), so a rebooted device\'s seq 1 is a new event', async () => {
    const single = { deviceId: 'sensor-042', boot: 'b-7', seq: 1, ts: '2026-11-24T19:59:30Z', readings: { temperature: 1 } };
    const a = await validateMessage(pubsubMessage(JSON.stringify(single)), testDeps());
    assert.equal(a.events[0]?.eventId, 'sensor-042@b-7:1');
    const batch = { deviceId: 'sensor-042', boot: 'b-8', events: [{ seq: 1, ts: '2026-11-24T19:59:31Z', readings: { temperature: 2 } }, { seq: 2, ts: '2026-11-24T19:59:32Z', readings: { temperature: 3 } }] };
    const b = await validateMessage(pubsubMessage(JSON.stringify(batch)), testDeps());
    assert.deepEqual(b.events.map((e) => e.eventId), ['sensor-042@b-8:1', 'sensor-042@b-8:2']);
    const bad = await rejection(validateMessage(pubsubMessage(JSON.stringify({ ...single, boot: 'a:b' })), testDeps()));
    assert.equal(bad.reason, 'schema-violation');
  });

  it('batch -> one event each; a duplicate seq keeps the first', async () => {
    const { events } = await validateMessage(pubsubMessage(validFixture('batch.json')), testDeps());
    assert.deepEqual(
      events.map((e) => [e.eventId, e.readings.temperature ?? null, e.state]),
      [
        ['sensor-042:10', 21.0, {}],
        ['sensor-042:11', 21.1, { door: 'closed' }],
        ['sensor-042:12', null, { door: 'open', fault: null }],
      ],
    );
  });

  it('without seq: a hash id, the same across key order and time-zone spelling', async () => {
    const a = await validateMessage(pubsubMessage(validFixture('no-seq.json')), testDeps());
    const b = await validateMessage(pubsubMessage(validFixture('no-seq-reordered.json')), testDeps());
    const ida = a.events[0]?.eventId ?? '';
    assert.match(ida, /^sensor-007:h:[0-9a-f]{32}$/);
    assert.equal(b.events[0]?.eventId, ida);
    assert.equal(a.events[0]?.seq, null);
    // A client retry of the same bytes (new message id, new publish time) keeps the id.
    const retry = await validateMessage(pubsubMessage(validFixture('no-seq.json'), {}, '2026-11-24T20:00:03.5Z'), testDeps());
    assert.equal(retry.events[0]?.eventId, ida);
    // Different content -> different id.
    const other = await validateMessage(pubsubMessage(validFixture('no-seq.json').toString().replace('412', '413')), testDeps());
    assert.notEqual(other.events[0]?.eventId, ida);
  });

  it('identical seq-less events in one batch are kept once', async () => {
    const ev = { ts: '2026-11-24T19:59:00Z', readings: { temperature: 1 } };
    const { events } = await validateMessage(pubsubMessage(JSON.stringify({ deviceId: 'sensor-042', events: [ev, ev, { ...ev, readings: { temperature: 2 } }] })), testDeps());
    assert.equal(events.length, 2);
  });

  it('fractional seconds are normalized to microseconds (truncated)', async () => {
    const { events } = await validateMessage(pubsubMessage(validFixture('fractional-seconds.json')), testDeps());
    assert.equal(events[0]?.eventTime, '2026-11-24T19:59:30.123456Z');
  });

  it('time-zone offsets are converted to UTC', async () => {
    const { events } = await validateMessage(pubsubMessage(validFixture('timezone-offset.json')), testDeps());
    assert.equal(events[0]?.eventTime, '2026-11-24T19:59:30.250000Z');
  });

  it('lowercase t/z, brackets inside strings, state-only events, seq 0', async () => {
    const { events } = await validateMessage(pubsubMessage(validFixture('state-only.json')), testDeps());
    assert.equal(events[0]?.eventTime, '2026-11-24T19:59:30.000000Z');
    assert.equal(events[0]?.eventId, 'Gateway_01-a:0');
    assert.deepEqual(events[0]?.readings, {});
  });

  it('skew limits are inclusive: exactly 300 s ahead and exactly 7 days old pass', async () => {
    await validateMessage(pubsubMessage(JSON.stringify(msg({ ts: '2026-11-24T20:05:00Z' }))), testDeps());
    await validateMessage(pubsubMessage(JSON.stringify(msg({ ts: '2026-11-17T20:00:00Z' }))), testDeps());
  });

  it('an unusable publishTime falls back to the instance clock', async () => {
    const { events } = await validateMessage(pubsubMessage(JSON.stringify(msg()), {}, 'not-a-time'), testDeps());
    assert.equal(events[0]?.receivedAt, received);
  });

  it('schemaVersion "1" and a matching gateway deviceId attribute are accepted', async () => {
    const { events } = await validateMessage(pubsubMessage(JSON.stringify(msg()), { schemaVersion: '1', deviceId: 'sensor-042' }), testDeps());
    assert.equal(events.length, 1);
  });

  it('a message of exactly maxMessageBytes is not oversize', async () => {
    const base = JSON.stringify(msg({ state: { note: '' } }));
    const body = base.replace('"note":""', `"note":"${'x'.repeat(1024 - base.length)}"`);
    assert.equal(Buffer.byteLength(body), 1024);
    await validateMessage(pubsubMessage(body), testDeps({ maxMessageBytes: 1024, maxStringLength: 2000 }));
  });

  it('a UTF-8 BOM is tolerated; non-ASCII state strings are kept', async () => {
    const body = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify(msg({ state: { label: 'Küche ☕' } })))]);
    const { events } = await validateMessage(pubsubMessage(body), testDeps());
    assert.equal(events[0]?.state.label, 'Küche ☕');
  });

  it('a batch at the configured limit (500 events) is accepted', async () => {
    const events = Array.from({ length: 500 }, (_, i) => ({ seq: i, ts: '2026-11-24T19:59:00Z', readings: { t: i } }));
    const res = await validateMessage(pubsubMessage(JSON.stringify({ deviceId: 'sensor-042', events })), testDeps());
    assert.equal(res.events.length, 500);
  });

  it('signed device: valid hex and base64 signatures are accepted', async () => {
    const data = Buffer.from(JSON.stringify(msg({ deviceId: SIGNED_DEVICE })));
    for (const enc of ['hex', 'base64'] as const) {
      const res = await validateMessage(pubsubMessage(data, { signature: sign(CURRENT_SECRET, data, enc) }), testDeps());
      assert.equal(res.signed, true);
      assert.equal(res.events[0]?.eventId, `${SIGNED_DEVICE}:1`);
    }
  });

  it('without a key lookup (none injected) nothing is signature-checked', async () => {
    const deps = { ...testDeps() };
    delete deps.lookupDeviceKey;
    const res = await validateMessage(pubsubMessage(JSON.stringify(msg({ deviceId: SIGNED_DEVICE }))), deps);
    assert.equal(res.signed, false);
  });

  it('10,000 nested levels are refused quickly, without recursion', async () => {
    const start = process.hrtime.bigint();
    const err = await rejection(validateMessage(pubsubMessage('{"a":'.repeat(10_000) + '1' + '}'.repeat(10_000)), testDeps()));
    assert.equal(err.reason, 'too-deep');
    assert.ok(Number(process.hrtime.bigint() - start) / 1e6 < 200);
  });
});
