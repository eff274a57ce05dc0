// The MQTT bridge on real emulators with real clients: mqtt.js (TLS and
// plain), a raw mqtt-packet client to withhold PUBACKs, Debian's
// mosquitto_pub / mosquitto_sub, and a paho-mqtt + PyJWT device written the
// way Google's IoT Core sample was. Devices are made with the devices CLI.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Packet } from 'mqtt-packet';
import { GATEWAY_COLLECTIONS as C } from '../../../gateway/names.js';
import { deviceToken, ecKey, rsaKey } from '../../support/device-keys.js';
import { startGatewayEnv, until, type GatewayEnv } from './gateway-env.js';
import { clientId, connackCode, connectDevice, RawClient } from './mqtt-client.js';

const run = promisify(execFile);
const REG = 'fleet-1';
const LOC = 'us-central1';
const SAMPLE = path.resolve(__dirname, '../../../../test/fixtures/gateway/iot_core_device.py');

describe('integration: gateway MQTT bridge with real clients', function () {
  this.timeout(180_000);
  let env: GatewayEnv;
  let plain: string;
  let tls: string;
  const ec = ecKey();
  const rsa = rsaKey();
  const dir = mkdtempSync(path.join(tmpdir(), 'gw-mqtt-'));
  const file = (name: string, text: string) => {
    const p = path.join(dir, name);
    writeFileSync(p, text, { mode: 0o600 });
    return p;
  };
  const id = (dev: string) => clientId(env.projectId, LOC, REG, dev);
  const token = (opts: Parameters<typeof deviceToken>[2] = {}, key = ec) => deviceToken(key, env.projectId, opts);
  const ok = async (...args: string[]) => {
    const r = await env.devices(...args);
    assert.equal(r.code, 0, `devices ${args.join(' ')}: ${r.stderr}`);
    return r;
  };
  const deviceDoc = async (dev: string) => (await env.firestore.doc(`${C.registries}/${REG}/${C.devices}/${dev}`).get()).data()!;

  before(async function () {
    env = await startGatewayEnv('gwmqtt', { GATEWAY_CONFIG_RESEND_MS: '400' });
    plain = `mqtt://127.0.0.1:${env.gateway.mqttPort}`;
    tls = `mqtts://localhost:${env.gateway.mqttsPort}`;
    await ok('create-registry', REG, '--tenant', 'acme', '--location', LOC);
    const ecPub = file('ec.pem', ec.publicPem);
    for (const d of ['dev-a', 'dev-b', 'dev-cfg', 'dev-cmd', 'dev-x.1']) await ok('create', REG, d, '--key', ecPub);
    await ok('create', REG, 'dev-rsa', '--key', file('rsa.pem', rsa.publicPem));
    await ok('create', REG, 'gw-1', '--key', ecPub, '--gateway');
    await ok('create', REG, 'child-1', '--key', ecPub);
    await ok('create', REG, 'child-unbound', '--key', ecPub);
    await ok('bind', REG, 'gw-1', 'child-1');
  });
  after(async function () {
    await env?.stop();
  });

  it('mqtt.js over TLS: QoS 1 events are PUBACKed once Pub/Sub has them, unchanged, with IoT Core attributes', async function () {
    const c = await connectDevice(tls, id('dev-a'), await token(), { ca: env.ca.caCert });
    const before = env.received.length;
    await c.client.publishAsync('/devices/dev-a/events/floor-2/room-9', Buffer.from([1, 2, 3, 0, 255]), { qos: 1 });
    // PUBACK came back: the message is already in Pub/Sub, so the subscription sees it.
    const m = await until('the event on the gateway topic', () => env.received.slice(before).find((r) => r.attributes.deviceId === 'dev-a'));
    assert.deepEqual(m.data, Buffer.from([1, 2, 3, 0, 255]));
    assert.equal(m.attributes.subFolder, 'floor-2/room-9');
    assert.equal(m.attributes.deviceRegistryId, REG);
    assert.equal(m.attributes.deviceRegistryLocation, LOC);
    assert.equal(m.attributes.projectId, env.projectId);
    assert.equal(m.attributes.deviceNumId, (await deviceDoc('dev-a')).numId);
    await c.client.publishAsync('/devices/dev-a/state', 'ok', { qos: 1 });
    assert.equal(Buffer.from((await deviceDoc('dev-a')).state.binaryData, 'base64').toString(), 'ok');
    const presence = (await deviceDoc('dev-a')).connection;
    assert.equal(presence.bridge, env.gateway.mqtt!.opts.bridgeId);
    await c.client.endAsync();
    await until('presence cleared', async () => !(await deviceDoc('dev-a')).connection);
  });

  it('refuses bad, expired, wrong-audience and blocked tokens and bad client ids in CONNACK', async function () {
    const now = Math.floor(Date.now() / 1000);
    assert.equal(await connackCode(plain, id('dev-b'), await token()), 0);
    assert.equal(await connackCode(plain, id('dev-b'), 'not-a-jwt'), 4);
    assert.equal(await connackCode(plain, id('dev-b'), await token({ iat: now - 7200, exp: now - 10 })), 4);
    assert.equal(await connackCode(plain, id('dev-b'), await deviceToken(ec, 'demo-wrong-audience')), 4);
    assert.equal(await connackCode(plain, id('dev-b'), await token({}, rsa)), 4); // not dev-b's key
    assert.equal(await connackCode(plain, id('dev-rsa'), await token({}, rsa)), 0);
    assert.equal(await connackCode(plain, id('no-such-device'), await token()), 4);
    assert.equal(await connackCode(plain, 'dev-b', await token()), 2);
    assert.equal(await connackCode(plain, clientId('demo-other-project', LOC, REG, 'dev-b'), await token()), 5);
    await ok('block', REG, 'dev-b');
    assert.equal(await connackCode(plain, id('dev-b'), await token()), 5);
    await ok('unblock', REG, 'dev-b');
    assert.equal(await connackCode(plain, id('dev-b'), await token()), 0);
  });

  it('blocking a connected device closes its connection', async function () {
    const c = await connectDevice(plain, id('dev-b'), await token());
    await until('presence', async () => (await deviceDoc('dev-b')).connection);
    await ok('block', REG, 'dev-b');
    await c.closed;
    await until('lastErrorStatus', async () => (await deviceDoc('dev-b')).lastErrorStatus?.message === 'the device was blocked');
    await ok('unblock', REG, 'dev-b');
  });

  const closes = [
    { name: "another device's events topic", topic: '/devices/dev-b/events', payload: 'x', qos: 1 as const, reason: /dev-b is not this connection's device/ },
    { name: 'a topic outside IoT Core\'s', topic: 'sensors/dev-a', payload: 'x', qos: 0 as const, reason: /publishing to sensors\/dev-a is not allowed/ },
    { name: 'its own config topic', topic: '/devices/dev-a/config', payload: 'x', qos: 1 as const, reason: /not allowed/ },
    { name: 'QoS 2', topic: '/devices/dev-a/events', payload: 'x', qos: 2 as const, reason: /QoS 2 is not supported/ },
    { name: 'an event over 256 KB', topic: '/devices/dev-a/events', payload: Buffer.alloc(256 * 1024 + 1), qos: 1 as const, reason: /at most 262144/ },
    { name: 'a state over 64 KB', topic: '/devices/dev-a/state', payload: Buffer.alloc(64 * 1024 + 1), qos: 1 as const, reason: /at most 65536/ },
  ];
  for (const k of closes) {
    it(`publishing to ${k.name} closes the connection, and nothing is forwarded`, async function () {
      const c = await connectDevice(plain, id('dev-a'), await token());
      const before = env.received.length;
      c.client.publish(k.topic, k.payload, { qos: k.qos });
      await c.closed;
      await until('lastErrorStatus', async () => k.reason.test((await deviceDoc('dev-a')).lastErrorStatus?.message ?? ''));
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(env.received.slice(before).length, 0);
    });
  }

  it('subscriptions to other devices\' topics are refused in the SUBACK; the connection stays', async function () {
    const raw = new RawClient(env.gateway.mqttPort!);
    raw.send({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, clientId: id('dev-a'), keepalive: 60, username: 'unused', password: Buffer.from(await token()) });
    await until('CONNACK', () => raw.packets.find((p) => p.cmd === 'connack'));
    raw.send({ cmd: 'subscribe', messageId: 7, subscriptions: ['/devices/dev-b/config', '/devices/dev-a/errors', '#', '/devices/dev-a/commands/#'].map((topic) => ({ topic, qos: 1 as const })) });
    const suback = await until('SUBACK', () => raw.packets.find((p): p is Packet & { cmd: 'suback'; granted: number[] } => p.cmd === 'suback'));
    assert.deepEqual(suback.granted, [128, 128, 128, 1]);
    raw.send({ cmd: 'publish', topic: '/devices/dev-a/events', payload: Buffer.from('still here'), qos: 1, messageId: 8, retain: false, dup: false });
    await until('PUBACK', () => raw.packets.find((p) => p.cmd === 'puback'));
    raw.end();
  });

  it('more than 100 messages per second on one connection closes it', async function () {
    const c = await connectDevice(plain, id('dev-a'), await token());
    for (let i = 0; i < 150; i++) c.client.publish('/devices/dev-a/events', `m${i}`, { qos: 0 });
    await c.closed;
    await until('lastErrorStatus', async () => /more than 100 messages per second/.test((await deviceDoc('dev-a')).lastErrorStatus?.message ?? ''));
  });

  it('one connection per device: a second connection with the same client id replaces the first', async function () {
    const first = await connectDevice(plain, id('dev-a'), await token());
    const second = await connectDevice(plain, id('dev-a'), await token());
    await first.closed;
    await second.client.publishAsync('/devices/dev-a/events', 'from the second', { qos: 1 });
    await second.client.endAsync();
  });

  it('the connection closes when the JWT expires', async function () {
    const now = Math.floor(Date.now() / 1000);
    const c = await connectDevice(plain, id('dev-a'), await token({ iat: now, exp: now + 2 }));
    const t0 = Date.now();
    await c.closed;
    assert.ok(Date.now() - t0 < 4000, 'closed at exp');
    await until('lastErrorStatus', async () => (await deviceDoc('dev-a')).lastErrorStatus?.message === 'the JWT has expired');
  });

  it('config: the latest on subscribe, each new version pushed, QoS 1 re-sent until PUBACK, then the ack time recorded', async function () {
    await ok('config', REG, 'dev-cfg', '--data', 'v2');
    const raw = new RawClient(env.gateway.mqttPort!);
    raw.send({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, clientId: id('dev-cfg'), keepalive: 60, username: 'unused', password: Buffer.from(await token()) });
    await until('CONNACK', () => raw.packets.find((p) => p.cmd === 'connack'));
    raw.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: '/devices/dev-cfg/config', qos: 1 }] });
    const publishes = () => raw.packets.filter((p): p is Packet & { cmd: 'publish'; payload: Buffer; messageId: number; dup: boolean } => p.cmd === 'publish');
    const first = await until('config v2', () => publishes()[0]);
    assert.equal(first.payload.toString(), 'v2');
    // No PUBACK: the bridge sends it again (GATEWAY_CONFIG_RESEND_MS=400) with DUP set and the same packet id.
    const again = await until('re-sent config', () => publishes()[1], 5000);
    assert.equal(again.payload.toString(), 'v2');
    assert.equal(again.dup, true);
    assert.equal(again.messageId, first.messageId);
    assert.equal((await deviceDoc('dev-cfg')).config.deviceAckTime, null);
    raw.send({ cmd: 'puback', messageId: first.messageId });
    await until('deviceAckTime', async () => (await deviceDoc('dev-cfg')).config.deviceAckTime);
    const count = publishes().length;
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(publishes().length, count, 'no more re-sends after the PUBACK');
    // A new version from the CLI is pushed to the connected device.
    await ok('config', REG, 'dev-cfg', '--data', 'v3');
    const v3 = await until('config v3', () => publishes().find((p) => p.payload.toString() === 'v3'));
    raw.send({ cmd: 'puback', messageId: v3.messageId });
    await until('v3 acked', async () => {
      const d = await deviceDoc('dev-cfg');
      return d.config.version === 3 && d.config.deviceAckTime;
    });
    const v = (await env.firestore.doc(`${C.registries}/${REG}/${C.devices}/dev-cfg/${C.configVersions}/${'3'.padStart(10, '0')}`).get()).data()!;
    assert.ok(v.deviceAckTime);
    raw.end();
  });

  it('config after reconnect: a version made while the device was offline arrives when it subscribes again', async function () {
    const c1 = await connectDevice(plain, id('dev-cfg'), await token());
    await c1.client.subscribeAsync('/devices/dev-cfg/config', { qos: 1 });
    await until('current config', () => c1.messages.find((m) => m.payload.toString() === 'v3'));
    await c1.client.endAsync();
    await ok('config', REG, 'dev-cfg', '--data', 'v4-while-offline');
    const c2 = await connectDevice(plain, id('dev-cfg'), await token());
    await c2.client.subscribeAsync('/devices/dev-cfg/config', { qos: 1 });
    await until('v4 after reconnect', () => c2.messages.find((m) => m.payload.toString() === 'v4-while-offline'));
    await until('v4 acked (mqtt.js PUBACKs)', async () => (await deviceDoc('dev-cfg')).config.deviceAckTime);
    await c2.client.endAsync();
  });

  it('commands: delivered to a subscribed device (the CLI returns after its PUBACK); FAILED_PRECONDITION once it is offline', async function () {
    const c = await connectDevice(plain, id('dev-cmd'), await token());
    await c.client.subscribeAsync('/devices/dev-cmd/commands/#', { qos: 1 });
    await until('commands subscribed', async () => (await deviceDoc('dev-cmd')).connection?.commandsSubscribed);
    await ok('command', REG, 'dev-cmd', '--data', 'reboot', '--sub-folder', 'power');
    assert.deepEqual(c.messages.map((m) => [m.topic, m.payload.toString()]), [['/devices/dev-cmd/commands/power', 'reboot']]);
    const cmds = (await env.firestore.collection(`${C.registries}/${REG}/${C.devices}/dev-cmd/${C.commands}`).get()).docs.map((d) => d.data());
    assert.equal(cmds.length, 1);
    assert.equal(cmds[0]!.status, 'delivered');
    await c.client.endAsync();
    await until('presence cleared', async () => !(await deviceDoc('dev-cmd')).connection);
    const offline = await env.devices('command', REG, 'dev-cmd', '--data', 'reboot');
    assert.equal(offline.code, 1);
    assert.match(offline.stderr, /FAILED_PRECONDITION: device dev-cmd is not connected/);
  });

  it('gateways: attach a bound device and publish for it; an unbound device is refused on the errors topic', async function () {
    const gw = await connectDevice(plain, id('gw-1'), await token());
    await gw.client.subscribeAsync('/devices/gw-1/errors', { qos: 0 });
    await gw.client.publishAsync('/devices/child-1/attach', JSON.stringify({ authorization: await token() }), { qos: 1 });
    const before = env.received.length;
    await gw.client.publishAsync('/devices/child-1/events', 'from child', { qos: 1 });
    const m = await until('child event', () => env.received.slice(before).find((r) => r.data.toString() === 'from child'));
    assert.equal(m.attributes.deviceId, 'child-1');
    assert.equal(m.attributes.deviceNumId, (await deviceDoc('child-1')).numId);
    await gw.client.subscribeAsync('/devices/child-1/config', { qos: 1 });
    await until('child config', () => gw.messages.find((x) => x.topic === '/devices/child-1/config'));
    await gw.client.publishAsync('/devices/child-unbound/attach', '', { qos: 1 });
    const err = await until('attach error', () => gw.messages.find((x) => x.topic === '/devices/gw-1/errors'));
    assert.match(err.payload.toString(), /"error_type":"GATEWAY_ATTACHMENT_ERROR".*not bound to gateway gw-1/);
    await gw.client.publishAsync('/devices/child-1/detach', '', { qos: 1 });
    gw.client.publish('/devices/child-1/events', 'after detach', { qos: 1 });
    await gw.closed;
  });

  it("Debian's mosquitto_pub and mosquitto_sub over TLS with the local CA", async function () {
    const before = env.received.length;
    const common = ['-h', 'localhost', '-p', String(env.gateway.mqttsPort), '--cafile', env.ca.caCert, '-u', 'unused', '-P', await token(), '-V', 'mqttv311'];
    await run('mosquitto_pub', [...common, '-i', id('dev-x.1'), '-t', '/devices/dev-x.1/events', '-q', '1', '-m', 'hello from mosquitto']);
    const m = await until('mosquitto event', () => env.received.slice(before).find((r) => r.data.toString() === 'hello from mosquitto'));
    assert.equal(m.attributes.deviceId, 'dev-x.1');
    await ok('config', REG, 'dev-x.1', '--data', 'cfg-for-mosquitto');
    const sub = await run('mosquitto_sub', [...common, '-i', id('dev-x.1'), '-t', '/devices/dev-x.1/config', '-q', '1', '-C', '1', '-W', '10']);
    assert.equal(sub.stdout.trim(), 'cfg-for-mosquitto');
  });

  it('a paho-mqtt + PyJWT device as in Google\'s IoT Core sample (ES256 and RS256)', async function () {
    await ok('config', REG, 'dev-rsa', '--data', 'rsa-config');
    for (const [dev, key, alg] of [['dev-x.1', ec, 'ES256'], ['dev-rsa', rsa, 'RS256']] as const) {
      const before = env.received.length;
      const keyFile = file(`${dev}-private.pem`, key.privatePem);
      const out = await run('/usr/bin/python3', [SAMPLE, '--project_id', env.projectId, '--cloud_region', LOC, '--registry_id', REG, '--device_id', dev, '--private_key_file', keyFile,
        '--algorithm', alg, '--ca_certs', env.ca.caCert, '--mqtt_bridge_port', String(env.gateway.mqttsPort), '--num_messages', '5', '--wait_seconds', '1']);
      const lines = out.stdout.trim().split('\n');
      assert.ok(lines.includes('connected 0'), out.stdout);
      assert.ok(lines.includes('published 5'), out.stdout);
      assert.ok(lines.includes(`config ${dev === 'dev-rsa' ? 'rsa-config' : 'cfg-for-mosquitto'}`), out.stdout);
      const got = env.received.slice(before).filter((r) => r.attributes.deviceId === dev).map((r) => r.data.toString()).sort();
      assert.deepEqual(got, [1, 2, 3, 4, 5].map((i) => `${REG}/${dev}-payload-${i}`));
    }
  });
});
