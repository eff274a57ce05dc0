// The device registry's records, as stored in Firestore (names.ts has the
// layout) and read back by the bridges and the admin tool. Everything a
// device sends or receives as bytes is stored base64 (binaryData), as IoT
// Core's API carried it, so apps read one form whatever the payload is.
import { checkCredentials, type StoredCredential } from './credentials.js';
import { GatewayError } from './errors.js';

export type GatewayType = 'GATEWAY' | 'NON_GATEWAY';

export interface RegistryRecord {
  registryId: string;
  location: string;
  tenantId: string;
  /** Where device events go; null: the gateway's default topic. */
  eventTopic: string | null;
  /** Where state updates are also published (IoT Core's stateNotificationConfig); null: none. */
  stateTopic: string | null;
  /** How validate turns this registry's payloads into the event model (functions/validate/gateway-mapping.ts). */
  payloadMapping: Record<string, unknown> | null;
  httpEnabled: boolean;
  mqttEnabled: boolean;
}

export interface DeviceConfig {
  version: number;
  binaryData: string;
  cloudUpdateTime: string;
  deviceAckTime: string | null;
}

export interface DeviceState {
  binaryData: string;
  updateTime: string;
}

/** Where a device is connected now (written by the MQTT bridge that holds it). */
export interface DeviceConnection {
  bridge: string;
  session: string;
  since: string;
  commandsSubscribed: boolean;
}

export interface DeviceRecord {
  registryId: string;
  deviceId: string;
  /** IoT Core's numeric id (uint64 as a decimal string), stamped on every event as deviceNumId. */
  numId: string;
  tenantId: string;
  blocked: boolean;
  credentials: StoredCredential[];
  gatewayType: GatewayType;
  /** Gateways this device is bound to (it may reach the cloud through them). */
  boundGateways: string[];
  config: DeviceConfig;
  state: DeviceState | null;
  stateCount: number;
  connection: DeviceConnection | null;
}

function bad(what: string): GatewayError {
  return new GatewayError('INTERNAL', `registry record malformed: ${what}`);
}

const str = (v: unknown, what: string): string => {
  if (typeof v !== 'string') throw bad(`${what} is not a string`);
  return v;
};
const optStr = (v: unknown, what: string): string | null => (v === undefined || v === null ? null : str(v, what));

export function parseRegistry(registryId: string, d: Record<string, unknown>): RegistryRecord {
  const mapping = d.payloadMapping ?? null;
  if (mapping !== null && (typeof mapping !== 'object' || Array.isArray(mapping))) throw bad('payloadMapping is not an object');
  return {
    registryId,
    location: str(d.location, 'location'),
    tenantId: str(d.tenantId, 'tenantId'),
    eventTopic: optStr(d.eventTopic, 'eventTopic'),
    stateTopic: optStr(d.stateTopic, 'stateTopic'),
    payloadMapping: mapping as Record<string, unknown> | null,
    httpEnabled: d.httpEnabled !== false,
    mqttEnabled: d.mqttEnabled !== false,
  };
}

export function parseDevice(registryId: string, deviceId: string, d: Record<string, unknown>): DeviceRecord {
  const cfg = (d.config ?? {}) as Record<string, unknown>;
  const state = d.state as Record<string, unknown> | null | undefined;
  const conn = d.connection as Record<string, unknown> | null | undefined;
  let credentials: StoredCredential[];
  try {
    credentials = checkCredentials(d.credentials ?? []);
  } catch (err) {
    throw bad(`credentials: ${(err as Error).message}`);
  }
  return {
    registryId,
    deviceId,
    numId: str(d.numId, 'numId'),
    tenantId: str(d.tenantId, 'tenantId'),
    blocked: d.blocked === true,
    credentials,
    gatewayType: d.gatewayType === 'GATEWAY' ? 'GATEWAY' : 'NON_GATEWAY',
    boundGateways: Array.isArray(d.boundGateways) ? d.boundGateways.filter((g): g is string => typeof g === 'string') : [],
    config: {
      version: typeof cfg.version === 'number' ? cfg.version : 0,
      binaryData: typeof cfg.binaryData === 'string' ? cfg.binaryData : '',
      cloudUpdateTime: typeof cfg.cloudUpdateTime === 'string' ? cfg.cloudUpdateTime : '',
      deviceAckTime: typeof cfg.deviceAckTime === 'string' ? cfg.deviceAckTime : null,
    },
    state: state ? { binaryData: str(state.binaryData, 'state.binaryData'), updateTime: str(state.updateTime, 'state.updateTime') } : null,
    stateCount: typeof d.stateCount === 'number' ? d.stateCount : 0,
    connection: conn
      ? { bridge: str(conn.bridge, 'connection.bridge'), session: str(conn.session, 'connection.session'), since: str(conn.since, 'connection.since'), commandsSubscribed: conn.commandsSubscribed === true }
      : null,
  };
}
