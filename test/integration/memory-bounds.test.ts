// validate's memory in production terms: the real function process (the
// functions-framework's server with our request guard, the deployed heap cap,
// production defaults: no setting overridden) takes a burst of pushes at
// its configured concurrency (FUNCTIONS.validate.concurrency): several of
// Pub/Sub's largest messages (10 MB) with ordinary device messages filling
// the rest. Its peak RSS is reported against the instance size it is deployed
// with (INSTANCE_MEMORY_MIB) and must stay inside it. Every push is answered
// 2xx and accounted for: the big ones as exact `oversize` dead letters, the
// others as their events.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import net from 'node:net';
import { readFileSync } from 'node:fs';
import type { Message, PubSub, Subscription } from '@google-cloud/pubsub';
import type { DeadLetterEnvelope } from '../../functions/lib/events.js';
import { FUNCTIONS, INSTANCE_MEMORY_MIB, TOPICS } from '../../functions/lib/names.js';
import { INT_SETTINGS } from '../../functions/lib/config.js';
import { startFirestoreEmulator, startPubSubEmulator, type RunningEmulator } from '../../tools/emulate/gcloud-emulators.js';
import { startFunctionProcess, type NodeComponent } from '../../tools/emulate/node-components.js';
import { pubsubClient } from '../../tools/lib/emulator-clients.js';
import { freePort, waitUntil } from '../../tools/lib/ports.js';

/** Pub/Sub's largest message is 10 MB (data and attributes). */
const PUBSUB_MAX_MESSAGE_BYTES = 10_000_000;
const BIG_MESSAGES = 8;
/**
 * The peak must fit the instance. Measured 218 MiB (85%) on a 2-core machine,
 * of which 115 MiB is the process before the burst; see docs/reliability.md
 * for a burst of the largest accepted batches, which does not fit yet.
 */
const MAX_SHARE = 1;

function vmHwmMiB(pid: number): number {
  const m = /^VmHWM:\s+(\d+)\s+kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : Number.NaN;
}

/** An ordinary device message: one event, two readings, a state key. */
function ordinaryMessage(deviceId: string, seq: number): { body: Buffer; events: number } {
  const ev = { deviceId, seq, ts: new Date().toISOString(), readings: { temperature: 20 + (seq % 10) / 10, humidity: 40 }, state: { door: 'closed' } };
  return { body: Buffer.from(JSON.stringify(ev)), events: 1 };
}

describe('integration: validate stays inside its instance memory under a burst of the largest messages', function () {
  this.timeout(240_000);
  const projectId = `demo-mem-${randomBytes(4).toString('hex')}`;
  let pubsubEmu: RunningEmulator | undefined;
  let firestoreEmu: RunningEmulator | undefined;
  let validate: NodeComponent | undefined;
  let pubsub: PubSub | undefined;
  const subs: Subscription[] = [];
  const logs: string[] = [];

  before(async () => {
    [pubsubEmu, firestoreEmu] = await Promise.all([startPubSubEmulator(), startFirestoreEmulator()]);
    pubsub = pubsubClient({ projectId, pubsubHost: pubsubEmu.host, firestoreHost: firestoreEmu.host, bigqueryUrl: '' });
    for (const t of Object.values(TOPICS)) await pubsub.createTopic(t);
    validate = await startFunctionProcess({
      target: 'validate',
      port: await freePort(),
      // Only where the emulators are: every setting at its production default.
      env: { GOOGLE_CLOUD_PROJECT: projectId, PUBSUB_EMULATOR_HOST: pubsubEmu.host, FIRESTORE_EMULATOR_HOST: firestoreEmu.host, METADATA_SERVER_DETECTION: 'none' },
      onLine: (l) => logs.push(l),
    });
  });

  afterEach(function () {
    if (this.currentTest?.state === 'failed') console.log(logs.slice(-30).join('\n'));
  });

  after(async () => {
    await Promise.allSettled(subs.map((s) => s.close()));
    await pubsub?.close();
    await validate?.stop();
    await Promise.allSettled([pubsubEmu?.stop(), firestoreEmu?.stop()]);
  });

  function collect(topic: string, name: string): Promise<Message[]> & { got: Message[] } {
    const got: Message[] = [];
    const ready = (async () => {
      const [sub] = await pubsub!.topic(topic).createSubscription(`${name}-${randomBytes(3).toString('hex')}`);
      subs.push(sub);
      sub.on('message', (m: Message) => {
        got.push(m);
        m.ack();
      });
      sub.on('error', () => undefined);
      return got;
    })();
    return Object.assign(ready, { got });
  }

  const pushUrl = (): string => `${validate!.url}/projects/${projectId}/topics/${TOPICS.deviceEvents}`;
  const pushBody = (data: Buffer | string, id: string): string =>
    JSON.stringify({
      subscription: `projects/${projectId}/subscriptions/validate-device-events`,
      message: { data: typeof data === 'string' ? data : data.toString('base64'), attributes: {}, messageId: id, publishTime: new Date().toISOString() },
    });

  it(`${BIG_MESSAGES} pushes of a 10 MB message among ${FUNCTIONS.validate.concurrency} at once: every one answered, accounted for, peak RSS inside the ${INSTANCE_MEMORY_MIB} MiB instance`, async () => {
    const dead = collect(TOPICS.deadLetter, 'test-dead');
    const valid = collect(TOPICS.valid, 'test-valid');
    await Promise.all([dead, valid]);

    const big = Buffer.alloc(PUBSUB_MAX_MESSAGE_BYTES, 'x');
    const bigSha = createHash('sha256').update(big).digest('hex');
    const bigB64 = big.toString('base64');
    const deviceId = `mem-${randomBytes(3).toString('hex')}`;
    const small = FUNCTIONS.validate.concurrency - BIG_MESSAGES;
    const batches = Array.from({ length: small }, (_, i) => ordinaryMessage(deviceId, i));
    const expectedEvents = batches.reduce((a, b) => a + b.events, 0);

    const before = vmHwmMiB(validate!.process.pid);
    const requests = [
      ...Array.from({ length: BIG_MESSAGES }, (_, i) => pushBody(bigB64, `big-${i}`)),
      ...batches.map((b, i) => pushBody(b.body, `small-${i}`)),
    ];
    const statuses = await Promise.all(
      requests.map(async (body) => {
        const res = await fetch(pushUrl(), { method: 'POST', headers: { 'content-type': 'application/json' }, body });
        await res.arrayBuffer();
        return res.status;
      }),
    );
    assert.deepEqual(statuses.filter((s) => s < 200 || s >= 300), [], 'every push answered 2xx');

    await waitUntil(async () => dead.got.length >= BIG_MESSAGES, 60_000, 'the oversize dead letters');
    const countEvents = (): number => valid.got.reduce((a, m) => a + ((JSON.parse(m.data.toString()) as { events?: unknown[] }).events?.length ?? 1), 0);
    await waitUntil(async () => countEvents() >= expectedEvents, 120_000, `${expectedEvents} events on events-valid`);
    await new Promise((r) => setTimeout(r, 1000)); // anything extra would show up now
    const rows = dead.got.map((m) => JSON.parse(m.data.toString()) as DeadLetterEnvelope);
    assert.deepEqual(
      rows.map((r) => [r.messageId, r.stage, r.reason, r.payloadSize, r.payloadTruncated, r.payloadSha256, Buffer.from(r.payload, 'base64').length]).sort(),
      Array.from({ length: BIG_MESSAGES }, (_, i) => [`big-${i}`, 'validate', 'oversize', PUBSUB_MAX_MESSAGE_BYTES, true, bigSha, INT_SETTINGS.deadLetterPayloadMaxBytes.default]).sort(),
      'exactly one oversize dead letter per big message, with its whole size and hash',
    );
    assert.equal(countEvents(), expectedEvents, 'every event of the ordinary messages, once');

    const peak = vmHwmMiB(validate!.process.pid);
    const share = peak / INSTANCE_MEMORY_MIB;
    console.log(`      validate peak RSS ${peak.toFixed(0)} MiB of a ${INSTANCE_MEMORY_MIB} MiB instance (${(share * 100).toFixed(0)}%; ${before.toFixed(0)} MiB before the burst); ${BIG_MESSAGES} x 10 MB + ${small} ordinary messages at once`);
    assert.ok(share <= MAX_SHARE, `peak RSS ${peak.toFixed(0)} MiB is over ${MAX_SHARE * 100}% of the ${INSTANCE_MEMORY_MIB} MiB instance`);
  });

  it('a body over MAX_REQUEST_BYTES is answered 413 before it is sent', async () => {
    const socket = net.connect(validate!.port, '127.0.0.1');
    await new Promise((r) => socket.once('connect', r));
    const declared = 64 * 1024 * 1024;
    socket.write(`POST /projects/${projectId}/topics/${TOPICS.deviceEvents} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${declared}\r\n\r\n`);
    const answer = await new Promise<string>((resolve) => {
      let text = '';
      socket.on('data', (d) => (text += d.toString()));
      socket.on('close', () => resolve(text));
      socket.on('error', () => resolve(text));
    });
    assert.match(answer, /^HTTP\/1\.1 413 /);
    assert.match(answer, /exceeds MAX_REQUEST_BYTES/);
  });
});
