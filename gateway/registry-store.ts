// The registry in Firestore: reads for the bridges, transactional writes for
// config versions, state history, config acks and connection presence, and
// admin writes (admin.ts). Layout in names.ts. Each config version and state
// document carries the device's tenantId, so firestore.rules can give apps
// read access by tenant without a get() per document.
import { randomBytes } from 'node:crypto';
import { FieldValue, type Firestore, type DocumentReference } from '@google-cloud/firestore';
import { GatewayError } from './errors.js';
import { GATEWAY_COLLECTIONS as C, LIMITS } from './names.js';
import { parseDevice, parseRegistry, type DeviceConfig, type DeviceConnection, type DeviceRecord, type RegistryRecord } from './registry.js';

const pad = (n: number): string => String(n).padStart(10, '0');

export class RegistryStore {
  constructor(readonly db: Firestore) {}

  registryRef(registryId: string): DocumentReference {
    return this.db.collection(C.registries).doc(registryId);
  }

  deviceRef(registryId: string, deviceId: string): DocumentReference {
    return this.registryRef(registryId).collection(C.devices).doc(deviceId);
  }

  async getRegistry(registryId: string): Promise<RegistryRecord | null> {
    const snap = await this.registryRef(registryId).get();
    return snap.exists ? parseRegistry(registryId, snap.data() ?? {}) : null;
  }

  async getDevice(registryId: string, deviceId: string): Promise<DeviceRecord | null> {
    const snap = await this.deviceRef(registryId, deviceId).get();
    return snap.exists ? parseDevice(registryId, deviceId, snap.data() ?? {}) : null;
  }

  async requireDevice(registryId: string, deviceId: string): Promise<DeviceRecord> {
    const d = await this.getDevice(registryId, deviceId);
    if (!d) throw new GatewayError('NOT_FOUND', `device ${deviceId} not found in registry ${registryId}`);
    return d;
  }

  /**
   * A new config version (IoT Core's modifyCloudToDeviceConfig): version + 1,
   * refused with FAILED_PRECONDITION when versionToUpdate is given and is not
   * the current version; the version 10 back is deleted, so 10 are kept.
   */
  async modifyConfig(registryId: string, deviceId: string, data: Buffer, versionToUpdate: number | null, now = new Date()): Promise<DeviceConfig> {
    if (data.length > LIMITS.configBytes) throw new GatewayError('INVALID_ARGUMENT', `config is ${data.length} bytes; at most ${LIMITS.configBytes}`);
    const ref = this.deviceRef(registryId, deviceId);
    return this.db.runTransaction(async (tx) => {
      const snap = await tx.get(ref);
      if (!snap.exists) throw new GatewayError('NOT_FOUND', `device ${deviceId} not found in registry ${registryId}`);
      const dev = parseDevice(registryId, deviceId, snap.data() ?? {});
      if (versionToUpdate !== null && versionToUpdate !== 0 && versionToUpdate !== dev.config.version) {
        throw new GatewayError('FAILED_PRECONDITION', `versionToUpdate ${versionToUpdate} is not the current config version ${dev.config.version}`);
      }
      const cfg: DeviceConfig = { version: dev.config.version + 1, binaryData: data.toString('base64'), cloudUpdateTime: now.toISOString(), deviceAckTime: null };
      const versions = ref.collection(C.configVersions);
      tx.update(ref, { config: cfg });
      tx.set(versions.doc(pad(cfg.version)), { ...cfg, tenantId: dev.tenantId });
      const dropped = cfg.version - LIMITS.maxConfigVersions;
      if (dropped > 0) tx.delete(versions.doc(pad(dropped)));
      return cfg;
    });
  }

  /** The device acknowledged config `version` (a PUBACK on its config topic). */
  async ackConfig(registryId: string, deviceId: string, version: number, now = new Date()): Promise<void> {
    const ref = this.deviceRef(registryId, deviceId);
    const at = now.toISOString();
    await this.db.runTransaction(async (tx) => {
      const snap = await tx.get(ref);
      if (!snap.exists) return;
      const cfg = (snap.data()?.config ?? {}) as Record<string, unknown>;
      const update: Record<string, unknown> = { lastConfigAckTime: at };
      if (cfg.version === version) update['config.deviceAckTime'] = at;
      tx.update(ref, update);
      if (version > 0) tx.set(ref.collection(C.configVersions).doc(pad(version)), { deviceAckTime: at }, { merge: true });
    });
  }

  /** A state report: the device's current state, and a ring of the last 10 in states/. */
  async recordState(dev: DeviceRecord, data: Buffer, now = new Date()): Promise<void> {
    const ref = this.deviceRef(dev.registryId, dev.deviceId);
    const state = { binaryData: data.toString('base64'), updateTime: now.toISOString() };
    await this.db.runTransaction(async (tx) => {
      const snap = await tx.get(ref);
      const count = (snap.data()?.stateCount as number | undefined) ?? 0;
      // A ring of fixed slots: no query or delete to keep the last ten.
      tx.set(ref.collection(C.states).doc(String(count % LIMITS.maxStateHistory)), { ...state, tenantId: dev.tenantId });
      tx.update(ref, { state, stateCount: count + 1, lastStateTime: state.updateTime });
    });
  }

  async listStates(registryId: string, deviceId: string): Promise<{ binaryData: string; updateTime: string }[]> {
    const snap = await this.deviceRef(registryId, deviceId).collection(C.states).get();
    return snap.docs
      .map((d) => d.data() as { binaryData: string; updateTime: string })
      .map(({ binaryData, updateTime }) => ({ binaryData, updateTime }))
      .sort((a, b) => (a.updateTime < b.updateTime ? 1 : -1));
  }

  async listConfigVersions(registryId: string, deviceId: string): Promise<DeviceConfig[]> {
    const snap = await this.deviceRef(registryId, deviceId).collection(C.configVersions).orderBy('version', 'desc').get();
    return snap.docs.map((d) => {
      const { version, binaryData, cloudUpdateTime, deviceAckTime } = d.data() as DeviceConfig;
      return { version, binaryData, cloudUpdateTime, deviceAckTime: deviceAckTime ?? null };
    });
  }

  /** Marks the device connected on `bridge`; returns the session id that disconnected() must present. */
  async connected(registryId: string, deviceId: string, bridge: string, now = new Date()): Promise<string> {
    const session = randomBytes(8).toString('hex');
    const connection: DeviceConnection = { bridge, session, since: now.toISOString(), commandsSubscribed: false };
    await this.deviceRef(registryId, deviceId).update({ connection, lastHeartbeatTime: connection.since });
    return session;
  }

  async commandsSubscribed(registryId: string, deviceId: string, session: string): Promise<void> {
    const ref = this.deviceRef(registryId, deviceId);
    await this.db.runTransaction(async (tx) => {
      const conn = (await tx.get(ref)).data()?.connection as DeviceConnection | undefined;
      if (conn?.session === session) tx.update(ref, { 'connection.commandsSubscribed': true });
    });
  }

  /** Clears the presence only if it is still this session's (a reconnect elsewhere may have replaced it). */
  async disconnected(registryId: string, deviceId: string, session: string, error: string | null): Promise<void> {
    const ref = this.deviceRef(registryId, deviceId);
    await this.db.runTransaction(async (tx) => {
      const snap = await tx.get(ref);
      if (!snap.exists) return;
      const conn = snap.data()?.connection as DeviceConnection | undefined;
      const update: Record<string, unknown> = {};
      if (conn?.session === session) update.connection = FieldValue.delete();
      if (error) update.lastErrorStatus = { message: error, time: new Date().toISOString() };
      if (Object.keys(update).length > 0) tx.update(ref, update);
    });
  }
}
