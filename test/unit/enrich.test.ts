// enrich's pure core and its input/registry parsing, table-driven.
import assert from 'node:assert/strict';
import { PermanentError } from '../../functions/lib/errors.js';
import type { ValidEvent } from '../../functions/lib/events.js';
import { enrichEvent } from '../../functions/enrich/enrich-event.js';
import { parseDeviceRecord, type DeviceRecord } from '../../functions/enrich/device-record.js';
import { parseValidEvent } from '../../functions/enrich/valid-event-message.js';

const EVENT: ValidEvent = {
  eventId: 'sensor-042:7',
  deviceId: 'sensor-042',
  seq: 7,
  eventTime: '2026-11-24T19:59:30.125000Z',
  readings: { temperature: 21.5, rssi: -70 },
  state: { door: 'open' },
  schemaVersion: '1',
  receivedAt: '2026-11-24T20:00:00.000000Z',
};

const ACTIVE: DeviceRecord = { tenantId: 'acme', site: 'acme-berlin', model: 'th-200', units: { temperature: 'celsius', humidity: 'percent' }, status: 'active' };

async function reason(p: Promise<unknown>): Promise<{ reason: string; deviceId?: string; eventId?: string }> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof PermanentError, String(err));
    return { reason: err.reason, ...(err.deviceId ? { deviceId: err.deviceId } : {}), ...(err.eventId ? { eventId: err.eventId } : {}) };
  }
  return { reason: 'accepted' };
}

describe('enrich core', () => {
  it('adds tenant, site, model and the units of the metrics the event carries', async () => {
    const out = await enrichEvent(EVENT, { getDevice: async () => ACTIVE });
    assert.deepEqual(out, { ...EVENT, tenantId: 'acme', site: 'acme-berlin', model: 'th-200', units: { temperature: 'celsius' } });
  });

  it('unknown device -> unknown-device, with ids for the dead letter', async () => {
    assert.deepEqual(await reason(enrichEvent(EVENT, { getDevice: async () => null })), { reason: 'unknown-device', deviceId: 'sensor-042', eventId: 'sensor-042:7' });
  });

  it('disabled device -> disabled-device', async () => {
    assert.equal((await reason(enrichEvent(EVENT, { getDevice: async () => ({ ...ACTIVE, status: 'disabled' }) }))).reason, 'disabled-device');
  });

  it('malformed registry document -> malformed-device-record (from getDevice), with ids', async () => {
    const r = await reason(enrichEvent(EVENT, { getDevice: async () => parseDeviceRecord({ site: 'x' }) }));
    assert.deepEqual(r, { reason: 'malformed-device-record', deviceId: 'sensor-042', eventId: 'sensor-042:7' });
  });

  it('a registry read failure is not permanent (retried)', async () => {
    await assert.rejects(
      enrichEvent(EVENT, {
        getDevice: async () => {
          throw new Error('UNAVAILABLE');
        },
      }),
      (err: unknown) => err instanceof Error && !(err instanceof PermanentError),
    );
  });

  it('a unit named like an Object.prototype member is not invented', async () => {
    const out = await enrichEvent({ ...EVENT, readings: { constructor: 1, temperature: 2 } }, { getDevice: async () => ACTIVE });
    assert.deepEqual(out.units, { temperature: 'celsius' });
  });
});

describe('enrich: registry documents', () => {
  it('parses a full document, and defaults a missing status to active and missing site/model to null', () => {
    assert.deepEqual(parseDeviceRecord({ ...ACTIVE }), ACTIVE);
    assert.deepEqual(parseDeviceRecord({ tenantId: 't' }), { tenantId: 't', site: null, model: null, units: {}, status: 'active' });
  });
  const bad: [string, Record<string, unknown>][] = [
    ['no tenantId', { site: 's' }],
    ['empty tenantId', { tenantId: ' ' }],
    ['tenantId not a string', { tenantId: 7 }],
    ['unknown status', { tenantId: 't', status: 'retired' }],
    ['units not a map', { tenantId: 't', units: ['celsius'] }],
    ['a unit not a string', { tenantId: 't', units: { temperature: 1 } }],
    ['site not a string', { tenantId: 't', site: 5 }],
  ];
  for (const [name, doc] of bad) {
    it(`${name} -> malformed-device-record`, async () => {
      assert.equal((await reason(Promise.resolve().then(() => parseDeviceRecord(doc)))).reason, 'malformed-device-record');
    });
  }
});

describe('enrich: events-valid message bodies', () => {
  it('round-trips a ValidEvent', () => {
    assert.deepEqual(parseValidEvent(Buffer.from(JSON.stringify(EVENT))), EVENT);
    assert.deepEqual(parseValidEvent(Buffer.from(JSON.stringify({ ...EVENT, seq: null, eventId: 'sensor-042:h:0123' }))).seq, null);
    // A device that names its boot (docs/reliability.md, device reboots).
    assert.equal(parseValidEvent(Buffer.from(JSON.stringify({ ...EVENT, eventId: 'sensor-042@b7:1' }))).eventId, 'sensor-042@b7:1');
    assert.throws(() => parseValidEvent(Buffer.from(JSON.stringify({ ...EVENT, eventId: 'other@b7:1' }))));
  });
  const bad: [string, string | Buffer][] = [
    ['not JSON', 'hello'],
    ['not UTF-8', Buffer.from([0xff, 0xfe])],
    ['a JSON array', '[]'],
    ['a device message instead of a valid event', JSON.stringify({ deviceId: 'sensor-042', ts: '2026-11-24T19:59:30Z', readings: { t: 1 } })],
    ['deviceId with a slash', JSON.stringify({ ...EVENT, deviceId: 'a/b', eventId: 'a/b:1' })],
    ['eventId of another device', JSON.stringify({ ...EVENT, eventId: 'other:7' })],
    ['seq negative', JSON.stringify({ ...EVENT, seq: -1 })],
    ['seq missing', JSON.stringify({ ...EVENT, seq: undefined })],
    ['eventTime not canonical', JSON.stringify({ ...EVENT, eventTime: '2026-11-24T19:59:30Z' })],
    ['receivedAt missing', JSON.stringify({ ...EVENT, receivedAt: undefined })],
    ['readings with a string', JSON.stringify({ ...EVENT, readings: { t: '1' } })],
    ['state with an object', JSON.stringify({ ...EVENT, state: { a: {} } })],
    ['schemaVersion empty', JSON.stringify({ ...EVENT, schemaVersion: '' })],
  ];
  for (const [name, body] of bad) {
    it(`${name} -> malformed-envelope`, async () => {
      assert.equal((await reason(Promise.resolve().then(() => parseValidEvent(Buffer.isBuffer(body) ? body : Buffer.from(body))))).reason, 'malformed-envelope');
    });
  }
});
