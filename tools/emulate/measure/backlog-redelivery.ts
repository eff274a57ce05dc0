// Redeliveries while a backlog drains: the client library's streaming pull
// (flow control 160, 60 s leases, 80 requests at a time) against the push
// bridge's unary pull, both feeding an endpoint that takes 1 s per request.
// Every extra delivery counts toward a subscription's maxDeliveryAttempts.
//
//   node build/tools/emulate/measure/backlog-redelivery.js [messages=6000]
import { Duration, type Message, type PubSub } from '@google-cloud/pubsub';
import { pubsubClient } from '../../lib/emulator-clients.js';
import { stopAllStarted } from '../../lib/process-group.js';
import { startPubSubEmulator } from '../gcloud-emulators.js';
import { PushBridge } from '../push-bridge.js';
import { endpoint } from './endpoint.js';

const PROJECT = 'demo-backlog';

async function run(ps: PubSub, mode: 'streaming-pull' | 'bridge', n: number): Promise<Record<string, unknown>> {
  const ep = await endpoint(1000, () => 204);
  const url = ep.url;
  const distinct = (): number => new Set(ep.hits.map((h) => h.body.message?.messageId)).size;
  // Requests in flight from the streaming-pull pump below (the bridge keeps its own count).
  let inFlight = 0;
  const topic = `backlog-${mode}`;
  await ps.createTopic(topic);
  await ps.createTopic(`${topic}-dlq`);
  await ps.topic(topic).createSubscription(`${topic}-sub`, { ackDeadlineSeconds: 60, deadLetterPolicy: { deadLetterTopic: `projects/${PROJECT}/topics/${topic}-dlq`, maxDeliveryAttempts: 5 } });
  let bridge: PushBridge | undefined;
  let sub: ReturnType<PubSub['subscription']> | undefined;
  if (mode === 'bridge') {
    bridge = new PushBridge({ pubsub: ps, projectId: PROJECT, targets: [{ name: 'probe', subscription: `${topic}-sub`, topic, url }], concurrency: 80 });
    bridge.start();
  } else {
    sub = ps.subscription(`${topic}-sub`, {
      flowControl: { maxMessages: 160, allowExcessMessages: false },
      streamingOptions: { maxStreams: 1 },
      minAckDeadline: Duration.from({ seconds: 60 }),
      maxAckDeadline: Duration.from({ seconds: 600 }),
    });
    const waiting: Message[] = [];
    const pump = (): void => {
      while (inFlight < 80 && waiting.length) {
        const m = waiting.shift() as Message;
        inFlight++;
        void fetch(`${url}/p`, { method: 'POST', body: JSON.stringify({ message: { messageId: m.id } }) })
          .then((r) => r.arrayBuffer())
          .then(() => m.ack(), () => m.nack())
          .finally(() => {
            inFlight--;
            pump();
          });
      }
    };
    sub.on('message', (m: Message) => {
      waiting.push(m);
      pump();
    });
  }
  const t = ps.topic(topic, { batching: { maxMessages: 500, maxMilliseconds: 10 } });
  await Promise.all(Array.from({ length: n }, (_, i) => t.publishMessage({ data: Buffer.from(`m${i}`) })));
  const t0 = Date.now();
  while (distinct() < n && Date.now() - t0 < 300_000) await new Promise((r) => setTimeout(r, 500));
  await new Promise((r) => setTimeout(r, 3000));
  await bridge?.stop();
  await sub?.close();
  await ep.close();
  return { mode, messages: n, delivered: ep.hits.length, extraDeliveries: ep.hits.length - distinct(), seconds: (Date.now() - t0) / 1000 };
}

async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? 6000);
  const emu = await startPubSubEmulator({});
  const ps = pubsubClient({ projectId: PROJECT, pubsubHost: emu.host, firestoreHost: '', bigqueryUrl: '' });
  try {
    const out = [await run(ps, 'streaming-pull', n), await run(ps, 'bridge', n)];
    process.stdout.write(JSON.stringify(out, null, 2) + '\n');
  } finally {
    await ps.close();
    await emu.stop();
  }
}

for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => void stopAllStarted().then(() => process.exit(130)));
main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  void stopAllStarted().then(() => process.exit(1));
});
