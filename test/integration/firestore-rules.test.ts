// firestore.rules on the real Firestore emulator, through the web SDK as an
// app user would reach it: tenant-scoped reads of devices and deviceState,
// nothing else readable, nothing writable. Table-driven: each case names the
// user, the operation and whether the rules must allow it.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  assertFails,
  assertSucceeds,
  initializeTestEnvironment,
  type RulesTestContext,
  type RulesTestEnvironment,
} from '@firebase/rules-unit-testing';
import { setLogLevel } from 'firebase/firestore';
import { COLLECTIONS } from '../../functions/lib/names.js';
import { startFirestoreEmulator, type RunningEmulator } from '../../tools/emulate/gcloud-emulators.js';
import { LOOPBACK } from '../../tools/lib/ports.js';

const ROOT = path.resolve(__dirname, '../../..');
const DEVICES = COLLECTIONS.devices;
const STATE = COLLECTIONS.deviceState;
const KEYS = 'deviceKeys';

type Db = ReturnType<RulesTestContext['firestore']>;
type Actor = 'alice (tenant-a)' | 'bob (tenant-b)' | 'no tenant claim' | 'empty tenant claim' | 'numeric tenant claim' | 'unauthenticated';

interface Case {
  actor: Actor;
  what: string;
  allowed: boolean;
  op: (db: Db) => Promise<unknown>;
  /** For allowed list queries: the document ids it must return. */
  expectIds?: string[];
}

// Seeded with rules disabled (as the functions' server credentials would).
const SEED: Record<string, Record<string, unknown>> = {
  [`${DEVICES}/dev-a1`]: { tenantId: 'tenant-a', site: 'north', model: 'th-1', status: 'active', units: { temperature: 'celsius' } },
  [`${DEVICES}/dev-a2`]: { tenantId: 'tenant-a', site: 'south', model: 'th-1', status: 'disabled' },
  [`${DEVICES}/dev-b1`]: { tenantId: 'tenant-b', site: 'east', model: 'th-2', status: 'active' },
  [`${STATE}/dev-a1`]: { tenantId: 'tenant-a', lastSeen: '2026-11-24T20:00:00.000Z', metrics: { temperature: { value: 21.5 } } },
  [`${STATE}/dev-b1`]: { tenantId: 'tenant-b', lastSeen: '2026-11-24T20:00:01.000Z', metrics: { temperature: { value: 19 } } },
  [`${KEYS}/dev-a1`]: { tenantId: 'tenant-a', key: 'c2VjcmV0LWtleS1hMQ==' },
  [`other/doc-a`]: { tenantId: 'tenant-a', note: 'not a pipeline collection' },
  [`${DEVICES}/dev-a1/history/h1`]: { tenantId: 'tenant-a' },
  // The device gateway's registry.
  ['registries/reg-a']: { tenantId: 'tenant-a', location: 'us-central1' },
  ['registries/reg-a/devices/gw.dev+1']: { tenantId: 'tenant-a', numId: '1', config: { version: 2 } },
  ['registries/reg-a/devices/gw.dev+1/configVersions/0000000002']: { tenantId: 'tenant-a', version: 2, deviceAckTime: '2026-11-24T20:00:00Z' },
  ['registries/reg-a/devices/gw.dev+1/states/0']: { tenantId: 'tenant-a', binaryData: 'b2s=' },
  ['registries/reg-a/devices/gw.dev+1/commands/c1']: { tenantId: 'tenant-a', status: 'delivered' },
  ['registries/reg-a/devices/gw.dev+1/secrets/s1']: { tenantId: 'tenant-a' },
  ['registries/reg-b']: { tenantId: 'tenant-b', location: 'us-central1' },
  ['registries/reg-b/devices/gw-b1']: { tenantId: 'tenant-b', numId: '2' },
};

const get = (p: string) => (db: Db) => db.doc(p).get();
const listWhereTenant = (coll: string, tenant: unknown) => (db: Db) => db.collection(coll).where('tenantId', '==', tenant).get();
const listAll = (coll: string) => (db: Db) => db.collection(coll).get();

const CASES: Case[] = [
  // devices: own tenant only
  { actor: 'alice (tenant-a)', what: `get ${DEVICES}/dev-a1 (own tenant)`, allowed: true, op: get(`${DEVICES}/dev-a1`) },
  { actor: 'alice (tenant-a)', what: `get ${DEVICES}/dev-b1 (tenant B)`, allowed: false, op: get(`${DEVICES}/dev-b1`) },
  { actor: 'bob (tenant-b)', what: `get ${DEVICES}/dev-b1 (own tenant)`, allowed: true, op: get(`${DEVICES}/dev-b1`) },
  { actor: 'bob (tenant-b)', what: `get ${DEVICES}/dev-a1 (tenant A)`, allowed: false, op: get(`${DEVICES}/dev-a1`) },
  { actor: 'unauthenticated', what: `get ${DEVICES}/dev-a1`, allowed: false, op: get(`${DEVICES}/dev-a1`) },
  { actor: 'no tenant claim', what: `get ${DEVICES}/dev-a1`, allowed: false, op: get(`${DEVICES}/dev-a1`) },
  { actor: 'empty tenant claim', what: `get ${DEVICES}/dev-a1`, allowed: false, op: get(`${DEVICES}/dev-a1`) },
  { actor: 'numeric tenant claim', what: `get ${DEVICES}/dev-a1`, allowed: false, op: get(`${DEVICES}/dev-a1`) },
  { actor: 'alice (tenant-a)', what: `get ${DEVICES}/nope (nonexistent)`, allowed: false, op: get(`${DEVICES}/nope`) },
  { actor: 'alice (tenant-a)', what: `get ${DEVICES}/dev-a1/history/h1 (subcollection)`, allowed: false, op: get(`${DEVICES}/dev-a1/history/h1`) },

  // deviceState: own tenant only
  { actor: 'alice (tenant-a)', what: `get ${STATE}/dev-a1 (own tenant)`, allowed: true, op: get(`${STATE}/dev-a1`) },
  { actor: 'alice (tenant-a)', what: `get ${STATE}/dev-b1 (tenant B)`, allowed: false, op: get(`${STATE}/dev-b1`) },
  { actor: 'bob (tenant-b)', what: `get ${STATE}/dev-a1 (tenant A)`, allowed: false, op: get(`${STATE}/dev-a1`) },
  { actor: 'unauthenticated', what: `get ${STATE}/dev-a1`, allowed: false, op: get(`${STATE}/dev-a1`) },
  { actor: 'no tenant claim', what: `get ${STATE}/dev-a1`, allowed: false, op: get(`${STATE}/dev-a1`) },
  { actor: 'alice (tenant-a)', what: `get ${STATE}/nope (nonexistent)`, allowed: false, op: get(`${STATE}/nope`) },

  // listing: only a query constrained to the user's own tenant
  { actor: 'alice (tenant-a)', what: `list ${DEVICES} where tenantId == tenant-a`, allowed: true, op: listWhereTenant(DEVICES, 'tenant-a'), expectIds: ['dev-a1', 'dev-a2'] },
  { actor: 'bob (tenant-b)', what: `list ${DEVICES} where tenantId == tenant-b`, allowed: true, op: listWhereTenant(DEVICES, 'tenant-b'), expectIds: ['dev-b1'] },
  {
    actor: 'alice (tenant-a)',
    what: `list ${DEVICES} where tenantId == tenant-a and status == active`,
    allowed: true,
    op: (db) => db.collection(DEVICES).where('tenantId', '==', 'tenant-a').where('status', '==', 'active').get(),
    expectIds: ['dev-a1'],
  },
  { actor: 'alice (tenant-a)', what: `list ${DEVICES} without a tenant filter`, allowed: false, op: listAll(DEVICES) },
  { actor: 'alice (tenant-a)', what: `list ${DEVICES} where tenantId == tenant-b`, allowed: false, op: listWhereTenant(DEVICES, 'tenant-b') },
  { actor: 'alice (tenant-a)', what: `list ${DEVICES} where site == north (no tenant filter)`, allowed: false, op: (db) => db.collection(DEVICES).where('site', '==', 'north').get() },
  { actor: 'unauthenticated', what: `list ${DEVICES} where tenantId == tenant-a`, allowed: false, op: listWhereTenant(DEVICES, 'tenant-a') },
  { actor: 'no tenant claim', what: `list ${DEVICES} where tenantId == null`, allowed: false, op: listWhereTenant(DEVICES, null) },
  {
    actor: 'alice (tenant-a)',
    what: `list ${STATE} where tenantId == tenant-a order by lastSeen desc (the dashboard query)`,
    allowed: true,
    op: (db) => db.collection(STATE).where('tenantId', '==', 'tenant-a').orderBy('lastSeen', 'desc').get(),
    expectIds: ['dev-a1'],
  },
  { actor: 'alice (tenant-a)', what: `list ${STATE} without a tenant filter`, allowed: false, op: listAll(STATE) },
  { actor: 'bob (tenant-b)', what: `list ${STATE} where tenantId == tenant-a`, allowed: false, op: listWhereTenant(STATE, 'tenant-a') },
  { actor: 'alice (tenant-a)', what: 'collection-group query on history with tenant filter', allowed: false, op: (db) => db.collectionGroup('history').where('tenantId', '==', 'tenant-a').get() },

  // deviceKeys: never, for anyone
  { actor: 'alice (tenant-a)', what: `get ${KEYS}/dev-a1 (own tenant's device key)`, allowed: false, op: get(`${KEYS}/dev-a1`) },
  { actor: 'bob (tenant-b)', what: `get ${KEYS}/dev-a1`, allowed: false, op: get(`${KEYS}/dev-a1`) },
  { actor: 'unauthenticated', what: `get ${KEYS}/dev-a1`, allowed: false, op: get(`${KEYS}/dev-a1`) },
  { actor: 'alice (tenant-a)', what: `list ${KEYS} where tenantId == tenant-a`, allowed: false, op: listWhereTenant(KEYS, 'tenant-a') },
  { actor: 'alice (tenant-a)', what: `set ${KEYS}/dev-a1`, allowed: false, op: (db) => db.doc(`${KEYS}/dev-a1`).set({ tenantId: 'tenant-a', key: 'mine' }) },

  // any other collection: closed
  { actor: 'alice (tenant-a)', what: 'get other/doc-a (tenantId matches, collection not open)', allowed: false, op: get('other/doc-a') },
  { actor: 'alice (tenant-a)', what: 'list other where tenantId == tenant-a', allowed: false, op: listWhereTenant('other', 'tenant-a') },
  { actor: 'unauthenticated', what: 'set other/new', allowed: false, op: (db) => db.doc('other/new').set({ x: 1 }) },

  // writes by clients: all denied, own tenant included
  { actor: 'alice (tenant-a)', what: `set ${DEVICES}/dev-a1 (own tenant)`, allowed: false, op: (db) => db.doc(`${DEVICES}/dev-a1`).set({ tenantId: 'tenant-a', status: 'active' }) },
  { actor: 'alice (tenant-a)', what: `create ${DEVICES}/dev-new for own tenant`, allowed: false, op: (db) => db.doc(`${DEVICES}/dev-new`).set({ tenantId: 'tenant-a' }) },
  { actor: 'alice (tenant-a)', what: `update ${DEVICES}/dev-a1 status`, allowed: false, op: (db) => db.doc(`${DEVICES}/dev-a1`).update({ status: 'disabled' }) },
  { actor: 'alice (tenant-a)', what: `delete ${DEVICES}/dev-a1`, allowed: false, op: (db) => db.doc(`${DEVICES}/dev-a1`).delete() },
  { actor: 'alice (tenant-a)', what: `update ${STATE}/dev-a1 metrics`, allowed: false, op: (db) => db.doc(`${STATE}/dev-a1`).update({ 'metrics.temperature.value': 99 }) },
  { actor: 'alice (tenant-a)', what: `delete ${STATE}/dev-a1`, allowed: false, op: (db) => db.doc(`${STATE}/dev-a1`).delete() },
  { actor: 'bob (tenant-b)', what: `set ${STATE}/dev-a1 moving it to tenant-b`, allowed: false, op: (db) => db.doc(`${STATE}/dev-a1`).set({ tenantId: 'tenant-b' }) },
  { actor: 'unauthenticated', what: `set ${STATE}/dev-x`, allowed: false, op: (db) => db.doc(`${STATE}/dev-x`).set({ tenantId: 'tenant-a' }) },
  // the gateway's registry: tenant-scoped reads of config, state and acks
  { actor: 'alice (tenant-a)', what: 'get registries/reg-a (own tenant)', allowed: true, op: get('registries/reg-a') },
  { actor: 'alice (tenant-a)', what: 'get registries/reg-b (tenant B)', allowed: false, op: get('registries/reg-b') },
  { actor: 'alice (tenant-a)', what: 'get a gateway device (own tenant)', allowed: true, op: get('registries/reg-a/devices/gw.dev+1') },
  { actor: 'bob (tenant-b)', what: 'get a gateway device of tenant A', allowed: false, op: get('registries/reg-a/devices/gw.dev+1') },
  { actor: 'alice (tenant-a)', what: 'get a config version with its device ack time (own tenant)', allowed: true, op: get('registries/reg-a/devices/gw.dev+1/configVersions/0000000002') },
  { actor: 'alice (tenant-a)', what: 'get a state history entry (own tenant)', allowed: true, op: get('registries/reg-a/devices/gw.dev+1/states/0') },
  { actor: 'alice (tenant-a)', what: 'get a command outcome (own tenant)', allowed: true, op: get('registries/reg-a/devices/gw.dev+1/commands/c1') },
  { actor: 'bob (tenant-b)', what: 'get a config version of tenant A', allowed: false, op: get('registries/reg-a/devices/gw.dev+1/configVersions/0000000002') },
  { actor: 'alice (tenant-a)', what: 'get another subcollection of a gateway device', allowed: false, op: get('registries/reg-a/devices/gw.dev+1/secrets/s1') },
  { actor: 'alice (tenant-a)', what: 'list gateway devices with a tenant filter', allowed: true, op: listWhereTenant('registries/reg-a/devices', 'tenant-a'), expectIds: ['gw.dev+1'] },
  { actor: 'alice (tenant-a)', what: 'list gateway devices without a tenant filter', allowed: false, op: listAll('registries/reg-a/devices') },
  { actor: 'alice (tenant-a)', what: 'write a config version', allowed: false, op: (db) => db.doc('registries/reg-a/devices/gw.dev+1/configVersions/0000000003').set({ tenantId: 'tenant-a', version: 3 }) },
  { actor: 'alice (tenant-a)', what: 'block a device', allowed: false, op: (db) => db.doc('registries/reg-a/devices/gw.dev+1').update({ blocked: true }) },
  { actor: 'unauthenticated', what: 'get a gateway device', allowed: false, op: get('registries/reg-a/devices/gw.dev+1') },
];

describe('integration: firestore.rules on the Firestore emulator', function () {
  this.timeout(180_000);
  let emulator: RunningEmulator | undefined;
  let testEnv: RulesTestEnvironment | undefined;
  const projectId = `demo-rules-${randomBytes(4).toString('hex')}`;
  const dbs = new Map<Actor, Db>();

  before(async function () {
    // Denials are the expected outcome of most cases: keep the SDK from
    // logging each one as a stream error.
    setLogLevel('silent');
    emulator = await startFirestoreEmulator({ timeoutMs: 120_000 }); // a JVM start: slow on a busy machine
    testEnv = await initializeTestEnvironment({
      projectId,
      firestore: { host: LOOPBACK, port: emulator.port, rules: readFileSync(path.join(ROOT, 'firestore.rules'), 'utf8') },
    });
    await testEnv.withSecurityRulesDisabled(async (ctx) => {
      const db = ctx.firestore();
      for (const [p, data] of Object.entries(SEED)) await db.doc(p).set(data);
    });
    const env = testEnv;
    dbs.set('alice (tenant-a)', env.authenticatedContext('alice', { tenantId: 'tenant-a' }).firestore());
    dbs.set('bob (tenant-b)', env.authenticatedContext('bob', { tenantId: 'tenant-b' }).firestore());
    dbs.set('no tenant claim', env.authenticatedContext('carol').firestore());
    dbs.set('empty tenant claim', env.authenticatedContext('dave', { tenantId: '' }).firestore());
    dbs.set('numeric tenant claim', env.authenticatedContext('erin', { tenantId: 42 }).firestore());
    dbs.set('unauthenticated', env.unauthenticatedContext().firestore());
  });

  after(async function () {
    await testEnv?.cleanup();
    await emulator?.stop();
    setLogLevel('info'); // the SDK's default, for whatever runs next in this process
  });

  for (const c of CASES) {
    it(`${c.allowed ? 'allows' : 'denies'} ${c.actor}: ${c.what}`, async function () {
      const db = dbs.get(c.actor);
      assert.ok(db, `no client for ${c.actor}`);
      if (!c.allowed) {
        await assertFails(c.op(db));
        return;
      }
      const result = await assertSucceeds(c.op(db));
      if (c.expectIds) {
        const ids = (result as { docs: { id: string }[] }).docs.map((d) => d.id).sort();
        assert.deepEqual(ids, c.expectIds, `${c.what}: returned ${JSON.stringify(ids)}`);
      }
    });
  }

  it('denied writes changed nothing (the seeded documents are intact)', async function () {
    assert.ok(testEnv);
    await testEnv.withSecurityRulesDisabled(async (ctx) => {
      const db = ctx.firestore();
      for (const [p, data] of Object.entries(SEED)) {
        const snap = await db.doc(p).get();
        assert.deepEqual(snap.data(), data, `${p} was modified`);
      }
      for (const p of [`${DEVICES}/dev-new`, `${STATE}/dev-x`, 'other/new']) assert.equal((await db.doc(p).get()).exists, false, `${p} was created`);
    });
  });
});
