// Section "gateway": the MQTT bridge next to a bare aedes broker, the same
// clients against each in the same run. The bridge does what IoT Core did
// per connection (client id check, ES256 JWT verify, registry read, presence
// write) and per message (topic authorization, rate limit, a Pub/Sub publish
// before the PUBACK, to a Pub/Sub emulator this section starts); the bare
// broker accepts anyone and PUBACKs at once. Both brokers and all clients
// share this process and its 2 cores, so the ratios are what the bridge's
// work costs, not a capacity for a bigger machine.
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { generateKeyPairSync } from 'node:crypto';
import { Aedes } from 'aedes';
import { connectAsync, type MqttClient } from 'mqtt';
import { SignJWT } from 'jose';
import { RegistryAdmin } from '../../gateway/admin.js';
import { loadGatewayConfig } from '../../gateway/config.js';
import { GATEWAY_EVENTS_TOPIC } from '../../gateway/names.js';
import { RegistryStore } from '../../gateway/registry-store.js';
import { startGateway } from '../../gateway/server.js';
import { startFirestoreEmulator, startPubSubEmulator, type RunningEmulator } from '../../tools/emulate/gcloud-emulators.js';
import { firestoreClient, pubsubClient } from '../../tools/lib/emulator-clients.js';
import { LOOPBACK } from '../../tools/lib/ports.js';
import type { SectionContext } from '../section.js';
import type { BenchRow } from '../types.js';

const PROJECT = 'demo-bench-gateway';
const REG = 'bench';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function inBatches<T, U>(items: T[], size: number, fn: (x: T) => Promise<U>): Promise<U[]> {
  const out: U[] = [];
  for (let i = 0; i < items.length; i += size) out.push(...(await Promise.all(items.slice(i, i + size).map(fn))));
  return out;
}

/** Opens `ids.length` connections (at most 100 connecting at once); resolves with the clients and the connections per second. */
async function connectAll(port: number, ids: string[], password: string): Promise<{ clients: MqttClient[]; perSecond: number }> {
  const t0 = performance.now();
  const clients = await inBatches(ids, 100, (id) => connectAsync({ host: LOOPBACK, port, clientId: id, username: 'unused', password, protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 120_000 }));
  return { clients, perSecond: ids.length / ((performance.now() - t0) / 1000) };
}

/** Every client publishes QoS 1 events one at a time (the next after the PUBACK), at most 90/s each, for `ms`. */
async function publishLoad(clients: MqttClient[], topicOf: (i: number) => string, ms: number): Promise<number> {
  let acked = 0;
  const end = performance.now() + ms;
  const t0 = performance.now();
  await Promise.all(
    clients.map(async (c, i) => {
      let sent = 0;
      const start = performance.now();
      while (performance.now() < end) {
        // Stay under the bridge's 100 msg/s per connection.
        const ahead = sent - ((performance.now() - start) / 1000) * 90;
        if (ahead >= 1) await sleep((ahead / 90) * 1000);
        await c.publishAsync(topicOf(i), `{"seq":${sent},"readings":{"temperature":21.5}}`, { qos: 1 });
        sent++;
        acked++;
      }
    }),
  );
  return acked / ((performance.now() - t0) / 1000);
}

const rss = () => process.memoryUsage().rss;

export async function benchGateway(ctx: SectionContext): Promise<BenchRow[]> {
  const devices = ctx.quick ? 300 : 1000;
  const publishers = ctx.quick ? 50 : 200;
  const loadMs = ctx.quick ? 4000 : 10_000;
  const emus: RunningEmulator[] = [];
  const rows: BenchRow[] = [];
  try {
    ctx.progress('starting the Pub/Sub and Firestore emulators');
    const [ps, fs] = await Promise.all([startPubSubEmulator(), startFirestoreEmulator()]);
    emus.push(ps, fs);
    const endpoints = { projectId: PROJECT, pubsubHost: ps.host, firestoreHost: fs.host, bigqueryUrl: 'http://127.0.0.1:9' };
    const pubsub = pubsubClient(endpoints);
    const firestore = firestoreClient(endpoints);
    await pubsub.createTopic(GATEWAY_EVENTS_TOPIC);
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const admin = new RegistryAdmin(new RegistryStore(firestore));
    await admin.createRegistry({ registryId: REG, location: 'us-central1', tenantId: 'bench' });
    const ids = Array.from({ length: devices }, (_, i) => `bench-${String(i).padStart(5, '0')}`);
    ctx.progress(`registering ${devices} devices`);
    await inBatches(ids, 50, (deviceId) =>
      admin.createDevice({ registryId: REG, deviceId, credentials: [{ publicKey: { format: 'ES256_PEM', key: publicKey.export({ type: 'spki', format: 'pem' }).toString() }, expirationTime: null }] }),
    );
    const iat = Math.floor(Date.now() / 1000);
    const jwt = await new SignJWT({ iat, exp: iat + 3600, aud: PROJECT }).setProtectedHeader({ alg: 'ES256' }).sign(privateKey);
    const clientIds = ids.map((d) => `projects/${PROJECT}/locations/us-central1/registries/${REG}/devices/${d}`);

    const gw = await startGateway(loadGatewayConfig({ GOOGLE_CLOUD_PROJECT: PROJECT, GATEWAY_MODE: 'mqtt', GATEWAY_MQTT_PORT: '0', GATEWAY_CACHE_TTL_MS: '60000' }), { pubsub, firestore });
    const bare = await Aedes.createBroker();
    const bareServer = net.createServer((s) => bare.handle(s));
    await new Promise<void>((r) => bareServer.listen(0, LOOPBACK, r));
    const barePort = (bareServer.address() as AddressInfo).port;
    try {
      ctx.progress(`bare aedes: ${devices} connections, then ${publishers} publishers for ${loadMs / 1000} s`);
      const m0 = rss();
      const b = await connectAll(barePort, clientIds, 'unused');
      const bareMem = (rss() - m0) / devices;
      const bareRate = await publishLoad(b.clients.slice(0, publishers), (i) => `/devices/${ids[i]}/events`, loadMs);
      await Promise.all(b.clients.map((c) => c.endAsync(true)));
      await sleep(1000);

      ctx.progress(`gateway MQTT bridge: ${devices} connections, then ${publishers} publishers for ${loadMs / 1000} s`);
      const m1 = rss();
      const g = await connectAll(gw.mqttPort!, clientIds, jwt);
      const held = gw.mqtt!.connectedClients;
      const gwMem = (rss() - m1) / devices;
      const gwRate = await publishLoad(g.clients.slice(0, publishers), (i) => `/devices/${ids[i]}/events`, loadMs);
      await Promise.all(g.clients.map((c) => c.endAsync(true)));

      rows.push(
        { group: 'gateway', name: `MQTT connections held (${devices} devices, ES256 JWT each)`, unit: 'connections', value: held, baselineName: 'bare aedes, same clients', baseline: b.clients.length, ratio: held / b.clients.length, target: 'ratio = 1', pass: held === b.clients.length },
        { group: 'gateway', name: 'connects per second (100 at once)', unit: 'conn/s', value: Math.round(g.perSecond), baselineName: 'bare aedes (no auth)', baseline: Math.round(b.perSecond), ratio: g.perSecond / b.perSecond },
        { group: 'gateway', name: `QoS 1 events PUBACKed per second (${publishers} devices, one in flight each, <= 90/s each)`, unit: 'msg/s', value: Math.round(gwRate), baselineName: 'bare aedes (PUBACK at once, no Pub/Sub)', baseline: Math.round(bareRate), ratio: gwRate / bareRate },
        { group: 'gateway', name: 'RSS per connection (clients in the same process)', unit: 'KiB', value: Math.round(gwMem / 1024), baselineName: 'bare aedes', baseline: Math.round(bareMem / 1024), ratio: bareMem > 0 ? gwMem / bareMem : 0 },
      );
      ctx.note(`gateway: the bridge's PUBACK waits for the Pub/Sub emulator's publish (GATEWAY_PUBLISH_BATCH_MS=5 batching); brokers and clients share one process on this machine.`);
    } finally {
      await gw.stop();
      bareServer.close();
      await new Promise<void>((r) => bare.close(() => r()));
      // Not firestore.terminate(): the bridge's presence transactions for the closed connections are still queued,
      // and a terminated client fails them inside the library; they fail (caught, logged) when the emulator stops.
      await pubsub.close().catch(() => undefined);
    }
  } finally {
    await Promise.allSettled(emus.map((e) => e.stop()));
  }
  return rows;
}
