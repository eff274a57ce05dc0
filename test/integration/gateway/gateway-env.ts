// The gateway against real emulators for integration tests: Pub/Sub and
// Firestore emulators on free ports, the gateway's topic with a pull
// subscription that records what arrives, the gateway itself in-process,
// and the devices CLI run as a child process against the same emulators.
import { randomBytes } from 'node:crypto';
import type { Firestore } from '@google-cloud/firestore';
import type { Message, PubSub, Subscription } from '@google-cloud/pubsub';
import { loadGatewayConfig, type GatewayConfig } from '../../../gateway/config.js';
import { GATEWAY_EVENTS_TOPIC } from '../../../gateway/names.js';
import { startGateway, type RunningGateway } from '../../../gateway/server.js';
import { startFirestoreEmulator, startPubSubEmulator, type RunningEmulator } from '../../../tools/emulate/gcloud-emulators.js';
import { firestoreClient, pubsubClient } from '../../../tools/lib/emulator-clients.js';
import { ensureLocalCa, type LocalCa } from '../../../tools/emulate/local-ca.js';
import { runCli, type CliRun } from '../../support/run-cli.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface Received {
  data: Buffer;
  attributes: Record<string, string>;
}

export interface GatewayEnv {
  projectId: string;
  pubsub: PubSub;
  firestore: Firestore;
  gateway: RunningGateway;
  received: Received[];
  ca: LocalCa;
  devices(...args: string[]): Promise<CliRun>;
  stop(): Promise<void>;
}

export async function startGatewayEnv(prefix: string, env: Record<string, string> = {}): Promise<GatewayEnv> {
  const projectId = `demo-${prefix}-${randomBytes(3).toString('hex')}`;
  const started: RunningEmulator[] = [];
  try {
    const [ps, fs] = await Promise.all([startPubSubEmulator(), startFirestoreEmulator()]);
    started.push(ps, fs);
    const endpoints = { projectId, pubsubHost: ps.host, firestoreHost: fs.host, bigqueryUrl: 'http://127.0.0.1:9' };
    const pubsub = pubsubClient(endpoints);
    const firestore = firestoreClient(endpoints);
    const [topic] = await pubsub.createTopic(GATEWAY_EVENTS_TOPIC);
    const [sub] = await topic.createSubscription(`${GATEWAY_EVENTS_TOPIC}-test`);
    const received: Received[] = [];
    collect(sub, received);
    const ca = ensureLocalCa(mkdtempSync(path.join(tmpdir(), 'gw-ca-')));
    const cfg: GatewayConfig = loadGatewayConfig({
      GOOGLE_CLOUD_PROJECT: projectId,
      GATEWAY_HTTP_PORT: '0',
      GATEWAY_MQTT_PORT: '0',
      GATEWAY_MQTTS_PORT: '0',
      GATEWAY_TLS_CERT: ca.serverCert,
      GATEWAY_TLS_KEY: ca.serverKey,
      GATEWAY_CACHE_TTL_MS: '0',
      ...env,
    });
    const gateway = await startGateway(cfg, { pubsub, firestore });
    const cliEnv = { ...process.env, FIRESTORE_EMULATOR_HOST: fs.host, PUBSUB_EMULATOR_HOST: ps.host, METADATA_SERVER_DETECTION: 'none' };
    return {
      projectId,
      pubsub,
      firestore,
      gateway,
      received,
      ca,
      devices: (...args) => runCli('devices', [...args, '--project', projectId], cliEnv),
      async stop() {
        // Bounded: Firestore writes still queued (presence, acks after a storm) must not hold the run; the emulators go next anyway.
        const bounded = (p: Promise<unknown>) => Promise.race([p.catch(() => undefined), new Promise((r) => setTimeout(r, 15_000).unref())]);
        await bounded(gateway.stop());
        await bounded(sub.close());
        await bounded(Promise.allSettled([pubsub.close(), firestore.terminate()]));
        await Promise.allSettled(started.map((e) => e.stop()));
      },
    };
  } catch (err) {
    await Promise.allSettled(started.map((e) => e.stop()));
    throw err;
  }
}

function collect(sub: Subscription, into: Received[]): void {
  sub.on('message', (m: Message) => {
    into.push({ data: m.data, attributes: { ...m.attributes } });
    m.ack();
  });
  sub.on('error', () => undefined);
}

export async function until<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 15_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
