// Device-side MQTT for the gateway tests: mqtt.js connections as a device
// makes them (client id = device path, JWT as password), and a raw
// mqtt-packet client that can withhold PUBACKs (mqtt.js always sends them).
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { connect as mqttConnect, type IClientOptions, type MqttClient } from 'mqtt';
import { generate, parser, type Packet } from 'mqtt-packet';

export const clientId = (projectId: string, location: string, registryId: string, deviceId: string): string =>
  `projects/${projectId}/locations/${location}/registries/${registryId}/devices/${deviceId}`;

export interface DeviceConn {
  client: MqttClient;
  closed: Promise<void>;
  messages: { topic: string; payload: Buffer }[];
}

/** Connects and resolves once CONNACK accepted; rejects with the CONNACK return code otherwise. */
export function connectDevice(url: string, id: string, password: string, opts: { ca?: string; connectTimeoutMs?: number } = {}): Promise<DeviceConn> {
  const o: IClientOptions = { clientId: id, username: 'unused', password, protocolVersion: 4, reconnectPeriod: 0, connectTimeout: opts.connectTimeoutMs ?? 10_000, ...(opts.ca ? { ca: readFileSync(opts.ca) } : {}) };
  const client = mqttConnect(url, o);
  const messages: DeviceConn['messages'] = [];
  client.on('message', (topic, payload) => messages.push({ topic, payload }));
  const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
  return new Promise((resolve, reject) => {
    client.once('connect', () => resolve({ client, closed, messages }));
    client.once('error', (err: Error & { code?: number }) => {
      client.end(true);
      reject(Object.assign(new Error(`connect refused: ${err.message}`), { returnCode: err.code }));
    });
  });
}

/** The CONNACK return code a connection attempt gets (0 = accepted). */
export async function connackCode(url: string, id: string, password: string, ca?: string): Promise<number> {
  try {
    const c = await connectDevice(url, id, password, ca ? { ca } : {});
    c.client.end(true);
    return 0;
  } catch (err) {
    return (err as { returnCode?: number }).returnCode ?? -1;
  }
}

/** A bare MQTT 3.1.1 client on a TCP socket: every packet it receives is recorded, nothing is acknowledged unless asked. */
export class RawClient {
  readonly packets: Packet[] = [];
  private readonly socket: net.Socket;
  readonly closed: Promise<void>;

  constructor(port: number) {
    this.socket = net.connect({ port, host: '127.0.0.1' });
    const p = parser({ protocolVersion: 4 });
    p.on('packet', (pk: Packet) => this.packets.push(pk));
    this.socket.on('data', (d) => p.parse(d));
    this.socket.on('error', () => undefined);
    this.closed = new Promise((resolve) => this.socket.once('close', () => resolve()));
  }

  send(packet: Packet): void {
    this.socket.write(generate(packet));
  }

  end(): void {
    this.socket.destroy();
  }
}
