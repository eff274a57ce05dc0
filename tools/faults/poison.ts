// The "poison message" proof: a message that fails transiently on every
// delivery must end in telemetry.deadletter as max-delivery-attempts, not
// loop for ever. The five stack functions cannot be made to fail for one
// message only (every permanent problem is dead-lettered by the function
// itself), so this runs the REAL sinkBigquery code as an extra function
// process whose BigQuery answers 503 to everything, and whose Storage Write API
// INTERNAL (a sink that is down for
// good), behind its own subscription with the same dead-letter policy as the
// stack's (maxDeliveryAttempts 5 -> events-deadletter), fed by the same push
// bridge. What the emulator dead-letters is then stored by the stack's real
// sinkDeadletter, so the row proves the whole path.
import http from 'node:http';
import type { PubSub } from '@google-cloud/pubsub';
import { Server, ServerCredentials, status, type ServerDuplexStream } from '@grpc/grpc-js';
import { storageServices } from '../../emulators/bigquery/storage/protos.js';
import { TOPICS } from '../../functions/lib/names.js';
import type { EnrichedEvent } from '../../functions/lib/events.js';
import { LOOPBACK, freePort } from '../lib/ports.js';
import { startFunctionProcess, type NodeComponent } from '../emulate/node-components.js';
import { MAX_DELIVERY_ATTEMPTS } from '../emulate/provision.js';
import { PushBridge } from '../emulate/push-bridge.js';

export const POISON_TOPIC = 'faults-poison';
/** Not a function's subscription, so sinkDeadletter stores it as the row's stage. */
export const POISON_SUBSCRIPTION = 'faults-poison-sink-bigquery';
export const POISON_DEVICE = 'poison-device-01';

export interface PoisonRun {
  /** Messages published; each must come back as one max-delivery-attempts dead letter. */
  readonly published: number;
  readonly eventIds: readonly string[];
  /** Deliveries the bridge made to the always-failing function (>= published x 5 once done). */
  deliveries(): number;
  stop(): Promise<void>;
}

/** Canonical event time (microseconds, as validate writes it). */
function canonical(d: Date): string {
  return d.toISOString().replace('Z', '000Z');
}

export function poisonEvent(seq: number, now: Date): EnrichedEvent {
  const t = canonical(now);
  return {
    eventId: `${POISON_DEVICE}:${seq}`,
    deviceId: POISON_DEVICE,
    seq,
    eventTime: t,
    readings: { temperature: 20 + seq },
    state: {},
    schemaVersion: '1',
    receivedAt: t,
    tenantId: 'acme',
    site: null,
    model: null,
    units: { temperature: 'celsius' },
  };
}

/** An HTTP server that answers 503 to every request: BigQuery, down for good. */
async function startDeadBackend(): Promise<{ url: string; close(): Promise<void> }> {
  const port = await freePort();
  const server = http.createServer((req, res) => {
    req.resume();
    res.writeHead(503, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: { code: 503, message: 'backend unavailable (fault harness)', status: 'UNAVAILABLE' } }));
  });
  await new Promise<void>((r) => server.listen(port, LOOPBACK, () => r()));
  return {
    url: `http://${LOOPBACK}:${port}`,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/**
 * A Storage Write API (gRPC) server that fails every call with INTERNAL: the
 * Storage Write API, down for good. INTERNAL, not UNAVAILABLE, because the
 * client retries UNAVAILABLE on GetWriteStream until the sink's 30 s timeout,
 * which would only make each failing delivery slow.
 */
async function startDeadStorageBackend(): Promise<{ endpoint: string; close(): Promise<void> }> {
  const server = new Server();
  const fail = { code: status.INTERNAL, details: 'backend unavailable (fault harness)' };
  const unary = (_call: unknown, callback: (err: typeof fail) => void): void => callback(fail);
  server.addService(storageServices().write, {
    CreateWriteStream: unary,
    GetWriteStream: unary,
    FinalizeWriteStream: unary,
    BatchCommitWriteStreams: unary,
    FlushRows: unary,
    AppendRows: (call: ServerDuplexStream<unknown, unknown>) => call.destroy(Object.assign(new Error(fail.details), fail)),
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`${LOOPBACK}:0`, ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  return { endpoint: `http://${LOOPBACK}:${port}`, close: () => new Promise<void>((r) => server.tryShutdown(() => r())) };
}

export async function startPoison(opts: {
  pubsub: PubSub;
  projectId: string;
  /** The stack's environment (Pub/Sub, Firestore hosts, project). */
  env: Record<string, string>;
  count: number;
  log: (component: string, line: string) => void;
}): Promise<PoisonRun> {
  const dead = await startDeadBackend();
  const deadStorage = await startDeadStorageBackend();
  let fn: NodeComponent | undefined;
  let bridge: PushBridge | undefined;
  try {
    const [topic] = await opts.pubsub.createTopic(POISON_TOPIC);
    await topic.createSubscription(POISON_SUBSCRIPTION, {
      ackDeadlineSeconds: 60,
      deadLetterPolicy: { deadLetterTopic: `projects/${opts.projectId}/topics/${TOPICS.deadLetter}`, maxDeliveryAttempts: MAX_DELIVERY_ATTEMPTS },
    });
    fn = await startFunctionProcess({
      target: 'sinkBigquery',
      port: await freePort(),
      // Both write paths down: the REST API (insertAll) and the Storage Write API (the default).
      env: { ...opts.env, BIGQUERY_EMULATOR_HOST: dead.url, BQ_STORAGE_ENDPOINT: deadStorage.endpoint, LOG_LEVEL: 'ERROR' },
      onLine: (l) => opts.log('poison-fn', l),
    });
    // Short backoff: the point is the attempt count, not the wait.
    bridge = new PushBridge({
      pubsub: opts.pubsub,
      projectId: opts.projectId,
      targets: [{ name: 'poison', subscription: POISON_SUBSCRIPTION, topic: POISON_TOPIC, url: fn.url }],
      concurrency: 4,
      minBackoffMs: 250,
      maxBackoffMs: 2000,
      log: opts.log,
    });
    bridge.start();
    const now = new Date();
    const events = Array.from({ length: opts.count }, (_, i) => poisonEvent(i + 1, now));
    for (const e of events) {
      await topic.publishMessage({ data: Buffer.from(JSON.stringify(e)), attributes: { eventId: e.eventId, deviceId: e.deviceId, schemaVersion: '1' } });
    }
    const b = bridge;
    const f = fn;
    return {
      published: events.length,
      eventIds: events.map((e) => e.eventId),
      deliveries: () => b.stats().poison?.delivered ?? 0,
      async stop() {
        await b.stop().catch(() => undefined);
        await f.stop();
        await dead.close();
        await deadStorage.close();
      },
    };
  } catch (err) {
    await bridge?.stop().catch(() => undefined);
    await fn?.stop();
    await dead.close();
    await deadStorage.close();
    throw err;
  }
}
