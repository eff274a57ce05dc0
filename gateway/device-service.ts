// What both bridges do for a device, in one place: authenticate it (registry
// read, cached briefly, plus the JWT check), forward its events, record its
// state, hand out its config. The HTTP bridge calls these per request, the
// MQTT bridge per packet; errors are GatewayErrors in Google's codes.
import { LoadingCache } from '../functions/enrich/device-cache.js';
import { importCredentials, type DeviceKey } from './credentials.js';
import { GatewayError } from './errors.js';
import { eventAttributes, type EventPublisher } from './event-publisher.js';
import type { DevicePath } from './ids.js';
import { verifyDeviceToken, type VerifiedToken } from './jwt.js';
import { LIMITS } from './names.js';
import type { DeviceConfig, DeviceRecord, RegistryRecord } from './registry.js';
import type { RegistryStore } from './registry-store.js';

export interface ServiceOptions {
  projectId: string;
  store: RegistryStore;
  events: EventPublisher;
  /** How long a registry read is reused (blocking and new keys take effect within it). */
  cacheTtlMs: number;
  now?: () => number;
}

export interface DeviceEntry {
  registry: RegistryRecord;
  device: DeviceRecord;
  keys: DeviceKey[];
}

export interface AuthenticatedDevice extends DeviceEntry {
  token: VerifiedToken;
}

// No spaces, wildcards or a leading slash, nothing below U+0020.
const SUBFOLDER = /^[^\s/#+][^\s#+]*$/;
const printable = (s: string): boolean => [...s].every((ch) => ch.charCodeAt(0) >= 0x20);

export class DeviceService {
  readonly projectId: string;
  readonly store: RegistryStore;
  private readonly events: EventPublisher;
  private readonly cache: LoadingCache<DeviceEntry>;
  /** Registries are few and read on every device load: cached on their own. */
  private readonly registries: LoadingCache<RegistryRecord>;
  readonly now: () => number;

  constructor(o: ServiceOptions) {
    this.projectId = o.projectId;
    this.store = o.store;
    this.events = o.events;
    this.now = o.now ?? Date.now;
    this.registries = new LoadingCache<RegistryRecord>((id) => this.store.getRegistry(id), { ttlMs: o.cacheTtlMs, negativeTtlMs: Math.min(o.cacheTtlMs, 1000), maxEntries: 10_000, now: this.now });
    this.cache = new LoadingCache<DeviceEntry>((key) => this.load(key), { ttlMs: o.cacheTtlMs, negativeTtlMs: Math.min(o.cacheTtlMs, 1000), maxEntries: 100_000, now: this.now });
  }

  private async load(key: string): Promise<DeviceEntry | null> {
    const [registryId, deviceId] = key.split('/') as [string, string];
    const [registry, device] = await Promise.all([this.registries.lookup(registryId), this.store.getDevice(registryId, deviceId)]);
    if (!registry || !device) return null;
    return { registry, device, keys: await importCredentials(device.credentials) };
  }

  /** The registry entry (cached); null when the registry or device does not exist. */
  async entry(registryId: string, deviceId: string): Promise<DeviceEntry | null> {
    return this.cache.lookup(`${registryId}/${deviceId}`);
  }

  /** Forget a cached entry (the MQTT bridge calls it when a device document changes). */
  invalidate(registryId: string, deviceId: string): void {
    this.cache.invalidate(`${registryId}/${deviceId}`);
  }

  /**
   * The device at `path`, if `token` is a valid JWT for it. An unknown device
   * answers like a bad token (UNAUTHENTICATED), so ids cannot be probed.
   */
  async authenticate(path: DevicePath, token: string, via: 'http' | 'mqtt'): Promise<AuthenticatedDevice> {
    if (path.projectId !== this.projectId) throw new GatewayError('PERMISSION_DENIED', `project ${path.projectId} is not served here`);
    const e = await this.entry(path.registryId, path.deviceId);
    if (!e || e.registry.location !== path.location) throw new GatewayError('UNAUTHENTICATED', 'unknown device or invalid credentials');
    if (via === 'http' && !e.registry.httpEnabled) throw new GatewayError('PERMISSION_DENIED', `HTTP is disabled for registry ${path.registryId}`);
    if (via === 'mqtt' && !e.registry.mqttEnabled) throw new GatewayError('PERMISSION_DENIED', `MQTT is disabled for registry ${path.registryId}`);
    if (e.device.blocked) throw new GatewayError('PERMISSION_DENIED', `device ${path.deviceId} is blocked`);
    const verified = await verifyDeviceToken(token, e.keys, { projectId: this.projectId, nowMs: this.now() });
    return { ...e, token: verified };
  }

  /** Forwards one event; resolves once Pub/Sub has it. */
  async publishEvent(e: DeviceEntry, data: Buffer, subFolder: string | null): Promise<string> {
    if (data.length > LIMITS.eventBytes) throw new GatewayError('INVALID_ARGUMENT', `event payload is ${data.length} bytes; at most ${LIMITS.eventBytes}`);
    if (subFolder !== null && (subFolder.length > LIMITS.subFolderLength || !SUBFOLDER.test(subFolder) || !printable(subFolder))) {
      throw new GatewayError('INVALID_ARGUMENT', 'subFolder must be 1-256 characters without spaces, #, + or a leading /');
    }
    const attrs = eventAttributes(this.projectId, e.registry, e.device, subFolder, new Date(this.now()));
    return this.events.publish(e.registry.eventTopic, data, attrs);
  }

  /** Records a state report (and publishes it to the registry's state topic, if it has one). */
  async setState(e: DeviceEntry, data: Buffer): Promise<void> {
    if (data.length > LIMITS.stateBytes) throw new GatewayError('INVALID_ARGUMENT', `state is ${data.length} bytes; at most ${LIMITS.stateBytes}`);
    const now = new Date(this.now());
    await this.store.recordState(e.device, data, now);
    if (e.registry.stateTopic) await this.events.publish(e.registry.stateTopic, data, eventAttributes(this.projectId, e.registry, e.device, null, now));
  }

  /**
   * The current config (read fresh, not cached). IoT Core's local_version:
   * 0 asks for the current config; a version above the current one is
   * OUT_OF_RANGE; otherwise the current config is returned and the device
   * compares versions.
   */
  async getConfig(e: DeviceEntry, localVersion: number): Promise<DeviceConfig> {
    const dev = await this.store.requireDevice(e.device.registryId, e.device.deviceId);
    if (localVersion > dev.config.version) throw new GatewayError('OUT_OF_RANGE', `local_version ${localVersion} is newer than the latest config version ${dev.config.version}`);
    return dev.config;
  }
}
