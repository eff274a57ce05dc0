// Issue 6, first bullet: the same event arriving more than once changes
// nothing. Three ways it happens in production, each driven for real on the
// local stack: Pub/Sub redelivers a push (the same push body POSTed again to
// the sink functions), a device retries its publish (same bytes, new message
// id, same seq), and an old message is replayed after the device's state has
// moved on. Afterwards telemetry.readings_dedup holds exactly one row per
// (event, metric), telemetry.events_dedup one row per event (the raw tables
// keep each stored copy: the Storage Write API's default stream is
// at-least-once), and deviceState is unchanged.
import assert from 'node:assert/strict';
import type { DocumentData } from '@google-cloud/firestore';
import type { Message, Subscription } from '@google-cloud/pubsub';
import { COLLECTIONS, DATASET, TABLES, TOPICS, type FunctionName } from '../../functions/lib/names.js';
import { EVENTS_DEDUP, READINGS_DEDUP } from '../../schemas/bigquery-views.js';
import { pushBody } from '../../tools/emulate/push-bridge.js';
import { waitUntil } from '../../tools/lib/ports.js';
import { startTestStack, type TestStack } from '../support/stack.js';

const DEVICE = 'initech-sensor-07';
const TAP = 'dup-tap-enriched';

describe('e2e: duplicates (redelivery, device retry, late replay) change nothing', function () {
  this.timeout(240_000);
  let t: TestStack;
  let tap: Subscription;
  const tapped = new Map<string, Message>();
  const seq = 1000 + (Date.now() % 100_000);
  const now = Date.now();
  const e1 = { deviceId: DEVICE, seq, ts: new Date(now - 60_000).toISOString(), readings: { temperature: 21.5, humidity: 40 }, state: { door: 'open' } };
  const e2 = { deviceId: DEVICE, seq: seq + 1, ts: new Date(now - 30_000).toISOString(), readings: { temperature: 22.5, humidity: 41 }, state: { door: 'closed' } };
  const id1 = `${DEVICE}:${e1.seq}`;
  const id2 = `${DEVICE}:${e2.seq}`;
  const bytes1 = Buffer.from(JSON.stringify(e1));

  const acked = (fn: FunctionName): number => t.stack.bridgeStats()[fn]?.acked ?? 0;
  const doc = async (): Promise<DocumentData | undefined> => (await t.firestore.collection(COLLECTIONS.deviceState).doc(DEVICE).get()).data();
  /**
   * Rows of one event through the de-dup views, which analysts query: the
   * Storage Write API's default stream is at-least-once, so a redelivery may
   * store its rows again in the raw tables (counted as `rawReadings`).
   */
  async function rowCounts(eventId: string): Promise<{ readings: number; metrics: number; events: number }> {
    const [[r], [e]] = await Promise.all([
      t.bigquery.query({ query: `SELECT COUNT(*) AS n, COUNT(DISTINCT metric) AS m FROM ${DATASET}.${READINGS_DEDUP.viewId} WHERE event_id = @id`, params: { id: eventId } }),
      t.bigquery.query({ query: `SELECT COUNT(*) AS n FROM ${DATASET}.${EVENTS_DEDUP.viewId} WHERE event_id = @id`, params: { id: eventId } }),
    ]);
    const rr = (r as { n: number; m: number }[])[0];
    return { readings: Number(rr?.n ?? 0), metrics: Number(rr?.m ?? 0), events: Number((e as { n: number }[])[0]?.n ?? 0) };
  }
  async function rawReadings(eventId: string): Promise<number> {
    const [r] = await t.bigquery.query({ query: `SELECT COUNT(*) AS n FROM ${DATASET}.${TABLES.readings} WHERE event_id = @id`, params: { id: eventId } });
    return Number((r as { n: number }[])[0]?.n ?? 0);
  }
  /** Publishes to device-events and waits until both sinks have acked one more delivery. */
  async function publishAndSettle(data: Buffer): Promise<void> {
    const bq = acked('sinkBigquery');
    const fs = acked('sinkFirestore');
    await t.pubsub.topic(TOPICS.deviceEvents).publishMessage({ data, attributes: { schemaVersion: '1' } });
    await waitUntil(async () => acked('sinkBigquery') > bq && acked('sinkFirestore') > fs, 60_000, 'both sinks to ack the message');
  }
  /** Pub/Sub redelivery: the exact push body a sink already acked, POSTed again. */
  async function redeliver(fn: 'sinkBigquery' | 'sinkFirestore', m: Message): Promise<number> {
    const sub = fn === 'sinkBigquery' ? 'sink-bigquery-events-enriched' : 'sink-firestore-events-enriched';
    const res = await fetch(`${t.stack.urls.functions[fn]}/projects/${t.stack.projectId}/topics/${TOPICS.enriched}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(pushBody(t.stack.projectId, sub, m)),
    });
    await res.arrayBuffer();
    return res.status;
  }

  before(async function () {
    t = await startTestStack('dups', { functionEnv: { LOG_LEVEL: 'WARNING', FIRESTORE_COALESCE_MS: '200' } });
    // A tap on events-enriched keeps what enrich published, to redeliver it by hand.
    [tap] = await t.pubsub.topic(TOPICS.enriched).createSubscription(TAP);
    tap.on('message', (m: Message) => {
      tapped.set(m.attributes.eventId ?? '', m);
      m.ack();
    });
    tap.on('error', () => undefined);
    await publishAndSettle(bytes1);
    await waitUntil(async () => (await rowCounts(id1)).readings === 2 && (await doc())?.metrics?.temperature?.eventId === id1, 30_000, 'event 1 in both sinks');
    await waitUntil(async () => tapped.has(id1), 30_000, 'the tap to see event 1');
  });

  after(async function () {
    if (this.currentTest?.state === 'failed') process.stdout.write(`${t?.logTail(60) ?? ''}\n`);
    await tap?.close().catch(() => undefined);
    await t?.stop();
  });

  it('Pub/Sub redelivery: the same push body POSTed again to both sinks', async function () {
    const before = await doc();
    const m = tapped.get(id1)!;
    for (let i = 0; i < 2; i++) {
      for (const fn of ['sinkBigquery', 'sinkFirestore'] as const) {
        const status = await redeliver(fn, m);
        assert.ok(status >= 200 && status < 300, `${fn} answered ${status}`);
      }
    }
    assert.deepEqual(await rowCounts(id1), { readings: 2, metrics: 2, events: 1 });
    // Two redeliveries on top of the first delivery: each stored again (no insertId on the default stream).
    assert.equal(await rawReadings(id1), 6, 'raw readings rows (at-least-once)');
    assert.deepEqual(await doc(), before);
  });

  it('device retry: the same bytes published again (new message id, same seq)', async function () {
    const before = await doc();
    await publishAndSettle(bytes1);
    assert.deepEqual(await rowCounts(id1), { readings: 2, metrics: 2, events: 1 });
    assert.deepEqual(await doc(), before);
  });

  it('late replay: event 1 again after event 2 moved the state on', async function () {
    await publishAndSettle(Buffer.from(JSON.stringify(e2)));
    await waitUntil(async () => (await doc())?.state?.door?.eventId === id2, 30_000, 'event 2 in deviceState');
    const moved = await doc();
    assert.equal(moved?.metrics?.temperature?.value, 22.5);
    assert.equal(moved?.state?.door?.value, 'closed');
    // Replayed through the whole pipeline, and redelivered straight to the sink.
    await publishAndSettle(bytes1);
    const status = await redeliver('sinkFirestore', tapped.get(id1)!);
    assert.ok(status >= 200 && status < 300, `sinkFirestore answered ${status}`);
    // Past the coalescing window: any write the replay caused would be visible now.
    await new Promise((r) => setTimeout(r, 1000));
    assert.deepEqual(await doc(), moved, 'deviceState rolled back by a late duplicate');
    assert.deepEqual(await rowCounts(id1), { readings: 2, metrics: 2, events: 1 });
    assert.deepEqual(await rowCounts(id2), { readings: 2, metrics: 2, events: 1 });
  });
});
