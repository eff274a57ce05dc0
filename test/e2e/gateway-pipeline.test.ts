// Devices built for Cloud IoT Core through the gateway into the whole local
// pipeline (startStack with the gateway, as `npm run emulate` runs it):
// every event PUBACKed over MQTT is a BigQuery row, IoT Core-style ids and
// payloads (via the registry's payload mapping) land in BigQuery and
// Firestore, and the trusted path is decided by the topic, not the message.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createPrivateKey } from 'node:crypto';
import { SignJWT } from 'jose';
import { COLLECTIONS, DATASET, TABLES, TOPICS } from '../../functions/lib/names.js';
import { GATEWAY_LOCATION, GATEWAY_REGISTRY } from '../../tools/emulate/gateway-component.js';
import { clientId, connectDevice } from '../integration/gateway/mqtt-client.js';
import { deviceToken, ecKey } from '../support/device-keys.js';
import { runCli } from '../support/run-cli.js';
import { startTestStack, type TestStack } from '../support/stack.js';

const N = 60;

describe('e2e: IoT Core devices through the gateway into BigQuery and Firestore', function () {
  this.timeout(300_000);
  let t: TestStack;
  const dir = mkdtempSync(path.join(tmpdir(), 'gw-e2e-'));
  const pump = 'pump.7+a~b%c'; // valid in IoT Core, outside the pipeline's original id rule
  const key = ecKey();

  const rows = async <T>(sql: string, params: Record<string, unknown>): Promise<T[]> => {
    const [r] = await t.bigquery.query({ query: sql, params });
    return r as T[];
  };
  const until = async <T>(what: string, probe: () => Promise<T | undefined | false>, ms = 60_000): Promise<T> => {
    const end = Date.now() + ms;
    for (;;) {
      const v = await probe();
      if (v) return v;
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}\n${t.logTail(40)}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  };
  const devices = (...args: string[]) => runCli('devices', [...args, '--project', t.stack.projectId], { ...process.env, ...t.stack.env, METADATA_SERVER_DETECTION: 'none' });

  before(async function () {
    t = await startTestStack('gwe2e', { gateway: { http: 0, mqtt: 0, mqtts: 0, dir } });
    const mapping = path.join(dir, 'mapping.json');
    writeFileSync(mapping, JSON.stringify({ format: 'json', ts: 't', tsUnit: 's', seq: 'n', readings: '*', state: { door: 'door_state' } }));
    const pub = path.join(dir, 'pump.pem');
    writeFileSync(pub, key.publicPem);
    for (const args of [['create-registry', 'plant-json', '--tenant', 'globex', '--mapping', mapping], ['create', 'plant-json', pump, '--key', pub, '--site', 'globex-austin']]) {
      const r = await devices(...args);
      assert.equal(r.code, 0, r.stderr);
    }
  });
  after(async function () {
    await t?.stop();
  });

  it(`MQTT: ${N} events PUBACKed at QoS 1 are ${N} BigQuery rows, with neither deviceId nor ts in the body`, async function () {
    const dev = 'demo-device-es256';
    const priv = createPrivateKey(readFileSync(t.stack.gateway!.deviceKeys[dev]!, 'utf8'));
    const now = Math.floor(Date.now() / 1000);
    const jwt = await new SignJWT({ iat: now, exp: now + 3600, aud: t.stack.projectId }).setProtectedHeader({ alg: 'ES256' }).sign(priv);
    const c = await connectDevice(`mqtts://localhost:${t.stack.gateway!.ports.mqtts}`, clientId(t.stack.projectId, GATEWAY_LOCATION, GATEWAY_REGISTRY, dev), jwt, { ca: t.stack.gateway!.ca.caCert });
    let acked = 0;
    await Promise.all(
      Array.from({ length: N }, (_, i) =>
        c.client.publishAsync(`/devices/${dev}/events`, JSON.stringify({ seq: i + 1, readings: { temperature: 20 + i / 10 } }), { qos: 1 }).then(() => acked++),
      ),
    );
    await c.client.endAsync();
    assert.equal(acked, N);
    const got = await until('all rows', async () => {
      const r = await rows<{ event_id: string; value: number; tenant_id: string; site: string }>(
        `SELECT event_id, value, tenant_id, site FROM ${DATASET}.${TABLES.readings} WHERE device_id = @d AND metric = 'temperature' ORDER BY seq`, { d: dev });
      return r.length >= N && r;
    });
    assert.equal(got.length, N, 'no duplicates');
    assert.deepEqual(got.map((r) => r.event_id), Array.from({ length: N }, (_, i) => `${dev}:${i + 1}`));
    assert.equal(got[N - 1]!.value, 20 + (N - 1) / 10);
    assert.equal(got[0]!.tenant_id, 'acme');
    assert.equal(got[0]!.site, 'acme-berlin');
  });

  it('HTTP: an IoT Core id and a flat payload, through the registry\'s mapping, into BigQuery and Firestore deviceState', async function () {
    const ts = Math.floor(Date.now() / 1000) - 30;
    const body = { t: ts, n: 7, temp_c: 21.5, hum: 40, door_state: 'open', label: 'ignored: only numbers are readings' };
    const url = `http://127.0.0.1:${t.stack.gateway!.ports.http}/v1/projects/${t.stack.projectId}/locations/us-central1/registries/plant-json/devices/${encodeURIComponent(pump)}:publishEvent`;
    const res = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${await deviceToken(key, t.stack.projectId)}` }, body: JSON.stringify({ binary_data: Buffer.from(JSON.stringify(body)).toString('base64') }) });
    assert.equal(res.status, 200, await res.text());
    const got = await until('pump rows', async () => {
      const r = await rows<{ metric: string; value: number; event_id: string; tenant_id: string; event_time: { value: string } }>(
        `SELECT metric, value, event_id, tenant_id, event_time FROM ${DATASET}.${TABLES.readings} WHERE device_id = @d ORDER BY metric`, { d: pump });
      return r.length >= 2 && r;
    });
    assert.deepEqual(got.map((r) => [r.metric, r.value, r.event_id, r.tenant_id]), [['hum', 40, `${pump}:7`, 'globex'], ['temp_c', 21.5, `${pump}:7`, 'globex']]);
    assert.equal(new Date(got[0]!.event_time.value).getTime(), ts * 1000);
    const state = await until('deviceState', async () => (await t.firestore.collection(COLLECTIONS.deviceState).doc(pump).get()).data());
    assert.equal(state.tenantId, 'globex');
    assert.equal(state.metrics.temp_c.value, 21.5);
    assert.equal(state.state.door.value, 'open');
  });

  it('trust comes from the topic: device-events with a deviceId attribute but none in the body is dead-lettered', async function () {
    const id = await t.pubsub.topic(TOPICS.deviceEvents).publishMessage({ data: Buffer.from(JSON.stringify({ seq: 1, readings: { temperature: 1 } })), attributes: { deviceId: 'demo-device-es256', deviceRegistryId: GATEWAY_REGISTRY } });
    const dl = await until('dead letter', async () => {
      const r = await rows<{ reason: string; stage: string }>(`SELECT reason, stage FROM ${DATASET}.${TABLES.deadLetter} WHERE JSON_VALUE(attributes, '$.messageId') = @m OR JSON_VALUE(attributes, '$.deviceRegistryId') = @r`, { m: id, r: GATEWAY_REGISTRY });
      return r.length > 0 && r;
    });
    assert.equal(dl[0]!.stage, 'validate');
    assert.equal(dl[0]!.reason, 'schema-violation');
  });
});
