// Measures what the Pub/Sub emulator does differently from Google Cloud for
// this pipeline, and what the push bridge does about it. Each probe uses its
// own topic and a local HTTP endpoint that records every request. Results go
// to stdout as JSON; docs/local-vs-cloud.md quotes them.
//
//   node build/tools/emulate/measure/emulator-behaviour.js
import type { PubSub } from '@google-cloud/pubsub';
import { pubsubClient } from '../../lib/emulator-clients.js';
import { startPubSubEmulator } from '../gcloud-emulators.js';
import { PushBridge } from '../push-bridge.js';
import { endpoint } from './endpoint.js';
import { stopAllStarted } from '../../lib/process-group.js';

const PROJECT = 'demo-measure';

async function until(cond: () => boolean, timeoutMs: number): Promise<number> {
  const t0 = Date.now();
  while (!cond() && Date.now() - t0 < timeoutMs) await new Promise((r) => setTimeout(r, 20));
  return Date.now() - t0;
}

let seq = 0;
async function topicWithSub(ps: PubSub, opts: Record<string, unknown>): Promise<{ topic: string; sub: string }> {
  const n = ++seq;
  const topic = `probe-topic-${n}`;
  const sub = `probe-sub-${n}`;
  await ps.createTopic(topic);
  await ps.topic(topic).createSubscription(sub, opts);
  return { topic, sub };
}

async function publishN(ps: PubSub, topic: string, n: number, ordering = false, key = (i: number) => `k${i % 4}`): Promise<void> {
  const t = ps.topic(topic, { messageOrdering: ordering, batching: { maxMessages: 500, maxMilliseconds: 5 } });
  await Promise.all(Array.from({ length: n }, (_, i) => t.publishMessage({ data: Buffer.from(JSON.stringify({ i })), attributes: { i: String(i), kind: i % 2 ? 'odd' : 'even' }, ...(ordering ? { orderingKey: key(i) } : {}) })));
}

async function throughput(ps: PubSub, mode: 'push' | 'bridge', delayMs: number, n: number): Promise<{ mode: string; delayMs: number; messages: number; seconds: number; perSecond: number; maxInFlight: number; sampleBody?: unknown; samplePath?: string }> {
  const ep = await endpoint(delayMs, () => 204);
  const { topic, sub } = await topicWithSub(ps, mode === 'push' ? { pushConfig: { pushEndpoint: `${ep.url}/projects/${PROJECT}/topics/t` }, ackDeadlineSeconds: 60 } : { ackDeadlineSeconds: 60 });
  let bridge: PushBridge | undefined;
  if (mode === 'bridge') {
    bridge = new PushBridge({ pubsub: ps, projectId: PROJECT, targets: [{ name: 'probe', subscription: sub, topic, url: ep.url }], concurrency: 80 });
    bridge.start();
  }
  const t0 = Date.now();
  await publishN(ps, topic, n);
  await until(() => ep.hits.length >= n, 120_000);
  const seconds = (Date.now() - t0) / 1000;
  await bridge?.stop();
  await ep.close();
  return { mode, delayMs, messages: ep.hits.length, seconds, perSecond: Math.round(ep.hits.length / seconds), maxInFlight: ep.maxInFlight(), sampleBody: ep.hits[0]?.body, samplePath: ep.hits[0]?.path };
}

async function retries(
  ps: PubSub,
  mode: 'push' | 'bridge',
  retryPolicy?: { minimumBackoff: { seconds: number }; maximumBackoff: { seconds: number } },
): Promise<{ mode: string; retryPolicy: unknown; deliveries: number; gapsMs: number[]; deliveryAttempts: unknown[]; deadLettered: boolean; deadLetterAttributes?: Record<string, string> }> {
  const ep = await endpoint(0, () => 500);
  const dlqTopic = `probe-dlq-${++seq}`;
  await ps.createTopic(dlqTopic);
  const [dlqSub] = await ps.topic(dlqTopic).createSubscription(`${dlqTopic}-sub`);
  const deadLetterPolicy = { deadLetterTopic: `projects/${PROJECT}/topics/${dlqTopic}`, maxDeliveryAttempts: 5 };
  const { topic, sub } = await topicWithSub(ps, {
    ...(mode === 'push' ? { pushConfig: { pushEndpoint: `${ep.url}/p` } } : {}),
    deadLetterPolicy,
    ...(retryPolicy ? { retryPolicy } : {}),
  });
  let bridge: PushBridge | undefined;
  if (mode === 'bridge') {
    bridge = new PushBridge({ pubsub: ps, projectId: PROJECT, targets: [{ name: 'probe', subscription: sub, topic, url: ep.url }], minBackoffMs: 1000, maxBackoffMs: 60_000 });
    bridge.start();
  }
  let dead: Record<string, string> | undefined;
  dlqSub.on('message', (m) => {
    dead = { ...m.attributes };
    m.ack();
  });
  await publishN(ps, topic, 1);
  await until(() => dead !== undefined, 60_000);
  await bridge?.stop();
  await dlqSub.close();
  await ep.close();
  const times = ep.hits.map((h) => h.at);
  return { mode, retryPolicy: retryPolicy ?? null, deliveryAttempts: ep.hits.map((h) => h.body.deliveryAttempt ?? null), deliveries: times.length, gapsMs: times.slice(1).map((t, i) => t - (times[i] ?? t)), deadLettered: dead !== undefined, ...(dead ? { deadLetterAttributes: dead } : {}) };
}

async function ordering(ps: PubSub, mode: 'push' | 'bridge' | 'pull-raw'): Promise<{ mode: string; messages: number; outOfOrderPerKey: number; maxInFlight: number }> {
  const ep = await endpoint(5, () => 204);
  const n = 400;
  const { topic, sub } = await topicWithSub(ps, { enableMessageOrdering: true, ...(mode === 'push' ? { pushConfig: { pushEndpoint: `${ep.url}/p` } } : {}) });
  let bridge: PushBridge | undefined;
  const rawOrder: { key: string; i: number }[] = [];
  let raw: ReturnType<PubSub['subscription']> | undefined;
  if (mode === 'bridge') {
    bridge = new PushBridge({ pubsub: ps, projectId: PROJECT, targets: [{ name: 'probe', subscription: sub, topic, url: ep.url }], concurrency: 80 });
    bridge.start();
  } else if (mode === 'pull-raw') {
    raw = ps.subscription(sub, { flowControl: { maxMessages: 80 } });
    raw.on('message', (m) => {
      rawOrder.push({ key: m.orderingKey ?? "", i: Number(m.attributes.i) });
      m.ack();
    });
  }
  await publishN(ps, topic, n, true);
  await until(() => (mode === 'pull-raw' ? rawOrder.length : ep.hits.length) >= n, 60_000);
  await bridge?.stop();
  await raw?.close();
  await ep.close();
  const seen = mode === 'pull-raw' ? rawOrder : ep.hits.map((h) => ({ key: h.body.message?.orderingKey ?? '', i: Number(h.body.message?.attributes?.i) }));
  const last = new Map<string, number>();
  let outOfOrder = 0;
  for (const s of seen) {
    if ((last.get(s.key) ?? -1) > s.i) outOfOrder++;
    last.set(s.key, s.i);
  }
  return { mode, messages: seen.length, outOfOrderPerKey: outOfOrder, maxInFlight: ep.maxInFlight() };
}

async function filter(ps: PubSub): Promise<{ accepted: boolean; delivered: number; published: number; error?: string }> {
  try {
    const { topic, sub } = await topicWithSub(ps, { filter: 'attributes.kind = "even"' });
    const got: string[] = [];
    const s = ps.subscription(sub);
    s.on('message', (m) => {
      got.push(m.attributes.kind ?? '');
      m.ack();
    });
    await publishN(ps, topic, 20);
    await until(() => got.length >= 20, 5000);
    await s.close();
    return { accepted: true, delivered: got.length, published: 20 };
  } catch (err) {
    return { accepted: false, delivered: 0, published: 20, error: (err as Error).message };
  }
}

async function exactlyOnce(ps: PubSub): Promise<{ accepted: boolean; reportedEnabled?: boolean; redeliveredAfterAck: number; error?: string }> {
  try {
    const { topic, sub } = await topicWithSub(ps, { enableExactlyOnceDelivery: true, ackDeadlineSeconds: 10 });
    const [meta] = await ps.subscription(sub).getMetadata();
    let deliveries = 0;
    const s = ps.subscription(sub);
    s.on('message', (m) => {
      deliveries++;
      void m.ackWithResponse().catch(() => undefined);
    });
    await publishN(ps, topic, 50);
    await until(() => deliveries >= 50, 10_000);
    await new Promise((r) => setTimeout(r, 1500));
    await s.close();
    return { accepted: true, reportedEnabled: Boolean(meta.enableExactlyOnceDelivery), redeliveredAfterAck: deliveries - 50 };
  } catch (err) {
    return { accepted: false, redeliveredAfterAck: 0, error: (err as Error).message };
  }
}

async function retryPolicy(ps: PubSub): Promise<{ accepted: boolean; error?: string }> {
  try {
    await topicWithSub(ps, { retryPolicy: { minimumBackoff: { seconds: 10 }, maximumBackoff: { seconds: 600 } } });
    return { accepted: true };
  } catch (err) {
    return { accepted: false, error: (err as Error).message };
  }
}

async function main(): Promise<void> {
  const emu = await startPubSubEmulator({});
  const ps = pubsubClient({ projectId: PROJECT, pubsubHost: emu.host, firestoreHost: '', bigqueryUrl: '' });
  const out: Record<string, unknown> = {};
  try {
    out.throughput = [
      await throughput(ps, 'push', 0, 2000),
      await throughput(ps, 'bridge', 0, 2000),
      await throughput(ps, 'push', 20, 600),
      await throughput(ps, 'bridge', 20, 2000),
    ];
    out.retries = [
      await retries(ps, 'push'),
      await retries(ps, 'push', { minimumBackoff: { seconds: 3 }, maximumBackoff: { seconds: 10 } }),
      await retries(ps, 'bridge'),
    ];
    out.ordering = [await ordering(ps, 'push'), await ordering(ps, 'pull-raw'), await ordering(ps, 'bridge')];
    out.filter = await filter(ps);
    out.exactlyOnce = await exactlyOnce(ps);
    out.retryPolicy = await retryPolicy(ps);
  } finally {
    await ps.close();
    await emu.stop();
  }
  process.stdout.write(JSON.stringify(out, null, 2) + '\n');
}

for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    void stopAllStarted().then(() => process.exit(130));
  });
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
