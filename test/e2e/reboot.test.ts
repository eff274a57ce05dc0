// Device reboots through the whole stack: a device that starts seq again at
// 1 after a reboot, and sends a new boot id, keeps every event. Before boot
// ids, eventId = deviceId:seq made the second boot's events duplicates of the
// first's: dropped as insertId duplicates, hidden by readings_dedup, and for a
// signed device refused as replayed-seq. Here an unsigned and a signed device
// each send seq 1..10 in boot b1, reboot, and send seq 1..10 again in boot
// b2: all 20 events of each are stored exactly once and none is dead-lettered.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { COLLECTIONS, DATASET, TABLES, TOPICS } from '../../functions/lib/names.js';
import { DEVICE_KEYS_COLLECTION } from '../../functions/validate/device-keys.js';
import { EVENTS_DEDUP, READINGS_DEDUP } from '../../schemas/bigquery-views.js';
import { waitUntil } from '../../tools/lib/ports.js';
import { sign } from '../fixtures/device-messages/bad-inputs.js';
import { startTestStack, type TestStack } from '../support/stack.js';

const UNSIGNED = 'initech-sensor-07';
const SEQS = 10;

describe('e2e: a device reboot (seq from 1 again, new boot id) loses nothing', function () {
  this.timeout(240_000);
  let t: TestStack;
  const signed = `reboot-signed-${randomBytes(3).toString('hex')}`;
  const secret = randomBytes(32);

  before(async function () {
    t = await startTestStack('reboot');
    await Promise.all([
      t.firestore.collection(COLLECTIONS.devices).doc(signed).set({ tenantId: 'acme', site: 'acme-berlin', model: 'th-200', units: { temperature: 'celsius' }, status: 'active' }),
      t.firestore.collection(DEVICE_KEYS_COLLECTION).doc(signed).set({ keys: [{ id: 'k1', secret: secret.toString('base64') }], requireSignature: true }),
    ]);
  });

  after(async function () {
    if (this.currentTest?.state === 'failed') console.log(t?.logTail(60));
    await t?.stop();
  });

  /** Boot b1 then boot b2, each seq 1..10, event times increasing across the reboot. */
  function messages(deviceId: string): { data: Buffer; eventId: string; value: number }[] {
    const start = Date.now() - 120_000;
    const out: { data: Buffer; eventId: string; value: number }[] = [];
    for (const [b, boot] of ['b1', 'b2'].entries()) {
      for (let seq = 1; seq <= SEQS; seq++) {
        const value = b * 100 + seq;
        const body = { deviceId, boot, seq, ts: new Date(start + (b * SEQS + seq) * 1000).toISOString(), readings: { temperature: value } };
        out.push({ data: Buffer.from(JSON.stringify(body)), eventId: `${deviceId}@${boot}:${seq}`, value });
      }
    }
    return out;
  }

  it('stores all 20 events of each device exactly once, the signed one included, and dead-letters none', async () => {
    const plan = new Map([UNSIGNED, signed].map((d) => [d, messages(d)]));
    // In order, one at a time: the reboot comes after the first boot's messages, as on a device.
    for (const [deviceId, msgs] of plan) {
      for (const m of msgs) {
        const attributes: Record<string, string> = { schemaVersion: '1' };
        if (deviceId === signed) attributes.signature = sign(secret, m.data);
        await t.pubsub.topic(TOPICS.deviceEvents).publishMessage({ data: m.data, attributes });
      }
    }
    const devices = [...plan.keys()];
    const query = async <T>(sql: string): Promise<T[]> => (await t.bigquery.query({ query: sql, params: { d: devices } }))[0] as T[];
    await waitUntil(
      async () => (await query<{ n: number }>(`SELECT COUNT(*) AS n FROM ${DATASET}.${READINGS_DEDUP.viewId} WHERE device_id IN UNNEST(@d)`))[0]?.n === 2 * 2 * SEQS,
      120_000,
      'every reading of both boots of both devices',
    );
    await new Promise((r) => setTimeout(r, 2000)); // anything extra would show up now

    const readings = await query<{ event_id: string; value: number }>(`SELECT event_id, value FROM ${DATASET}.${READINGS_DEDUP.viewId} WHERE device_id IN UNNEST(@d) ORDER BY event_id`);
    const want = [...plan.values()].flat().map((m) => ({ event_id: m.eventId, value: m.value })).sort((a, b) => (a.event_id < b.event_id ? -1 : 1));
    assert.deepEqual(readings.map((r) => ({ event_id: r.event_id, value: Number(r.value) })), want);
    const raw = await query<{ event_id: string; n: number }>(`SELECT event_id, COUNT(*) AS n FROM ${DATASET}.${TABLES.readings} WHERE device_id IN UNNEST(@d) GROUP BY event_id HAVING COUNT(*) > 1`);
    assert.deepEqual(raw, [], 'no reading stored twice in the raw table either');
    const events = await query<{ n: number }>(`SELECT COUNT(*) AS n FROM ${DATASET}.${EVENTS_DEDUP.viewId} WHERE device_id IN UNNEST(@d)`);
    assert.equal(Number(events[0]?.n), 2 * 2 * SEQS);
    const dead = await query<{ reason: string; device_id: string }>(`SELECT reason, device_id FROM ${DATASET}.${TABLES.deadLetter} WHERE device_id IN UNNEST(@d)`);
    assert.deepEqual(dead, [], 'no dead letter (no replayed-seq for the signed device)');

    // Live state follows the second boot's newest event.
    await waitUntil(async () => {
      const docs = await Promise.all(devices.map((d) => t.firestore.collection(COLLECTIONS.deviceState).doc(d).get()));
      return docs.every((doc) => (doc.data() as { metrics?: { temperature?: { value?: number } } } | undefined)?.metrics?.temperature?.value === 100 + SEQS);
    }, 60_000, 'deviceState at boot b2 seq 10');
  });
});
