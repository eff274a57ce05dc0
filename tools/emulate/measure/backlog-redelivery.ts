// Redeliveries while a backlog drains: the client library's streaming pull
// (flow control 160, 60 s leases, 80 requests at a time) against the push
// bridge's unary pull, both feeding an endpoint that takes 1 s per request.
// Every extra delivery counts toward a subscription's maxDeliveryAttempts.
//
//   node build/tools/emulate/measure/backlog-redelivery.js [messages=6000]
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Duration, type Message, type PubSub } from '@google-cloud/pubsub';
import { pubsubClient } from '../../lib/emulator-clients.js';
import { stopAllStarted } from '../../lib/process-group.js';
import { startPubSubEmulator } from '../gcloud-emulators.js';
import { PushBridge } from '../push-bridge.js';

const PROJECT = 'demo-backlog';

async function run(ps: PubSub, mode: 'streaming-pull' | 'bridge', n: number): Promise<Record<string, unknown>> {
  const seen = new Map<string, number>();
  let hits = 0;
  let inFlight = 0;
  const srv = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      hits++;
      const id = (JSON.parse(body) as { message: { messageId: string } }).message.messageId;
      seen.set(id, (seen.get(id) ?? 0) + 1);
      setTimeout(() => res.writeHead(204).end(), 1000);
    });
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(srv.address() as AddressInfo).port}`;
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
  while (seen.size < n && Date.now() - t0 < 300_000) await new Promise((r) => setTimeout(r, 500));
  await new Promise((r) => setTimeout(r, 3000));
  await bridge?.stop();
  await sub?.close();
  srv.closeAllConnections();
  srv.close();
  return { mode, messages: n, delivered: hits, extraDeliveries: hits - seen.size, seconds: (Date.now() - t0) / 1000 };
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
