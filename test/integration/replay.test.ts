// `npm run replay` against real emulators (Pub/Sub + the project's BigQuery
// emulator), run as a child process: dead-letter rows seeded in
// telemetry.deadletter are listed, planned (--dry-run publishes nothing) and
// re-published with their exact bytes and original attributes to the topic
// of the stage that failed; a second replay sends the same bytes again, so
// validate derives the same eventIds and the sinks' idempotency absorbs it.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import type { Message, PubSub, Subscription } from '@google-cloud/pubsub';
import { startBigQueryEmulator, type BigQueryEmulator } from '../../emulators/bigquery/server.js';
import { DATASET, TABLES, TOPICS } from '../../functions/lib/names.js';
import { loadConfig } from '../../functions/lib/config.js';
import { validateMessage } from '../../functions/validate/validate-message.js';
import { bigqueryClient, pubsubClient } from '../../tools/lib/emulator-clients.js';
import { createDatasetAndTables, createTopics } from '../../tools/emulate/provision.js';
import { startPubSubEmulator, type RunningEmulator } from '../../tools/emulate/gcloud-emulators.js';
import { waitUntil } from '../../tools/lib/ports.js';
import { runCli } from '../support/run-cli.js';

const MIN = 60_000;
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

interface Seed {
  messageId: string;
  stage: string;
  reason: string;
  deviceId: string | null;
  payload: Buffer;
  attributes: Record<string, string>;
  truncated?: boolean;
  ageMs: number;
}

describe('integration: replay tool (npm run replay) on the Pub/Sub and BigQuery emulators', function () {
  this.timeout(180_000);
  const projectId = `demo-rp-${randomBytes(4).toString('hex')}`;
  let bqEmu: BigQueryEmulator;
  let psEmu: RunningEmulator;
  let pubsub: PubSub;
  let env: NodeJS.ProcessEnv;
  const received: Record<string, Message[]> = { [TOPICS.deviceEvents]: [], [TOPICS.valid]: [] };
  const subs: Subscription[] = [];
  const now = Date.now();

  // Not UTF-8 on purpose: the bytes must come back exactly, not re-encoded.
  const brokenBytes = Buffer.concat([Buffer.from('{"deviceId":"acme-sensor-01","seq":7,'), Buffer.from([0xff, 0xfe, 0x00, 0x01])]);
  const ts = new Date(now - 5 * MIN).toISOString();
  const ghost = Buffer.from(JSON.stringify({ deviceId: 'ghost-sensor-01', seq: 42, ts, readings: { temperature: 21.5 } }));
  const validEvent = Buffer.from(JSON.stringify({ eventId: 'newbie-01:3', deviceId: 'newbie-01', seq: 3, eventTime: ts, readings: { temperature: 19 }, state: {}, schemaVersion: '1', receivedAt: ts }));
  const seeds: Seed[] = [
    { messageId: 'm-broken', stage: 'validate', reason: 'not-utf8', deviceId: null, payload: brokenBytes, attributes: { schemaVersion: '1', CloudPubSubDeadLetterSourceDeliveryCount: '5', CloudPubSubDeadLetterSourceSubscription: 'projects/x/subscriptions/validate-device-events' }, ageMs: 50 * MIN },
    { messageId: 'm-ghost', stage: 'validate', reason: 'unknown-device', deviceId: 'ghost-sensor-01', payload: ghost, attributes: { schemaVersion: '1', origin: 'gateway-7' }, ageMs: 40 * MIN },
    // The same failing message stored twice (a stage re-published its failure): replayed once.
    { messageId: 'm-ghost-again', stage: 'validate', reason: 'unknown-device', deviceId: 'ghost-sensor-01', payload: ghost, attributes: { schemaVersion: '1', origin: 'gateway-7' }, ageMs: 39 * MIN },
    { messageId: 'm-enrich', stage: 'enrich', reason: 'unknown-device', deviceId: 'newbie-01', payload: validEvent, attributes: { eventId: 'newbie-01:3', deviceId: 'newbie-01', schemaVersion: '1' }, ageMs: 30 * MIN },
    { messageId: 'm-big', stage: 'validate', reason: 'oversize', deviceId: null, payload: Buffer.from('{"deviceId":"acme-sensor-02","rea'), attributes: {}, truncated: true, ageMs: 20 * MIN },
    // Older than the default --since (7 days): not selected.
    { messageId: 'm-old', stage: 'validate', reason: 'unknown-device', deviceId: 'ghost-sensor-09', payload: Buffer.from('{"deviceId":"ghost-sensor-09"}'), attributes: {}, ageMs: 10 * 86_400_000 },
  ];

  before(async () => {
    [bqEmu, psEmu] = await Promise.all([startBigQueryEmulator({ port: 0 }), startPubSubEmulator()]);
    env = { ...process.env, BIGQUERY_EMULATOR_HOST: bqEmu.url, PUBSUB_EMULATOR_HOST: psEmu.host };
    const endpoints = { projectId, bigqueryUrl: bqEmu.url, pubsubHost: psEmu.host, firestoreHost: '' };
    pubsub = pubsubClient(endpoints);
    const bq = bigqueryClient(endpoints);
    await Promise.all([createTopics(pubsub), createDatasetAndTables(bq)]);
    for (const topic of [TOPICS.deviceEvents, TOPICS.valid]) {
      const [sub] = await pubsub.topic(topic).createSubscription(`replay-test-${topic}-${randomBytes(3).toString('hex')}`);
      sub.on('message', (m: Message) => {
        received[topic]?.push(m);
        m.ack();
      });
      subs.push(sub);
    }
    await bq.dataset(DATASET).table(TABLES.deadLetter).insert(
      seeds.map((s) => ({
        insertId: s.messageId,
        json: {
          received_at: new Date(now - s.ageMs).toISOString(),
          stage: s.stage,
          reason: s.reason,
          detail: null,
          device_id: s.deviceId,
          event_id: null,
          message_id: s.messageId,
          attributes: JSON.stringify(s.attributes),
          payload: s.payload.toString('base64'),
          payload_size: s.truncated ? 300_000 : s.payload.length,
          payload_sha256: s.truncated ? 'f'.repeat(64) : sha(s.payload),
          payload_truncated: s.truncated === true,
        },
      })),
      { raw: true },
    );
  });

  after(async () => {
    await Promise.allSettled(subs.map((s) => s.close()));
    await pubsub?.close().catch(() => undefined);
    await Promise.allSettled([bqEmu?.close(), psEmu?.stop()]);
  });

  const replay = (...args: string[]) => runCli('replay', [...args, '--project', projectId], env);
  const take = (topic: string) => (received[topic] ?? []).splice(0);

  it('lists dead letters grouped by stage and reason, device and hour (last 7 days by default)', async () => {
    const r = await replay();
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^5 dead-lettered message\(s\)/);
    assert.match(r.stdout, /By stage and reason/);
    assert.match(r.stdout, /validate\s+unknown-device\s+2\s+1\s+0/);
    assert.match(r.stdout, /validate\s+oversize\s+1\s+0\s+1/);
    assert.match(r.stdout, /By device/);
    assert.match(r.stdout, /ghost-sensor-01\s+2\s+unknown-device/);
    assert.match(r.stdout, /By hour/);
    assert.doesNotMatch(r.stdout, /ghost-sensor-09/);
  });

  it('--dry-run shows the plan and publishes nothing', async () => {
    const r = await replay('--dry-run');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /m-broken .*publish -> device-events/);
    assert.match(r.stdout, /m-ghost .*publish -> device-events/);
    assert.match(r.stdout, /m-ghost-again .*skip: duplicate/);
    assert.match(r.stdout, /m-enrich .*publish -> events-valid/);
    assert.match(r.stdout, /m-big .*skip: truncated/);
    assert.match(r.stdout, /would publish 2 to device-events, 1 to events-valid; skipped duplicate 1, truncated 1/);
    await new Promise((res) => setTimeout(res, 1500));
    assert.equal(take(TOPICS.deviceEvents).length + take(TOPICS.valid).length, 0);
  });

  it('filters: --stage, --reason, --device, --until', async () => {
    const byStage = await replay('--dry-run', '--stage', 'enrich');
    assert.match(byStage.stdout, /would publish 1 to events-valid$/m);
    // Received 40 and 39 minutes ago: the broken one (50) is too old for --since, m-big (20) too new for --until.
    // The window moves with the minutes gone by since seeding (a loaded machine takes several).
    const gone = Math.round((Date.now() - now) / 60_000);
    const combined = await replay('--dry-run', '--reason', 'unknown-device', '--device', 'ghost-sensor-01', '--since', `${45 + gone}m`, '--until', `${35 + gone}m`);
    assert.match(combined.stdout, /would publish 1 to device-events; skipped duplicate 1$/m);
  });

  async function publishOnce(): Promise<{ device: Message[]; valid: Message[] }> {
    const r = await replay('--publish');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Replayed 2 to device-events, 1 to events-valid/);
    assert.match(r.stderr, /skipped m-big \(validate\/oversize\): truncated/);
    await waitUntil(async () => (received[TOPICS.deviceEvents]?.length ?? 0) >= 2 && (received[TOPICS.valid]?.length ?? 0) >= 1, 20_000, 'replayed messages');
    // Nothing more arrives.
    await new Promise((res) => setTimeout(res, 1500));
    return { device: take(TOPICS.deviceEvents), valid: take(TOPICS.valid) };
  }

  const eventIds = async (msgs: Message[]): Promise<string[]> => {
    const cfg = loadConfig({ GOOGLE_CLOUD_PROJECT: projectId });
    const ids: string[] = [];
    for (const m of msgs) {
      try {
        const res = await validateMessage({ data: m.data, attributes: m.attributes, messageId: m.id, publishTime: m.publishTime.toISOString() }, { config: cfg, now: () => new Date() });
        ids.push(...res.events.map((e) => e.eventId));
      } catch (err) {
        ids.push(`rejected:${(err as { reason?: string }).reason ?? 'error'}`);
      }
    }
    return ids.sort();
  };

  let first: { device: Message[]; valid: Message[] };

  it('--publish re-publishes the exact bytes with the original attributes plus replayOf, to the failed stage\'s topic', async () => {
    first = await publishOnce();
    assert.equal(first.device.length, 2);
    assert.equal(first.valid.length, 1);
    const byOrigin = new Map(first.device.map((m) => [m.attributes.replayOf, m]));
    const broken = byOrigin.get('m-broken');
    assert.ok(broken);
    assert.ok(broken.data.equals(brokenBytes), 'exact bytes, not re-encoded');
    assert.deepEqual({ ...broken.attributes }, { schemaVersion: '1', replayOf: 'm-broken' });
    const g = byOrigin.get('m-ghost');
    assert.ok(g);
    assert.ok(g.data.equals(ghost));
    assert.deepEqual({ ...g.attributes }, { schemaVersion: '1', origin: 'gateway-7', replayOf: 'm-ghost' });
    const v = first.valid[0] as Message;
    assert.ok(v.data.equals(validEvent));
    assert.deepEqual({ ...v.attributes }, { eventId: 'newbie-01:3', deviceId: 'newbie-01', schemaVersion: '1', replayOf: 'm-enrich' });
  });

  it('a second replay sends the same bytes again, so validate derives the same eventIds (the sinks de-duplicate on them)', async () => {
    const second = await publishOnce();
    assert.equal(second.device.length, 2);
    assert.equal(second.valid.length, 1);
    const bytes = (ms: Message[]) => ms.map((m) => m.data.toString('base64')).sort();
    assert.deepEqual(bytes(second.device), bytes(first.device));
    assert.deepEqual(bytes(second.valid), bytes(first.valid));
    const ids1 = await eventIds(first.device);
    const ids2 = await eventIds(second.device);
    assert.deepEqual(ids2, ids1);
    assert.deepEqual(ids1, ['ghost-sensor-01:42', 'rejected:not-utf8']);
  });

  it('a Pub/Sub emulator that is not running exits 1 with a clear message', async () => {
    const r = await runCli('replay', ['--publish', '--project', projectId], { ...env, PUBSUB_EMULATOR_HOST: '127.0.0.1:1' });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /Pub\/Sub emulator not reachable at 127\.0\.0\.1:1 — start the local stack with `npm run emulate`/);
  });
});
