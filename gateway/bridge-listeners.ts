// How the cloud reaches devices held by this MQTT bridge, through Firestore
// alone (no broker-to-broker links, so any number of bridges run side by
// side): each bridge writes its id into the presence of the devices it holds
// (registry-store connected()), and listens to
//  - device documents whose presence names it: a new config version is sent
//    to the device, a block closes its connection, a key change drops the
//    cached registry entry;
//  - pending commands addressed to it (admin.ts sendCommand): delivered on
//    the device's commands topic, then marked delivered or failed.
import type { Firestore, QueryDocumentSnapshot } from '@google-cloud/firestore';
import { log } from '../functions/lib/logger.js';
import type { MqttBridge } from './mqtt-bridge.js';
import { GATEWAY_COLLECTIONS as C } from './names.js';
import { parseDevice } from './registry.js';

/** registries/{r}/devices/{d}[/commands/{id}] -> r, d (null for the pipeline's own devices/{id}). */
function deviceOf(doc: QueryDocumentSnapshot, depth: 0 | 1): { registryId: string; deviceId: string } | null {
  let ref = doc.ref;
  for (let i = 0; i < depth; i++) ref = ref.parent.parent!;
  const reg = ref.parent.parent;
  if (!reg || reg.parent.id !== C.registries) return null;
  return { registryId: reg.id, deviceId: ref.id };
}

export function startBridgeListeners(db: Firestore, bridge: MqttBridge): () => void {
  const bridgeId = bridge.opts.bridgeId;
  const stops: (() => void)[] = [];
  let stopped = false;

  const listen = (name: string, start: () => () => void): void => {
    const run = (): void => {
      if (stopped) return;
      stops.push(start());
    };
    // A listener that fails for good is restarted after a pause (the client retries transient errors itself).
    restarters.set(name, () => setTimeout(run, 1000).unref());
    run();
  };
  const restarters = new Map<string, () => void>();
  const onError = (name: string) => (err: Error) => {
    log('ERROR', `bridge listener ${name} failed; restarting`, { stage: 'gateway-mqtt', error: err.message });
    restarters.get(name)?.();
  };

  listen('devices', () =>
    db
      .collectionGroup(C.devices)
      .where('connection.bridge', '==', bridgeId)
      .onSnapshot((snap) => {
        for (const ch of snap.docChanges()) {
          if (ch.type === 'removed') continue;
          const id = deviceOf(ch.doc, 0);
          if (!id) continue;
          bridge.service.invalidate(id.registryId, id.deviceId);
          const route = bridge.routes.get(`${id.registryId}/${id.deviceId}`);
          if (!route) continue;
          let dev;
          try {
            dev = parseDevice(id.registryId, id.deviceId, ch.doc.data());
          } catch {
            continue;
          }
          if (dev.blocked) {
            // The device itself: close; a device attached to a gateway: the gateway's other devices stay.
            if (route.session.path.deviceId === id.deviceId) route.session.close('the device was blocked');
            else route.session.routes.delete(id.deviceId);
            continue;
          }
          route.entry = { ...route.entry, device: dev };
          bridge.sendConfig(route, dev.config);
        }
      }, onError('devices')),
  );

  listen('commands', () =>
    db
      .collectionGroup(C.commands)
      .where('bridge', '==', bridgeId)
      .where('status', '==', 'pending')
      .onSnapshot((snap) => {
        for (const ch of snap.docChanges()) {
          if (ch.type !== 'added') continue;
          const id = deviceOf(ch.doc, 1);
          if (!id) continue;
          const cmd = ch.doc.data() as { session?: string; subFolder?: string | null; binaryData?: string };
          const route = bridge.routes.get(`${id.registryId}/${id.deviceId}`);
          const outcome =
            route && route.presenceId === cmd.session
              ? bridge.deliverCommand(route, Buffer.from(cmd.binaryData ?? '', 'base64'), cmd.subFolder ?? null)
              : Promise.reject(new Error(`device ${id.deviceId} is no longer connected`));
          outcome.then(
            () => ch.doc.ref.update({ status: 'delivered', deliveredAt: new Date().toISOString() }),
            (err: Error) => ch.doc.ref.update({ status: 'failed', error: err.message }),
          ).catch((err: unknown) => log('WARNING', 'command outcome write failed', { stage: 'gateway-mqtt', deviceId: id.deviceId, error: String(err) }));
        }
      }, onError('commands')),
  );

  return () => {
    stopped = true;
    for (const s of stops) s();
  };
}
