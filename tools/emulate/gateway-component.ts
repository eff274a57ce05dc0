// The device gateway in the local stack: its process (build/gateway/main.js:
// HTTP bridge, MQTT plain and over TLS with the local CA), and the seeded
// registry `demo-registry` whose devices have key pairs on disk, so a device
// sample (mosquitto_pub, paho, mqtt.js) works at once.
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Firestore } from '@google-cloud/firestore';
import { RegistryAdmin } from '../../gateway/admin.js';
import type { StoredCredential } from '../../gateway/credentials.js';
import { isGatewayError } from '../../gateway/errors.js';
import { RegistryStore } from '../../gateway/registry-store.js';
import { LOOPBACK, portInUse, waitUntil } from '../lib/ports.js';
import { startProcess, type ManagedProcess } from '../lib/process-group.js';
import { ensureLocalCa, type LocalCa } from './local-ca.js';
import { buildPath } from './repo-root.js';

export interface GatewayPorts {
  http: number;
  mqtt: number;
  mqtts: number;
}

export const GATEWAY_REGISTRY = 'demo-registry';
export const GATEWAY_LOCATION = 'us-central1';
export const GATEWAY_TENANT = 'acme';
/** Seeded devices: one ES256 and one RS256 device, and a gateway with a device bound to it. */
export const GATEWAY_SEED = [
  { deviceId: 'demo-device-es256', alg: 'ES256' as const, gateway: false },
  { deviceId: 'demo-device-rs256', alg: 'RS256' as const, gateway: false },
  { deviceId: 'demo-gateway', alg: 'ES256' as const, gateway: true },
  { deviceId: 'demo-child-1', alg: 'ES256' as const, gateway: false, boundTo: 'demo-gateway' },
];

export interface RunningGatewayProcess {
  process: ManagedProcess;
  ports: GatewayPorts;
  ca: LocalCa;
  stop(): Promise<void>;
}

export async function startGatewayProcess(opts: {
  ports: GatewayPorts;
  env: Record<string, string>;
  dir: string;
  onLine: (line: string) => void;
  onSpawn?: (p: ManagedProcess) => void;
}): Promise<RunningGatewayProcess> {
  const ca = ensureLocalCa(path.join(opts.dir, 'ca'));
  const proc = startProcess({
    name: 'gateway',
    command: process.execPath,
    args: ['--enable-source-maps', buildPath('gateway', 'main.js')],
    env: {
      ...process.env,
      ...opts.env,
      GATEWAY_HOST: LOOPBACK,
      GATEWAY_HTTP_PORT: String(opts.ports.http),
      GATEWAY_MQTT_PORT: String(opts.ports.mqtt),
      GATEWAY_MQTTS_PORT: String(opts.ports.mqtts),
      GATEWAY_TLS_CERT: ca.serverCert,
      GATEWAY_TLS_KEY: ca.serverKey,
      GATEWAY_BRIDGE_ID: 'local-bridge',
    },
    onLine: opts.onLine,
  });
  opts.onSpawn?.(proc);
  let exited: number | string | undefined;
  void proc.exited.then((c) => (exited = c));
  try {
    await waitUntil(async () => {
      if (exited !== undefined) throw new Error(`gateway exited (${exited}) before it was ready (see its log lines)`);
      const up = await Promise.all([opts.ports.http, opts.ports.mqtt, opts.ports.mqtts].map((p) => portInUse(p)));
      return up.every(Boolean);
    }, 30_000, 'the gateway');
  } catch (err) {
    await proc.stop();
    throw err;
  }
  return { process: proc, ports: opts.ports, ca, stop: async () => { await proc.stop(); } };
}

/** The device's private key on disk (made once, kept across runs) and its public key as a credential. */
function deviceKey(dir: string, deviceId: string, alg: 'ES256' | 'RS256'): { privateKeyFile: string; credential: StoredCredential } {
  const d = path.join(dir, 'devices', deviceId);
  mkdirSync(d, { recursive: true, mode: 0o700 });
  const file = path.join(d, alg === 'ES256' ? 'ec_private.pem' : 'rsa_private.pem');
  if (!existsSync(file)) {
    const { privateKey } = alg === 'ES256' ? generateKeyPairSync('ec', { namedCurve: 'prime256v1' }) : generateKeyPairSync('rsa', { modulusLength: 2048 });
    writeFileSync(file, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  }
  const pub = createPublicKey(readFileSync(file, 'utf8')).export({ type: 'spki', format: 'pem' }).toString();
  writeFileSync(path.join(d, alg === 'ES256' ? 'ec_public.pem' : 'rsa_public.pem'), pub);
  return { privateKeyFile: file, credential: { publicKey: { format: alg === 'ES256' ? 'ES256_PEM' : 'RSA_PEM', key: pub }, expirationTime: null } };
}

/** Seeds demo-registry and its devices (idempotent: what exists is kept). Returns the private key files by device. */
export async function seedGatewayRegistry(db: Firestore, dir: string): Promise<Record<string, string>> {
  const admin = new RegistryAdmin(new RegistryStore(db));
  const ignoreExists = (err: unknown) => {
    if (!(isGatewayError(err) && err.status === 'ALREADY_EXISTS')) throw err;
  };
  await admin.createRegistry({ registryId: GATEWAY_REGISTRY, location: GATEWAY_LOCATION, tenantId: GATEWAY_TENANT }).catch(ignoreExists);
  const keys: Record<string, string> = {};
  for (const d of GATEWAY_SEED) {
    const k = deviceKey(dir, d.deviceId, d.alg);
    keys[d.deviceId] = k.privateKeyFile;
    await admin
      .createDevice({ registryId: GATEWAY_REGISTRY, deviceId: d.deviceId, credentials: [k.credential], gatewayType: d.gateway ? 'GATEWAY' : 'NON_GATEWAY', site: 'acme-berlin', model: 'iot-core-sample' })
      .catch(ignoreExists);
    if (d.boundTo) await admin.bind(GATEWAY_REGISTRY, d.boundTo, d.deviceId);
  }
  return keys;
}
