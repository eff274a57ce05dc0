// Admin operations on the registry (IoT Core's device manager API, the parts
// a fleet needs): registries, devices, keys, blocking, gateway bindings,
// config versions and commands. The devices CLI calls these; so can a
// backend of your own with the same Firestore credentials.
import { randomBytes } from 'node:crypto';
import { FieldValue, Timestamp, type DocumentReference } from '@google-cloud/firestore';
import { checkCredentials, importCredentials, type StoredCredential } from './credentials.js';
import { GatewayError } from './errors.js';
import { isIotId } from './ids.js';
import { GATEWAY_COLLECTIONS as C, LIMITS } from './names.js';
import type { DeviceConfig, DeviceRecord, GatewayType, RegistryRecord } from './registry.js';
import type { RegistryStore } from './registry-store.js';

/** The pipeline's registry collection (functions/lib/names.ts COLLECTIONS.devices). */
const PIPELINE_DEVICES = 'devices';

function checkId(kind: string, id: string): void {
  if (!isIotId(id)) throw new GatewayError('INVALID_ARGUMENT', `${kind} id ${JSON.stringify(id)} must be 3-255 characters, start with a letter and hold only letters, digits and - . _ + ~ %`);
}

export interface NewRegistry {
  registryId: string;
  location: string;
  tenantId: string;
  eventTopic?: string | null;
  stateTopic?: string | null;
  payloadMapping?: Record<string, unknown> | null;
}

export interface NewDevice {
  registryId: string;
  deviceId: string;
  credentials?: StoredCredential[];
  gatewayType?: GatewayType;
  blocked?: boolean;
  /** Written to the pipeline's devices/{id} for enrich (site, model, units). */
  site?: string;
  model?: string;
  units?: Record<string, string>;
}

export class RegistryAdmin {
  constructor(private readonly store: RegistryStore) {}

  private get db() {
    return this.store.db;
  }

  async createRegistry(r: NewRegistry): Promise<RegistryRecord> {
    checkId('registry', r.registryId);
    if (!/^[a-z][a-z0-9-]{1,62}$/.test(r.location)) throw new GatewayError('INVALID_ARGUMENT', `location ${JSON.stringify(r.location)} is not a region name`);
    if (!r.tenantId) throw new GatewayError('INVALID_ARGUMENT', 'tenantId is required');
    const doc = {
      location: r.location,
      tenantId: r.tenantId,
      eventTopic: r.eventTopic ?? null,
      stateTopic: r.stateTopic ?? null,
      payloadMapping: r.payloadMapping ?? null,
      httpEnabled: true,
      mqttEnabled: true,
      createdAt: new Date().toISOString(),
    };
    try {
      await this.store.registryRef(r.registryId).create(doc);
    } catch (err) {
      if ((err as { code?: number }).code === 6) throw new GatewayError('ALREADY_EXISTS', `registry ${r.registryId} already exists`);
      throw err;
    }
    return { registryId: r.registryId, ...doc, payloadMapping: doc.payloadMapping };
  }

  async setPayloadMapping(registryId: string, mapping: Record<string, unknown> | null): Promise<void> {
    await this.store.registryRef(registryId).update({ payloadMapping: mapping });
  }

  /**
   * Creates the device in the registry and, for the pipeline, devices/{id}
   * (tenant, site, model, units; status active). Device ids are unique per
   * registry in IoT Core but the pipeline keys devices by id alone, so an id
   * already used by another registry or another tenant is refused.
   */
  async createDevice(d: NewDevice): Promise<DeviceRecord> {
    checkId('device', d.deviceId);
    const credentials = checkCredentials(d.credentials ?? []);
    await importCredentials(credentials); // refuse keys that do not parse now, not at the first connect
    const reg = await this.store.getRegistry(d.registryId);
    if (!reg) throw new GatewayError('NOT_FOUND', `registry ${d.registryId} not found`);
    const ref = this.store.deviceRef(d.registryId, d.deviceId);
    const pipelineRef = this.db.collection(PIPELINE_DEVICES).doc(d.deviceId);
    const now = new Date().toISOString();
    const numId = (BigInt('0x' + randomBytes(8).toString('hex')) >> 1n).toString();
    const config: DeviceConfig = { version: 1, binaryData: '', cloudUpdateTime: now, deviceAckTime: null };
    const record = {
      numId,
      tenantId: reg.tenantId,
      blocked: d.blocked ?? false,
      credentials,
      gatewayType: d.gatewayType ?? 'NON_GATEWAY',
      boundGateways: [] as string[],
      config,
      state: null,
      stateCount: 0,
      createdAt: now,
    };
    await this.db.runTransaction(async (tx) => {
      const [existing, pipeline] = await Promise.all([tx.get(ref), tx.get(pipelineRef)]);
      if (existing.exists) throw new GatewayError('ALREADY_EXISTS', `device ${d.deviceId} already exists in registry ${d.registryId}`);
      const p = pipeline.data();
      if (p && (p.registryId !== d.registryId || p.tenantId !== reg.tenantId)) {
        throw new GatewayError('ALREADY_EXISTS', `device id ${d.deviceId} is already used in the pipeline registry by another registry or tenant`);
      }
      tx.create(ref, record);
      tx.set(ref.collection(C.configVersions).doc(String(1).padStart(10, '0')), { ...config, tenantId: reg.tenantId });
      tx.set(pipelineRef, {
        tenantId: reg.tenantId,
        registryId: d.registryId,
        status: 'active',
        ...(d.site ? { site: d.site } : {}),
        ...(d.model ? { model: d.model } : {}),
        ...(d.units ? { units: d.units } : {}),
      }, { merge: true });
    });
    return { registryId: d.registryId, deviceId: d.deviceId, ...record, connection: null };
  }

  /** Replaces the device's credentials (at most 3). */
  async setCredentials(registryId: string, deviceId: string, credentials: StoredCredential[]): Promise<void> {
    const checked = checkCredentials(credentials);
    await importCredentials(checked);
    await this.update(registryId, deviceId, { credentials: checked });
  }

  /** Adds one credential; refused past three. */
  async addCredential(registryId: string, deviceId: string, credential: StoredCredential): Promise<number> {
    const dev = await this.store.requireDevice(registryId, deviceId);
    if (dev.credentials.length >= LIMITS.maxCredentials) throw new GatewayError('INVALID_ARGUMENT', `device ${deviceId} already has ${LIMITS.maxCredentials} credentials`);
    const next = [...dev.credentials, credential];
    await this.setCredentials(registryId, deviceId, next);
    return next.length;
  }

  async setBlocked(registryId: string, deviceId: string, blocked: boolean): Promise<void> {
    await this.update(registryId, deviceId, { blocked });
  }

  async bind(registryId: string, gatewayId: string, deviceId: string): Promise<void> {
    const gw = await this.store.requireDevice(registryId, gatewayId);
    if (gw.gatewayType !== 'GATEWAY') throw new GatewayError('FAILED_PRECONDITION', `${gatewayId} is not a gateway`);
    await this.update(registryId, deviceId, { boundGateways: FieldValue.arrayUnion(gatewayId) });
  }

  async unbind(registryId: string, gatewayId: string, deviceId: string): Promise<void> {
    await this.update(registryId, deviceId, { boundGateways: FieldValue.arrayRemove(gatewayId) });
  }

  modifyConfig(registryId: string, deviceId: string, data: Buffer, versionToUpdate: number | null = null): Promise<DeviceConfig> {
    return this.store.modifyConfig(registryId, deviceId, data, versionToUpdate);
  }

  /**
   * Sends a command (IoT Core's sendCommandToDevice): FAILED_PRECONDITION at
   * once when the device is not connected and subscribed to commands;
   * otherwise the bridge holding the connection delivers it and this resolves
   * when it reports delivered (QoS 1: after the device's PUBACK), or rejects
   * with its error, or DEADLINE_EXCEEDED after `timeoutMs`.
   */
  async sendCommand(registryId: string, deviceId: string, data: Buffer, subFolder: string | null, timeoutMs = 10_000): Promise<string> {
    if (data.length > LIMITS.commandBytes) throw new GatewayError('INVALID_ARGUMENT', `command is ${data.length} bytes; at most ${LIMITS.commandBytes}`);
    const dev = await this.store.requireDevice(registryId, deviceId);
    if (!dev.connection) throw new GatewayError('FAILED_PRECONDITION', `device ${deviceId} is not connected`);
    if (!dev.connection.commandsSubscribed) throw new GatewayError('FAILED_PRECONDITION', `device ${deviceId} is not subscribed to its commands topic`);
    const ref = this.store.deviceRef(registryId, deviceId).collection(C.commands).doc();
    const now = Date.now();
    await ref.set({
      tenantId: dev.tenantId,
      bridge: dev.connection.bridge,
      session: dev.connection.session,
      subFolder,
      binaryData: data.toString('base64'),
      status: 'pending',
      createdAt: new Date(now).toISOString(),
      // Firestore's TTL policy (infra/) deletes commands a day later.
      expireAt: Timestamp.fromMillis(now + 86_400_000),
    });
    await waitForOutcome(ref, timeoutMs);
    return ref.id;
  }

  private async update(registryId: string, deviceId: string, data: Record<string, unknown>): Promise<void> {
    try {
      await this.store.deviceRef(registryId, deviceId).update(data);
    } catch (err) {
      if ((err as { code?: number }).code === 5) throw new GatewayError('NOT_FOUND', `device ${deviceId} not found in registry ${registryId}`);
      throw err;
    }
  }
}

function waitForOutcome(ref: DocumentReference, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let done = false;
    const finish = (err?: GatewayError) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      unsubscribe();
      if (err) reject(err);
      else resolve();
    };
    const timer = setTimeout(() => finish(new GatewayError('DEADLINE_EXCEEDED', `the device did not take the command within ${timeoutMs} ms`)), timeoutMs);
    const unsubscribe = ref.onSnapshot(
      (snap) => {
        const s = snap.data() as { status?: string; error?: string } | undefined;
        if (s?.status === 'delivered') finish();
        else if (s?.status === 'failed') finish(new GatewayError('FAILED_PRECONDITION', s.error ?? 'the device is no longer connected'));
      },
      (err) => finish(new GatewayError('UNAVAILABLE', `watching the command failed: ${err.message}`)),
    );
  });
}
