// The gateway's names (a contract like functions/lib/names.ts): Firestore
// layout, the topic it publishes device events to, and IoT Core's limits.
export const GATEWAY_COLLECTIONS = {
  /** registries/{registryId}: location, tenantId, eventTopic, payloadMapping. */
  registries: 'registries',
  /** registries/{r}/devices/{deviceId}: credentials, blocked, config, state, connection. */
  devices: 'devices',
  /** .../devices/{d}/configVersions/{version}: the last MAX_CONFIG_VERSIONS configs. */
  configVersions: 'configVersions',
  /** .../devices/{d}/states/{updateTime}: the last MAX_STATE_HISTORY states. */
  states: 'states',
  /** .../devices/{d}/commands/{id}: cloud-to-device commands and their delivery outcome. */
  commands: 'commands',
} as const;

/** Device events from both bridges; only the gateway's service account may publish here. */
export const GATEWAY_EVENTS_TOPIC = 'gateway-events';

/** IoT Core's documented limits. */
export const LIMITS = {
  maxCredentials: 3,
  maxConfigVersions: 10,
  maxStateHistory: 10,
  /** Telemetry event payload (IoT Core: 256 KB). */
  eventBytes: 256 * 1024,
  /** Device state and config payloads (IoT Core: 64 KB). */
  stateBytes: 64 * 1024,
  configBytes: 64 * 1024,
  /** Command payload (IoT Core: 256 KB). */
  commandBytes: 256 * 1024,
  /** JWT iat may be this far in the future (device clock skew). */
  iatSkewSeconds: 600,
  /** exp at most this long after iat. */
  maxTokenLifetimeSeconds: 24 * 3600,
  /** Messages per second per MQTT connection (IoT Core: 100). */
  messagesPerSecond: 100,
  subFolderLength: 256,
} as const;
