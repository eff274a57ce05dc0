// IoT Core's MQTT bridge on aedes: MQTT 3.1.1, client id = the device path,
// the JWT as password (username ignored), clean sessions only. The broker is
// used for the protocol; routing is ours: a device may publish only to its
// own topics (or those of devices attached through it, for a gateway), each
// event is PUBACKed only after Pub/Sub has it, and config and commands come
// from Firestore through two listeners per bridge (bridge-listeners.ts).
// Whatever IoT Core answered by closing the connection (a wrong topic, QoS 2,
// oversize, over 100 msg/s, an expired JWT) closes it here too, and the
// reason is kept in the device's lastErrorStatus.
import net from 'node:net';
import tls from 'node:tls';
import type { AddressInfo } from 'node:net';
import { Aedes, type AuthenticateError, type Client, type PublishPacket, type Subscription } from 'aedes';
import { generate } from 'mqtt-packet';
import { log } from '../functions/lib/logger.js';
import type { DeviceEntry, DeviceService } from './device-service.js';
import { isGatewayError } from './errors.js';
import { parseDevicePath, type DevicePath } from './ids.js';
import { verifyDeviceToken } from './jwt.js';
import { commandTopic, configTopic, errorsTopic, parsePublishTopic, parseSubscribeTopic, RateLimit } from './mqtt-topics.js';
import { LIMITS } from './names.js';
import type { DeviceConfig } from './registry.js';

/** One device reachable through a connection: the device itself, or one attached to a gateway. */
export interface Route {
  session: Session;
  entry: DeviceEntry;
  /** The presence record's session id once written (commands must match it). */
  presenceId: string | null;
  presence: Promise<string | null>;
  configQos: 0 | 1 | null;
  commandsQos: 0 | 1 | null;
  /** Highest config version sent on this connection. */
  configSent: number;
  pendingConfig: { version: number; messageId: number; timer: NodeJS.Timeout } | null;
}

type Inflight = { kind: 'config'; deviceId: string; version: number } | { kind: 'command'; deviceId: string; onAck: () => void; onFail: (why: string) => void };

export class Session {
  readonly routes = new Map<string, Route>();
  readonly inflight = new Map<number, Inflight>();
  private nextId = 1;
  readonly rate: RateLimit;
  expiry: NodeJS.Timeout | null = null;
  error: string | null = null;
  closed = false;

  constructor(
    readonly client: Client,
    readonly path: DevicePath,
    readonly entry: DeviceEntry,
    now: number,
  ) {
    this.rate = new RateLimit(LIMITS.messagesPerSecond, now);
  }

  get isGateway(): boolean {
    return this.entry.device.gatewayType === 'GATEWAY';
  }

  /** Packet ids for what we send at QoS 1 (aedes sends nothing else to a device: it may subscribe to nothing else). */
  allocId(): number {
    for (let i = 0; i < 65535; i++) {
      const id = this.nextId;
      this.nextId = id >= 65535 ? 1 : id + 1;
      if (!this.inflight.has(id)) return id;
    }
    throw new Error('no free packet id');
  }

  /** Writes a PUBLISH; false when the connection is gone. */
  write(topic: string, payload: Buffer, qos: 0 | 1, messageId?: number, dup = false): boolean {
    if (this.closed || this.client.closed) return false;
    const packet = { cmd: 'publish' as const, topic, payload, qos, retain: false, dup, ...(qos > 0 ? { messageId: messageId! } : {}) };
    this.client.conn.write(generate(packet));
    return true;
  }

  close(reason: string | null): void {
    if (reason && !this.error) this.error = reason;
    this.client.close();
  }
}

export interface MqttBridgeOptions {
  bridgeId: string;
  configResendMs: number;
}

const authError = (returnCode: number, message: string): AuthenticateError => Object.assign(new Error(message), { returnCode }) as AuthenticateError;
const connackCode = (err: unknown): number => {
  if (!isGatewayError(err)) return 3;
  return err.status === 'UNAUTHENTICATED' ? 4 : err.status === 'PERMISSION_DENIED' ? 5 : 3;
};

export class MqttBridge {
  readonly broker: Aedes;
  private readonly sessions = new WeakMap<Client, Session>();
  /** registryId/deviceId -> the route that reaches it on this bridge. */
  readonly routes = new Map<string, Route>();
  private readonly servers: net.Server[] = [];

  private constructor(
    readonly service: DeviceService,
    readonly opts: MqttBridgeOptions,
    broker: Aedes,
  ) {
    this.broker = broker;
  }

  static async create(service: DeviceService, opts: MqttBridgeOptions): Promise<MqttBridge> {
    // eslint-disable-next-line prefer-const -- assigned after the broker, which the hooks close over
    let bridge: MqttBridge;
    const broker = await Aedes.createBroker({
      id: opts.bridgeId,
      // IoT Core kept no sessions and no wills: every connection starts clean.
      preConnect: (_client, packet, cb) => {
        packet.clean = true;
        delete (packet as { will?: unknown }).will;
        cb(null, true);
      },
      authenticate: (client, _username, password, done) => bridge.authenticate(client, password, done),
      authorizePublish: (client, packet, cb) => bridge.authorizePublish(client, packet, cb),
      authorizeSubscribe: (client, sub, cb) => bridge.authorizeSubscribe(client, sub, cb),
    });
    bridge = new MqttBridge(service, opts, broker);
    bridge.interceptPubacks();
    broker.on('clientReady', (c) => bridge.onReady(c));
    broker.on('clientDisconnect', (c) => bridge.onGone(c));
    broker.on('subscribe', (subs, c) => bridge.onSubscribed(subs, c));
    broker.on('unsubscribe', (topics, c) => bridge.onUnsubscribed(topics, c));
    return bridge;
  }

  /** Plain MQTT (port 0: any free port). */
  listen(host: string, port: number): Promise<number> {
    return this.serve(net.createServer((s) => this.broker.handle(s)), host, port);
  }

  /** MQTT over TLS. */
  listenTls(host: string, port: number, cert: string | Buffer, key: string | Buffer): Promise<number> {
    return this.serve(tls.createServer({ cert, key, minVersion: 'TLSv1.2' }, (s) => this.broker.handle(s)), host, port);
  }

  private serve(server: net.Server, host: string, port: number): Promise<number> {
    this.servers.push(server);
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
    });
  }

  get connectedClients(): number {
    return this.broker.connectedClients;
  }

  async close(): Promise<void> {
    for (const s of this.servers) s.close();
    await new Promise<void>((resolve) => this.broker.close(() => resolve()));
  }

  // ---- connect ----

  private authenticate(client: Client, password: Readonly<Buffer | undefined>, done: (err: AuthenticateError | null, ok: boolean | null) => void): void {
    const path = parseDevicePath(client.id);
    if (!path) return done(authError(2, 'client id must be projects/{project}/locations/{region}/registries/{registry}/devices/{device}'), false);
    if (!password || password.length === 0) return done(authError(4, 'the password must be a device JWT'), false);
    this.service.authenticate(path, password.toString('utf8'), 'mqtt').then(
      (auth) => {
        const s = new Session(client, path, auth, this.service.now());
        this.sessions.set(client, s);
        // IoT Core closed the connection when the JWT expired; the device reconnects with a new one.
        const ms = auth.token.exp * 1000 - this.service.now();
        s.expiry = setTimeout(() => s.close('the JWT has expired'), Math.max(0, ms));
        s.expiry.unref();
        done(null, true);
      },
      (err: unknown) => {
        log('INFO', 'mqtt connection refused', { stage: 'gateway-mqtt', deviceId: path.deviceId, reason: err instanceof Error ? err.message : String(err) });
        done(authError(connackCode(err), err instanceof Error ? err.message : 'refused'), false);
      },
    );
  }

  private onReady(client: Client): void {
    const s = this.sessions.get(client);
    if (!s) return;
    if (s.closed) return;
    this.addRoute(s, s.entry);
  }

  private addRoute(s: Session, entry: DeviceEntry): Route {
    const { registryId, deviceId } = entry.device;
    const route: Route = { session: s, entry, presenceId: null, presence: Promise.resolve(null), configQos: null, commandsQos: null, configSent: 0, pendingConfig: null };
    route.presence = this.service.store.connected(registryId, deviceId, this.opts.bridgeId).then(
      (id) => (route.presenceId = id),
      (err: unknown) => {
        log('WARNING', 'presence write failed', { stage: 'gateway-mqtt', deviceId, error: String(err) });
        return null;
      },
    );
    s.routes.set(deviceId, route);
    this.routes.set(`${registryId}/${deviceId}`, route);
    return route;
  }

  private removeRoute(s: Session, deviceId: string): void {
    const route = s.routes.get(deviceId);
    if (!route) return;
    s.routes.delete(deviceId);
    if (route.pendingConfig) clearTimeout(route.pendingConfig.timer);
    const key = `${route.entry.device.registryId}/${deviceId}`;
    if (this.routes.get(key) === route) this.routes.delete(key);
    const error = deviceId === s.path.deviceId ? s.error : null;
    void route.presence.then((id) => (id ? this.service.store.disconnected(route.entry.device.registryId, deviceId, id, error) : undefined)).catch(() => undefined);
  }

  private onGone(client: Client): void {
    const s = this.sessions.get(client);
    if (!s || s.closed) return;
    s.closed = true;
    if (s.expiry) clearTimeout(s.expiry);
    for (const id of [...s.routes.keys()]) this.removeRoute(s, id);
    for (const inf of s.inflight.values()) if (inf.kind === 'command') inf.onFail('the device disconnected before acknowledging the command');
    s.inflight.clear();
  }

  // ---- device to cloud ----

  private authorizePublish(client: Client | null, packet: PublishPacket, cb: (err?: Error | null) => void): void {
    const s = client ? this.sessions.get(client) : undefined;
    if (!s) return cb(new Error('not authenticated'));
    const refuse = (why: string): void => {
      s.error ??= why;
      log('INFO', 'mqtt connection closed', { stage: 'gateway-mqtt', deviceId: s.path.deviceId, reason: why });
      cb(new Error(why));
    };
    if (packet.qos === 2) return refuse('QoS 2 is not supported');
    if (!s.rate.take(this.service.now())) return refuse(`more than ${LIMITS.messagesPerSecond} messages per second on one connection`);
    const t = parsePublishTopic(packet.topic);
    if (!t) return refuse(`publishing to ${packet.topic} is not allowed`);
    const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload);
    // Nothing here is for other subscribers: never keep it as a retained message.
    (packet as { retain: boolean }).retain = false;
    const forward = (p: Promise<unknown>) =>
      p.then(
        () => cb(null),
        (err: unknown) => refuse(err instanceof Error ? err.message : String(err)),
      );
    switch (t.kind) {
      case 'events':
      case 'state': {
        const route = s.routes.get(t.deviceId);
        if (!route) return refuse(`${t.deviceId} is not this connection's device${s.isGateway ? ' nor attached to it' : ''}`);
        forward(t.kind === 'events' ? this.service.publishEvent(route.entry, payload, t.subFolder) : this.service.setState(route.entry, payload));
        return;
      }
      case 'attach':
        if (!s.isGateway) return refuse('only a gateway may attach devices');
        forward(this.attach(s, t.deviceId, payload));
        return;
      case 'detach':
        if (!s.isGateway) return refuse('only a gateway may detach devices');
        if (t.deviceId !== s.path.deviceId) this.removeRoute(s, t.deviceId);
        return cb(null);
    }
  }

  /** A gateway attaches a bound device; a refusal goes to its errors topic and the connection stays. */
  private async attach(s: Session, deviceId: string, payload: Buffer): Promise<void> {
    const gw = s.path;
    const fail = (description: string) => {
      s.write(errorsTopic(gw.deviceId), Buffer.from(JSON.stringify({ error_type: 'GATEWAY_ATTACHMENT_ERROR', device_id: deviceId, description })), 0);
    };
    if (deviceId === gw.deviceId || s.routes.has(deviceId)) return;
    const entry = await this.service.entry(gw.registryId, deviceId);
    if (!entry) return fail(`device ${deviceId} does not exist in registry ${gw.registryId}`);
    if (!entry.device.boundGateways.includes(gw.deviceId)) return fail(`device ${deviceId} is not bound to gateway ${gw.deviceId}`);
    if (entry.device.blocked) return fail(`device ${deviceId} is blocked`);
    // Optional per-device token (IoT Core's ASSOCIATION_AND_DEVICE_AUTH_TOKEN): checked when given.
    if (payload.length > 0) {
      let token: unknown;
      try {
        token = (JSON.parse(payload.toString('utf8')) as { authorization?: unknown }).authorization;
      } catch {
        return fail('attach payload must be JSON: {"authorization": "<device JWT>"}');
      }
      if (typeof token === 'string') {
        try {
          await verifyDeviceToken(token, entry.keys, { projectId: this.service.projectId, nowMs: this.service.now() });
        } catch (err) {
          return fail(err instanceof Error ? err.message : 'invalid device token');
        }
      }
    }
    if (!s.closed) this.addRoute(s, entry);
  }

  // ---- cloud to device ----

  private authorizeSubscribe(client: Client, sub: Subscription, cb: (err: Error | null, sub?: Subscription | null) => void): void {
    const s = this.sessions.get(client);
    const t = parseSubscribeTopic(sub.topic);
    const route = s && t ? s.routes.get(t.deviceId) : undefined;
    // MQTT 3.1.1 answers a refused subscription with 0x80 in the SUBACK; the connection stays.
    if (!s || !t || !route || (t.kind === 'errors' && (!s.isGateway || t.deviceId !== s.path.deviceId))) return cb(null, null);
    const qos = (sub.qos >= 1 ? 1 : 0) as 0 | 1;
    if (t.kind === 'config') route.configQos = qos;
    if (t.kind === 'commands') {
      route.commandsQos = qos;
      void route.presence
        .then((id) => (id ? this.service.store.commandsSubscribed(route.entry.device.registryId, t.deviceId, id) : undefined))
        .catch((err: unknown) => log('WARNING', 'presence update failed', { stage: 'gateway-mqtt', deviceId: t.deviceId, error: String(err) }));
    }
    cb(null, { ...sub, qos });
  }

  /** After the SUBACK: a config subscription gets the latest config at once. */
  private onSubscribed(subs: Subscription[], client: Client): void {
    const s = this.sessions.get(client);
    if (!s) return;
    for (const sub of subs) {
      const t = parseSubscribeTopic(sub.topic);
      const route = t?.kind === 'config' ? s.routes.get(t.deviceId) : undefined;
      if (!route) continue;
      this.service.store.getDevice(route.entry.device.registryId, route.entry.device.deviceId).then(
        // Not forced: the devices listener may have sent this version already (both race after the SUBACK).
        (dev) => dev && this.sendConfig(route, dev.config),
        (err: unknown) => log('WARNING', 'config read failed', { stage: 'gateway-mqtt', deviceId: route.entry.device.deviceId, error: String(err) }),
      );
    }
  }

  private onUnsubscribed(topics: string[], client: Client): void {
    const s = this.sessions.get(client);
    for (const topic of topics) {
      const t = parseSubscribeTopic(topic);
      const route = t && s?.routes.get(t.deviceId);
      if (!route) continue;
      if (t.kind === 'config') route.configQos = null;
      if (t.kind === 'commands') route.commandsQos = null;
    }
  }

  /** Sends `cfg` if it is newer than what this connection has (or `force` on subscribe); QoS 1 is re-sent until PUBACK. */
  sendConfig(route: Route, cfg: DeviceConfig, force = false): void {
    if (route.configQos === null || (!force && cfg.version <= route.configSent)) return;
    const s = route.session;
    const deviceId = route.entry.device.deviceId;
    const payload = Buffer.from(cfg.binaryData, 'base64');
    if (route.pendingConfig) {
      clearTimeout(route.pendingConfig.timer);
      s.inflight.delete(route.pendingConfig.messageId);
      route.pendingConfig = null;
    }
    route.configSent = cfg.version;
    if (route.configQos === 0) {
      s.write(configTopic(deviceId), payload, 0);
      return;
    }
    const messageId = s.allocId();
    s.inflight.set(messageId, { kind: 'config', deviceId, version: cfg.version });
    const send = (dup: boolean): void => {
      if (!s.write(configTopic(deviceId), payload, 1, messageId, dup)) return;
      const timer = setTimeout(() => {
        if (route.pendingConfig?.messageId === messageId && s.inflight.has(messageId)) send(true);
      }, this.opts.configResendMs);
      timer.unref();
      route.pendingConfig = { version: cfg.version, messageId, timer };
    };
    send(false);
  }

  /** Delivers a command on the route's commands topic; resolves after the PUBACK (QoS 1) or the write (QoS 0). */
  deliverCommand(route: Route, payload: Buffer, subFolder: string | null): Promise<void> {
    const s = route.session;
    const deviceId = route.entry.device.deviceId;
    if (route.commandsQos === null || s.closed) return Promise.reject(new Error(`device ${deviceId} is not subscribed to its commands topic`));
    if (route.commandsQos === 0) {
      return s.write(commandTopic(deviceId, subFolder), payload, 0) ? Promise.resolve() : Promise.reject(new Error('the device disconnected'));
    }
    return new Promise((resolve, reject) => {
      const messageId = s.allocId();
      s.inflight.set(messageId, { kind: 'command', deviceId, onAck: resolve, onFail: (why) => reject(new Error(why)) });
      if (!s.write(commandTopic(deviceId, subFolder), payload, 1, messageId)) {
        s.inflight.delete(messageId);
        reject(new Error('the device disconnected'));
      }
    });
  }

  /**
   * PUBACKs for what we sent. aedes reports them to its persistence layer
   * (outgoingClearMessageId), which for a clean session holds nothing; the
   * packet ids are ours, so they are matched here and never reach it.
   */
  private interceptPubacks(): void {
    const persistence = (this.broker as unknown as { persistence: { outgoingClearMessageId(c: Client, p: { messageId?: number }): Promise<unknown> } }).persistence;
    const original = persistence.outgoingClearMessageId.bind(persistence);
    persistence.outgoingClearMessageId = (client, packet) => {
      const s = this.sessions.get(client);
      const inf = s && packet.messageId !== undefined ? s.inflight.get(packet.messageId) : undefined;
      if (!s || !inf) return original(client, packet);
      s.inflight.delete(packet.messageId!);
      const route = s.routes.get(inf.deviceId);
      if (inf.kind === 'command') inf.onAck();
      else if (route) {
        const pending = route.pendingConfig;
        if (pending && pending.messageId === packet.messageId) {
          clearTimeout(pending.timer);
          route.pendingConfig = null;
        }
        void this.service.store.ackConfig(route.entry.device.registryId, inf.deviceId, inf.version).catch((err: unknown) => log('WARNING', 'config ack write failed', { stage: 'gateway-mqtt', deviceId: inf.deviceId, error: String(err) }));
      }
      return Promise.resolve(undefined);
    };
  }
}
