// Starts the bridges this process runs (GATEWAY_MODE) on one DeviceService,
// and stops them in order: listeners first, then pending publishes.
import { Firestore } from '@google-cloud/firestore';
import { PubSub } from '@google-cloud/pubsub';
import type { GatewayConfig } from './config.js';
import { DeviceService } from './device-service.js';
import { EventPublisher } from './event-publisher.js';
import { readFileSync } from 'node:fs';
import { startBridgeListeners } from './bridge-listeners.js';
import { startHttpBridge } from './http-bridge.js';
import { MqttBridge } from './mqtt-bridge.js';
import { RegistryStore } from './registry-store.js';

export interface RunningGateway {
  service: DeviceService;
  mqtt: MqttBridge | null;
  httpPort: number | null;
  mqttPort: number | null;
  mqttsPort: number | null;
  stop(): Promise<void>;
}

export interface GatewayClients {
  firestore?: Firestore;
  pubsub?: PubSub;
}

export async function startGateway(cfg: GatewayConfig, clients: GatewayClients = {}): Promise<RunningGateway> {
  const firestore = clients.firestore ?? new Firestore({ projectId: cfg.projectId });
  const pubsub = clients.pubsub ?? new PubSub({ projectId: cfg.projectId });
  const events = new EventPublisher(pubsub, cfg.eventsTopic, cfg.publishBatchMs);
  const store = new RegistryStore(firestore);
  const service = new DeviceService({ projectId: cfg.projectId, store, events, cacheTtlMs: cfg.cacheTtlMs });
  const stops: (() => Promise<void>)[] = [];
  let httpPort: number | null = null;
  if (cfg.mode !== 'mqtt') {
    const http = await startHttpBridge(service, { host: cfg.host, port: cfg.httpPort });
    httpPort = http.port;
    stops.push(http.close);
  }
  let mqttPort: number | null = null;
  let mqttsPort: number | null = null;
  let mqtt: MqttBridge | null = null;
  if (cfg.mode !== 'http') {
    mqtt = await MqttBridge.create(service, { bridgeId: cfg.bridgeId, configResendMs: cfg.configResendMs });
    const bridge = mqtt;
    const stopListeners = startBridgeListeners(firestore, bridge);
    stops.push(async () => {
      stopListeners();
      await bridge.close();
    });
    if (cfg.mqttPort >= 0) mqttPort = await bridge.listen(cfg.host, cfg.mqttPort);
    if (cfg.mqttsPort >= 0) mqttsPort = await bridge.listenTls(cfg.host, cfg.mqttsPort, readFileSync(cfg.tlsCertFile!), readFileSync(cfg.tlsKeyFile!));
  }
  return {
    service,
    mqtt,
    httpPort,
    mqttPort,
    mqttsPort,
    async stop() {
      for (const s of stops.reverse()) await s();
      await events.close();
      if (!clients.pubsub) await pubsub.close();
      if (!clients.firestore) await firestore.terminate();
    },
  };
}
