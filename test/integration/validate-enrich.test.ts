// validate and enrich as real function processes (the functions-framework's
// server, via tools/emulate/function-host on loopback) behind real push
// subscriptions on the Pub/Sub emulator, reading the registry from the
// Firestore emulator. Messages are published to device-events and read back
// from events-enriched and events-deadletter through test subscriptions.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { Firestore } from '@google-cloud/firestore';
import type { Message, PubSub, Subscription } from '@google-cloud/pubsub';
import type { DeadLetterEnvelope, EnrichedEvent } from '../../functions/lib/events.js';
import { COLLECTIONS, TOPICS } from '../../functions/lib/names.js';
import { DEVICE_KEYS_COLLECTION } from '../../functions/validate/device-keys.js';
import { startFirestoreEmulator, startPubSubEmulator, type RunningEmulator } from '../../tools/emulate/gcloud-emulators.js';
import { firestoreClient, pubsubClient } from '../../tools/lib/emulator-clients.js';
import { freePort, portInUse, waitUntil } from '../../tools/lib/ports.js';
import { startProcess, type ManagedProcess } from '../../tools/lib/process-group.js';
import { sign } from '../fixtures/device-messages/bad-inputs.js';

const BUILD = path.resolve(__dirname, '../..');
const HOST = path.join(BUILD, 'tools/emulate/function-host.js');

interface Received<T> {
  body: T;
  attributes: Record<string, string>;
  orderingKey: string;
}

/** Collects everything a pull subscription receives, acking at once; a batch message counts as its events. */
function collect<T>(sub: Subscription): Received<T>[] {
  const got: Received<T>[] = [];
  sub.on('message', (m: Message) => {
    const body = JSON.parse(m.data.toString('utf8')) as T | { events: T[] };
    const bodies = typeof body === 'object' && body !== null && 'events' in body && Array.isArray(body.events) ? body.events : [body as T];
    for (const b of bodies) got.push({ body: b, attributes: { ...m.attributes }, orderingKey: m.orderingKey ?? '' });
    m.ack();
  });
  sub.on('error', () => undefined);
  return got;
}

describe('integration: validate + enrich on the Pub/Sub and Firestore emulators', function () {
  this.timeout(180_000);
  const projectId = `demo-iot-${randomBytes(4).toString('hex')}`;
  const suffix = randomBytes(3).toString('hex');
  const dev = (name: string) => `${name}-${suffix}`;
  const SECRET = randomBytes(32);
  let pubsubEmu: RunningEmulator | undefined;
  let firestoreEmu: RunningEmulator | undefined;
  const functions: ManagedProcess[] = [];
  const logs: string[] = [];
  let pubsub: PubSub;
  let db: Firestore;
  let enriched: Received<EnrichedEvent>[];
  let deadLetters: Received<DeadLetterEnvelope>[];
  const subs: Subscription[] = [];
  let validatePort = 0;
  let enrichPort = 0;
  const push = (port: number, topic: string) => ({ pushConfig: { pushEndpoint: `http://127.0.0.1:${port}/projects/${projectId}/topics/${topic}` } });

  async function startFunction(target: 'validate' | 'enrich', source: string): Promise<number> {
    const port = await freePort();
    const proc = startProcess({
      name: target,
      command: process.execPath,
      args: [HOST, `--source=${path.join(BUILD, source)}`, `--target=${target}`, `--port=${port}`],
      env: {
        ...process.env,
        GOOGLE_CLOUD_PROJECT: projectId,
        PUBSUB_EMULATOR_HOST: pubsubEmu!.host,
        FIRESTORE_EMULATOR_HOST: firestoreEmu!.host,
        // Short negative caching so a device registered during the run is found.
        DEVICE_CACHE_TTL_MS: '6000',
        // Not on Google Cloud: skip google-auth's metadata-server probe (it delays the first request).
        METADATA_SERVER_DETECTION: 'none',
      },
      onLine: (l) => logs.push(`${target}: ${l}`),
    });
    functions.push(proc);
    await waitUntil(() => portInUse(port), 30_000, `${target} on port ${port}`);
    return port;
  }

  before(async () => {
    [pubsubEmu, firestoreEmu] = await Promise.all([startPubSubEmulator(), startFirestoreEmulator()]);
    pubsub = pubsubClient({ projectId, pubsubHost: pubsubEmu.host, firestoreHost: firestoreEmu.host, bigqueryUrl: '' });
    db = firestoreClient({ projectId, pubsubHost: pubsubEmu.host, firestoreHost: firestoreEmu.host, bigqueryUrl: '' });

    [validatePort, enrichPort] = await Promise.all([
      // Each module registers its own function: no dependency on the sinks' build.
      startFunction('validate', 'functions/validate/function.js'),
      startFunction('enrich', 'functions/enrich/function.js'),
    ]);
    for (const t of Object.values(TOPICS)) await pubsub.createTopic(t);
    // No retryPolicy: the emulator rejects it.
    await pubsub.topic(TOPICS.deviceEvents).createSubscription(`validate-${suffix}`, push(validatePort, TOPICS.deviceEvents));
    await pubsub.topic(TOPICS.valid).createSubscription(`enrich-${suffix}`, push(enrichPort, TOPICS.valid));
    const [enrichedSub] = await pubsub.topic(TOPICS.enriched).createSubscription(`test-enriched-${suffix}`);
    const [deadSub] = await pubsub.topic(TOPICS.deadLetter).createSubscription(`test-deadletter-${suffix}`);
    subs.push(enrichedSub, deadSub);
    enriched = collect<EnrichedEvent>(enrichedSub);
    deadLetters = collect<DeadLetterEnvelope>(deadSub);

    const devices = db.collection(COLLECTIONS.devices);
    const units = { temperature: 'celsius', humidity: 'percent' };
    await Promise.all([
      devices.doc(dev('ok')).set({ tenantId: 'acme', site: 'acme-berlin', model: 'th-200', units, status: 'active' }),
      devices.doc(dev('off')).set({ tenantId: 'acme', site: 'acme-berlin', model: 'th-200', units, status: 'disabled' }),
      devices.doc(dev('broken')).set({ site: 'nowhere', status: 'active' }),
      devices.doc(dev('signed')).set({ tenantId: 'globex', site: 'globex-osaka', model: 'env-400', units, status: 'active' }),
      db.collection(DEVICE_KEYS_COLLECTION).doc(dev('signed')).set({ keys: [{ id: 'k1', secret: SECRET.toString('base64') }], requireSignature: true }),
    ]);
  });

  afterEach(function () {
    if (this.currentTest?.state === 'failed') console.log(logs.slice(-40).join('\n'));
  });

  after(async () => {
    await Promise.allSettled(subs.map((s) => s.close()));
    await Promise.allSettled([pubsub?.close(), db?.terminate()]);
    await Promise.allSettled(functions.map((f) => f.stop()));
    await Promise.allSettled([pubsubEmu?.stop(), firestoreEmu?.stop()]);
  });

  async function publish(body: string | Buffer, attributes: Record<string, string> = {}): Promise<void> {
    await pubsub.topic(TOPICS.deviceEvents).publishMessage({ data: Buffer.isBuffer(body) ? body : Buffer.from(body), attributes });
  }

  async function waitFor<T>(list: Received<T>[], pred: (r: Received<T>) => boolean, n = 1): Promise<Received<T>[]> {
    await waitUntil(async () => list.filter(pred).length >= n, 60_000, 'messages to arrive');
    return list.filter(pred);
  }

  const now = () => new Date().toISOString();

  it('a valid message arrives on events-enriched with tenant, site, model and units', async () => {
    const deviceId = dev('ok');
    await publish(JSON.stringify({ deviceId, seq: 1, ts: now(), readings: { temperature: 21.5, rssi: -60 }, state: { door: 'open' } }));
    const [got] = await waitFor(enriched, (r) => r.body.eventId === `${deviceId}:1`);
    assert.ok(got);
    assert.equal(got.body.tenantId, 'acme');
    assert.equal(got.body.site, 'acme-berlin');
    assert.equal(got.body.model, 'th-200');
    assert.deepEqual(got.body.units, { temperature: 'celsius' });
    assert.deepEqual(got.body.readings, { temperature: 21.5, rssi: -60 });
    assert.deepEqual(got.body.state, { door: 'open' });
    assert.match(got.body.eventTime, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/);
    // Ordering keys are opt-in (PUBLISH_ORDERING_KEYS): off by default.
    assert.equal(got.orderingKey, '');
    assert.equal(got.attributes.eventId, `${deviceId}:1`);
  });

  it('a batch becomes one enriched event per event, duplicates dropped', async () => {
    const deviceId = dev('ok');
    const ts = now();
    const events = [10, 11, 10, 12].map((seq) => ({ seq, ts, readings: { humidity: seq } }));
    await publish(JSON.stringify({ deviceId, events }));
    const got = await waitFor(enriched, (r) => r.body.deviceId === deviceId && (r.body.seq ?? 0) >= 10, 3);
    await new Promise((r) => setTimeout(r, 500));
    assert.deepEqual(
      enriched.filter((r) => r.body.deviceId === deviceId && (r.body.seq ?? 0) >= 10).map((r) => r.body.seq).sort(),
      [10, 11, 12],
    );
    assert.equal(got[0]?.body.units.humidity, 'percent');
  });

  it('bad messages arrive on events-deadletter from validate with their reason and raw bytes', async () => {
    const cases: [string, Buffer, string][] = [
      [`bad-json-${suffix}`, Buffer.from(`{"deviceId":"x-${suffix}", "ts":`), 'not-json'],
      [`bad-utf8-${suffix}`, Buffer.concat([Buffer.from(`{"k":"bad-utf8-${suffix}","v":"`), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]), 'not-utf8'],
      [`bad-schema-${suffix}`, Buffer.from(JSON.stringify({ deviceId: dev('ok'), ts: now(), readings: { Temperature: 1 } })), 'schema-violation'],
    ];
    for (const [tag, body] of cases) await publish(body, { tag });
    for (const [tag, body, reason] of cases) {
      const [dl] = await waitFor(deadLetters, (r) => r.body.attributes.tag === tag);
      assert.ok(dl);
      assert.equal(dl.body.stage, 'validate', tag);
      assert.equal(dl.body.reason, reason, tag);
      assert.deepEqual(Buffer.from(dl.body.payload, 'base64'), body, tag);
      assert.equal(dl.body.payloadSize, body.length);
      assert.equal(dl.attributes.reason, reason);
    }
  });

  it('unknown, disabled and malformed registry entries are dead-lettered by enrich with the events-valid bytes', async () => {
    const cases: [string, string][] = [
      [dev('nobody'), 'unknown-device'],
      [dev('off'), 'disabled-device'],
      [dev('broken'), 'malformed-device-record'],
    ];
    for (const [deviceId] of cases) await publish(JSON.stringify({ deviceId, seq: 5, ts: now(), readings: { temperature: 1 } }));
    for (const [deviceId, reason] of cases) {
      const [dl] = await waitFor(deadLetters, (r) => r.body.deviceId === deviceId);
      assert.ok(dl);
      assert.equal(dl.body.stage, 'enrich');
      assert.equal(dl.body.reason, reason);
      assert.equal(dl.body.eventId, `${deviceId}:5`);
      // The raw bytes are the events-valid message: a ValidEvent, replayable into enrich.
      const valid = JSON.parse(Buffer.from(dl.body.payload, 'base64').toString('utf8'));
      assert.equal(valid.eventId, `${deviceId}:5`);
      assert.equal(dl.body.attributes.eventId, `${deviceId}:5`);
    }
    assert.equal(enriched.filter((r) => cases.some(([d]) => d === r.body.deviceId)).length, 0);
  });

  it('one events-valid batch with events of several devices: a bad event is dead-lettered alone, with its own bytes and ids, and the rest is enriched', async () => {
    const ts = new Date().toISOString().replace('Z', '000Z');
    const ev = (deviceId: string, seq: number) => ({ eventId: `${deviceId}:${seq}`, deviceId, seq, eventTime: ts, readings: { temperature: seq }, state: {}, schemaVersion: '1', receivedAt: ts });
    const good1 = ev(dev('ok'), 900);
    const bad = ev(dev('nobody'), 901);
    const good2 = ev(dev('ok'), 902);
    await pubsub.topic(TOPICS.valid).publishMessage({ data: Buffer.from(JSON.stringify({ events: [good1, bad, good2] })), attributes: { eventCount: '3' } });
    const got = await waitFor(enriched, (r) => r.body.eventId === good1.eventId || r.body.eventId === good2.eventId, 2);
    assert.deepEqual(got.map((r) => [r.body.tenantId, r.body.units.temperature]), [['acme', 'celsius'], ['acme', 'celsius']]);
    const [dl] = await waitFor(deadLetters, (r) => r.body.eventId === bad.eventId);
    assert.equal(dl!.body.reason, 'unknown-device');
    assert.deepEqual(JSON.parse(Buffer.from(dl!.body.payload, 'base64').toString('utf8')), bad);
    assert.equal(dl!.body.attributes.eventId, bad.eventId);
    assert.equal(dl!.body.attributes.eventCount, undefined);
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(deadLetters.filter((r) => r.body.eventId === good1.eventId || r.body.eventId === good2.eventId).length, 0);
  });

  it('a device with keys needs a valid HMAC signature', async () => {
    const deviceId = dev('signed');
    const good = Buffer.from(JSON.stringify({ deviceId, seq: 1, ts: now(), readings: { temperature: 3 } }));
    const unsigned = Buffer.from(JSON.stringify({ deviceId, seq: 2, ts: now(), readings: { temperature: 3 } }));
    const forged = Buffer.from(JSON.stringify({ deviceId, seq: 3, ts: now(), readings: { temperature: 3 } }));
    await publish(good, { signature: sign(SECRET, good) });
    await publish(unsigned);
    await publish(forged, { signature: sign(randomBytes(32), forged) });
    const [ok] = await waitFor(enriched, (r) => r.body.eventId === `${deviceId}:1`);
    assert.equal(ok?.body.tenantId, 'globex');
    const dls = await waitFor(deadLetters, (r) => r.body.deviceId === deviceId, 2);
    assert.deepEqual(dls.map((d) => d.body.reason).sort(), ['bad-signature', 'missing-signature']);
    assert.equal(enriched.filter((r) => r.body.deviceId === deviceId).length, 1);
  });

  // Last: it deletes and recreates events-valid.
  it("a failed publish to events-valid is retried (not dead-lettered), and the device's later messages get through", async () => {
    const deviceId = dev('ok');
    await pubsub.topic(TOPICS.valid).delete();
    const failuresBefore = logs.filter((l) => l.includes('will be retried')).length;
    await publish(JSON.stringify({ deviceId, seq: 500, ts: now(), readings: { temperature: 5 } }));
    await waitUntil(async () => logs.filter((l) => l.startsWith('validate') && l.includes('will be retried')).length > failuresBefore, 30_000, 'a failed publish');
    await pubsub.createTopic(TOPICS.valid);
    await pubsub.subscription(`enrich-${suffix}`).delete();
    await pubsub.topic(TOPICS.valid).createSubscription(`enrich-${suffix}`, push(enrichPort, TOPICS.valid));
    // The emulator redelivers about once a second; the same device's next message must get through too.
    await waitFor(enriched, (r) => r.body.eventId === `${deviceId}:500`);
    await publish(JSON.stringify({ deviceId, seq: 501, ts: now(), readings: { temperature: 6 } }));
    await waitFor(enriched, (r) => r.body.eventId === `${deviceId}:501`);
    assert.equal(deadLetters.filter((r) => r.body.eventId === `${deviceId}:500`).length, 0);
  });
});
