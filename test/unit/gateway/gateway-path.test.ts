// validate's trusted gateway path (functions/validate/gateway-path.ts) and
// the registries' payload mappings (gateway-mapping.ts): pure logic, the
// config and registry lookup injected.
import assert from 'node:assert/strict';
import { loadConfig } from '../../../functions/lib/config.js';
import { PermanentError } from '../../../functions/lib/errors.js';
import { parsePayloadMapping, type PayloadMapping } from '../../../functions/validate/gateway-mapping.js';
import { fromGatewayTopic, validateGatewayMessage } from '../../../functions/validate/gateway-path.js';

const cfg = loadConfig({ GOOGLE_CLOUD_PROJECT: 'demo-unit' });
const NOW = '2026-11-24T20:00:00.000Z';
const mappings: Record<string, PayloadMapping> = {
  native: parsePayloadMapping({}),
  flat: parsePayloadMapping({ payloadMapping: { format: 'json', ts: 'time', tsUnit: 'ms', seq: 'n', readings: { temperature: 'env.t' }, state: '*' } }),
  star: parsePayloadMapping({ payloadMapping: { format: 'json', readings: '*' } }),
  text: parsePayloadMapping({ payloadMapping: { format: 'text', stateKey: 'message' } }),
};
const deps = { config: cfg, now: () => new Date(NOW), lookupMapping: (r: string) => mappings[r] ?? null, lookupDeviceKey: () => ({ keys: [], requireSignature: true }) as never };
const msg = (body: unknown, registry: string, attrs: Record<string, string> = {}) => ({
  data: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)),
  attributes: { deviceId: 'pump.7+a~b%c', deviceRegistryId: registry, gatewayReceiveTime: NOW, ...attrs },
  messageId: '1',
  publishTime: '2026-11-24T20:00:05.000Z',
});
const reason = async (p: Promise<unknown>, r: string) => assert.rejects(p, (e: unknown) => e instanceof PermanentError && e.reason === r);

describe('unit: validate on the gateway path', function () {
  it('is taken only for the gateway topic', function () {
    assert.equal(fromGatewayTopic('//pubsub.googleapis.com/projects/p/topics/gateway-events', 'gateway-events'), true);
    assert.equal(fromGatewayTopic('//pubsub.googleapis.com/projects/p/topics/device-events', 'gateway-events'), false);
    assert.equal(fromGatewayTopic(undefined, 'gateway-events'), false);
  });

  it('event model without deviceId or ts: the gateway\'s id and receive time, no signature asked', async function () {
    const { events } = await validateGatewayMessage(msg({ seq: 3, readings: { temperature: 21.5 } }, 'native'), deps);
    assert.equal(events.length, 1);
    assert.equal(events[0]!.deviceId, 'pump.7+a~b%c');
    assert.equal(events[0]!.eventId, 'pump.7+a~b%c:3');
    assert.equal(events[0]!.eventTime, '2026-11-24T20:00:00.000000Z');
  });

  it('a batch gets the receive time per event without one', async function () {
    const { events } = await validateGatewayMessage(msg({ events: [{ seq: 1, readings: { t: 1 } }, { seq: 2, ts: '2026-11-24T19:59:00Z', readings: { t: 2 } }] }, 'native'), deps);
    assert.deepEqual(events.map((e) => e.eventTime), ['2026-11-24T20:00:00.000000Z', '2026-11-24T19:59:00.000000Z']);
  });

  it('json mapping: dotted paths, ms timestamps, seq, state "*"', async function () {
    const { events } = await validateGatewayMessage(msg({ time: Date.parse('2026-11-24T19:58:00Z'), n: 9, env: { t: 19.25 }, door: 'open', ok: true, ignored: 5 }, 'flat'), deps);
    assert.deepEqual({ r: events[0]!.readings, s: events[0]!.state, t: events[0]!.eventTime, id: events[0]!.eventId }, { r: { temperature: 19.25 }, s: { door: 'open', ok: true }, t: '2026-11-24T19:58:00.000000Z', id: 'pump.7+a~b%c:9' });
  });

  it('json mapping "*": every top-level number is a reading', async function () {
    const { events } = await validateGatewayMessage(msg({ temp: 1, hum: 2, name: 'x' }, 'star'), deps);
    assert.deepEqual(events[0]!.readings, { temp: 1, hum: 2 });
  });

  it('text mapping: any text is one state value', async function () {
    const { events } = await validateGatewayMessage(msg('fleet-1/dev-payload-3', 'text'), deps);
    assert.deepEqual(events[0]!.state, { message: 'fleet-1/dev-payload-3' });
  });

  it('refusals keep named reasons', async function () {
    await reason(validateGatewayMessage(msg({ readings: { t: 1 } }, 'native', { deviceId: '' }), deps), 'bad-attributes');
    await reason(validateGatewayMessage(msg({ readings: { t: 1 } }, 'no-such-registry'), deps), 'unknown-device');
    await reason(validateGatewayMessage(msg({ deviceId: 'someone-else', readings: { t: 1 } }, 'native'), deps), 'publisher-mismatch');
    await reason(validateGatewayMessage(msg('not json', 'native'), deps), 'not-json');
    await reason(validateGatewayMessage(msg([1, 2], 'flat'), deps), 'not-object');
    await reason(validateGatewayMessage(msg({ time: 'yesterday', env: { t: 1 } }, 'flat'), deps), 'invalid-timestamp');
    await reason(validateGatewayMessage(msg({ ts: '2020-01-01T00:00:00Z', readings: { t: 1 } }, 'native'), deps), 'clock-skew-past');
    await reason(validateGatewayMessage({ ...msg('x', 'text'), data: Buffer.from([0xc3, 0x28]) }, deps), 'not-utf8');
  });

  it('malformed mappings are malformed-device-record', function () {
    for (const m of [{ format: 'yaml' }, { format: 'text' }, { format: 'json', tsUnit: 'h' }, { format: 'json', readings: { t: 3 } }, 'x']) {
      assert.throws(() => parsePayloadMapping({ payloadMapping: m }), (e: unknown) => e instanceof PermanentError && e.reason === 'malformed-device-record', JSON.stringify(m));
    }
  });
});
