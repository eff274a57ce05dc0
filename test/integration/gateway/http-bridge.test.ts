// The HTTP bridge and the registry on the real Pub/Sub and Firestore
// emulators, with devices made by the devices CLI as an operator would:
// events reach the gateway topic unchanged with IoT Core's attributes,
// state and config land in Firestore with their history bounds, and every
// refusal answers Google's error JSON with the right code.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { RegistryAdmin } from '../../../gateway/admin.js';
import { GATEWAY_COLLECTIONS as C } from '../../../gateway/names.js';
import { RegistryStore } from '../../../gateway/registry-store.js';
import { deviceToken, ecKey, rsaKey, selfSignedCert } from '../../support/device-keys.js';
import { startGatewayEnv, until, type GatewayEnv } from './gateway-env.js';

const REG = 'plant-a';
const LOC = 'europe-west1';

describe('integration: gateway HTTP bridge, registry and devices CLI', function () {
  this.timeout(180_000);
  let env: GatewayEnv;
  let base: string;
  const ec = ecKey();
  const rsa = rsaKey();
  const dir = mkdtempSync(path.join(tmpdir(), 'gw-http-'));
  const file = (name: string, text: string) => {
    const p = path.join(dir, name);
    writeFileSync(p, text);
    return p;
  };
  // An IoT Core-valid id the pipeline's old rule would refuse (dots, plus, tilde, percent).
  const DEV = 'pump.7+a~b%c';
  const url = (dev: string, suffix: string) => `${base}/v1/projects/${env.projectId}/locations/${LOC}/registries/${REG}/devices/${encodeURIComponent(dev)}${suffix}`;
  const call = async (dev: string, suffix: string, opts: { token?: string | null; body?: unknown; method?: string } = {}) => {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (opts.token !== null) headers.authorization = `Bearer ${opts.token ?? (await deviceToken(ec, env.projectId))}`;
    const res = await fetch(url(dev, suffix), { method: opts.method ?? (opts.body === undefined ? 'GET' : 'POST'), headers, ...(opts.body !== undefined ? { body: typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body) } : {}) });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const googleError = (r: { status: number; body: Record<string, unknown> }, code: number, status: string, message?: RegExp) => {
    assert.equal(r.status, code, JSON.stringify(r.body));
    const e = r.body.error as { code: number; status: string; message: string };
    assert.equal(e.code, code);
    assert.equal(e.status, status);
    if (message) assert.match(e.message, message);
  };

  before(async function () {
    env = await startGatewayEnv('gwhttp');
    base = `http://127.0.0.1:${env.gateway.httpPort}`;
    const ok = async (...args: string[]) => {
      const r = await env.devices(...args);
      assert.equal(r.code, 0, `devices ${args.join(' ')}: ${r.stderr}`);
      return r;
    };
    await ok('create-registry', REG, '--tenant', 'acme', '--location', LOC);
    await ok('create', REG, DEV, '--key', file('ec.pem', ec.publicPem), '--site', 'north');
    await ok('keys', REG, DEV, '--add', '--key', file('rsa.pem', rsa.publicPem));
    await ok('create', REG, 'cert-device', '--key', file('cert.pem', selfSignedCert(ec)));
  });
  after(async function () {
    await env?.stop();
  });

  it('publishEvent: the bytes reach the gateway topic unchanged, with IoT Core attributes (camelCase and snake_case)', async function () {
    const bytes = Buffer.from([0, 1, 2, 250, 255, 10]);
    assert.deepEqual((await call(DEV, ':publishEvent', { body: { binaryData: bytes.toString('base64'), subFolder: 'telemetry/fast' } })).body, {});
    const rsaToken = await deviceToken(rsa, env.projectId);
    assert.equal((await call(DEV, ':publishEvent', { token: rsaToken, body: { binary_data: Buffer.from('{"t":1}').toString('base64') } })).status, 200);
    const got = await until('two events', () => env.received.length >= 2 && env.received);
    const dev = (await env.firestore.doc(`${C.registries}/${REG}/${C.devices}/${DEV}`).get()).data()!;
    const first = got.find((m) => m.attributes.subFolder === 'telemetry/fast')!;
    assert.deepEqual(first.data, bytes);
    const { gatewayReceiveTime, ...attrs } = first.attributes;
    assert.deepEqual(attrs, { deviceId: DEV, deviceNumId: dev.numId, deviceRegistryId: REG, deviceRegistryLocation: LOC, projectId: env.projectId, subFolder: 'telemetry/fast' });
    assert.ok(Math.abs(Date.parse(gatewayReceiveTime!) - Date.now()) < 60_000);
    const second = got.find((m) => m.attributes.subFolder === undefined)!;
    assert.equal(second.data.toString(), '{"t":1}');
  });

  it('a device made with an X.509 certificate authenticates', async function () {
    assert.equal((await call('cert-device', ':publishEvent', { body: { binaryData: 'AA==' } })).status, 200);
  });

  it('create also registers the device for the pipeline (tenant, site, status)', async function () {
    const p = (await env.firestore.doc(`devices/${DEV}`).get()).data();
    assert.deepEqual(p, { tenantId: 'acme', registryId: REG, status: 'active', site: 'north' });
  });

  it('setState: the current state and a history of the last 10', async function () {
    for (let i = 1; i <= 12; i++) {
      assert.equal((await call(DEV, ':setState', { body: i % 2 ? { state: { binaryData: Buffer.from(`s${i}`).toString('base64') } } : { state: { binary_data: Buffer.from(`s${i}`).toString('base64') } } })).status, 200);
    }
    const ref = env.firestore.doc(`${C.registries}/${REG}/${C.devices}/${DEV}`);
    const dev = (await ref.get()).data()!;
    assert.equal(Buffer.from(dev.state.binaryData, 'base64').toString(), 's12');
    const states = (await ref.collection(C.states).get()).docs.map((d) => Buffer.from(d.data().binaryData, 'base64').toString()).sort((a, b) => Number(a.slice(1)) - Number(b.slice(1)));
    assert.deepEqual(states, ['s3', 's4', 's5', 's6', 's7', 's8', 's9', 's10', 's11', 's12']);
    assert.ok((await ref.collection(C.states).get()).docs.every((d) => d.data().tenantId === 'acme'));
  });

  it('config: versions from the CLI, 10 kept, versionToUpdate guard, local_version', async function () {
    const initial = await call(DEV, '/config?local_version=0');
    assert.deepEqual(initial.body, { version: '1', binaryData: '' });
    // Versions 2-11 through the admin API in-process (the CLI is a process start each), 12 through the CLI.
    const admin = new RegistryAdmin(new RegistryStore(env.firestore));
    for (let i = 2; i <= 11; i++) await admin.modifyConfig(REG, DEV, Buffer.from(`cfg-${i}`));
    assert.equal((await env.devices('config', REG, DEV, '--data', 'cfg-12')).code, 0);
    const guarded = await env.devices('config', REG, DEV, '--data', 'late', '--version-to-update', '5');
    assert.equal(guarded.code, 1);
    assert.match(guarded.stderr, /FAILED_PRECONDITION: versionToUpdate 5 is not the current config version 12/);
    assert.equal((await env.devices('config', REG, DEV, '--data', 'cfg-13', '--version-to-update', '12')).code, 0);
    const cur = await call(DEV, '/config?localVersion=4');
    assert.deepEqual(cur.body, { version: '13', binaryData: Buffer.from('cfg-13').toString('base64') });
    googleError(await call(DEV, '/config?local_version=14'), 400, 'OUT_OF_RANGE', /newer than the latest config version 13/);
    const versions = (await env.firestore.collection(`${C.registries}/${REG}/${C.devices}/${DEV}/${C.configVersions}`).get()).docs.map((d) => d.data().version as number).sort((a, b) => a - b);
    assert.deepEqual(versions, [4, 5, 6, 7, 8, 9, 10, 11, 12, 13]);
  });

  it('refusals answer Google error JSON: no token, expired, wrong audience, unknown device, bad body, oversize', async function () {
    const body = { binaryData: 'AA==' };
    const now = Math.floor(Date.now() / 1000);
    googleError(await call(DEV, ':publishEvent', { token: null, body }), 401, 'UNAUTHENTICATED', /Authorization: Bearer/);
    googleError(await call(DEV, ':publishEvent', { token: await deviceToken(ec, env.projectId, { iat: now - 7200, exp: now - 60 }), body }), 401, 'UNAUTHENTICATED', /expired/);
    googleError(await call(DEV, ':publishEvent', { token: await deviceToken(ec, 'demo-someone-else'), body }), 401, 'UNAUTHENTICATED', /aud must be the project id/);
    googleError(await call(DEV, ':publishEvent', { token: await deviceToken(ecKey(), env.projectId), body }), 401, 'UNAUTHENTICATED', /signature/);
    googleError(await call('no-such-device', ':publishEvent', { body }), 401, 'UNAUTHENTICATED');
    googleError(await call(DEV, ':publishEvent', { body: { binaryData: 'not base64!' } }), 400, 'INVALID_ARGUMENT', /not base64/);
    googleError(await call(DEV, ':publishEvent', { body: '{"binaryData":' }), 400, 'INVALID_ARGUMENT', /not JSON/);
    googleError(await call(DEV, ':publishEvent', { body: { binaryData: Buffer.alloc(256 * 1024 + 1).toString('base64') } }), 400, 'INVALID_ARGUMENT', /at most 262144/);
    googleError(await call(DEV, ':publishEvent', { body: { binaryData: 'AA==', subFolder: 'a b' } }), 400, 'INVALID_ARGUMENT', /subFolder/);
    googleError(await call(DEV, ':setState', { body: { state: { binaryData: Buffer.alloc(64 * 1024 + 1).toString('base64') } } }), 400, 'INVALID_ARGUMENT', /at most 65536/);
    googleError(await call(DEV, ':publishEvent', { method: 'GET' }), 400, 'INVALID_ARGUMENT', /takes POST/);
    const res = await fetch(`${base}/v1/projects/${env.projectId}/locations/${LOC}/registries/${REG}/devices/${DEV}:delete`, { method: 'POST' });
    assert.equal(res.status, 404);
    // A token for another project in the path.
    const other = await fetch(url(DEV, ':publishEvent').replace(env.projectId, 'demo-other-project'), { method: 'POST', headers: { authorization: `Bearer ${await deviceToken(ec, env.projectId)}` }, body: JSON.stringify(body) });
    assert.equal(other.status, 403);
  });

  it('a blocked device is refused (PERMISSION_DENIED) until unblocked', async function () {
    assert.equal((await env.devices('block', REG, DEV)).code, 0);
    googleError(await call(DEV, ':publishEvent', { body: { binaryData: 'AA==' } }), 403, 'PERMISSION_DENIED', /blocked/);
    assert.equal((await env.devices('unblock', REG, DEV)).code, 0);
    assert.equal((await call(DEV, ':publishEvent', { body: { binaryData: 'AA==' } })).status, 200);
  });

  it('CLI: a command to a device that is not connected is FAILED_PRECONDITION; bad ids and a fourth key are refused', async function () {
    const cmd = await env.devices('command', REG, DEV, '--data', 'reboot');
    assert.equal(cmd.code, 1);
    assert.match(cmd.stderr, /FAILED_PRECONDITION: device pump\.7\+a~b%c is not connected/);
    const bad = await env.devices('create', REG, '9starts-with-digit');
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /INVALID_ARGUMENT: device id "9starts-with-digit" must be 3-255 characters/);
    assert.equal((await env.devices('keys', REG, DEV, '--add', '--key', file('ec2.pem', ecKey().publicPem))).code, 0);
    const fourth = await env.devices('keys', REG, DEV, '--add', '--key', file('ec3.pem', ecKey().publicPem));
    assert.equal(fourth.code, 1);
    assert.match(fourth.stderr, /already has 3 credentials/);
    const dup = await env.devices('create', REG, DEV);
    assert.match(dup.stderr, /ALREADY_EXISTS/);
    const usage = await env.devices('frobnicate', REG);
    assert.equal(usage.code, 2);
  });
});
