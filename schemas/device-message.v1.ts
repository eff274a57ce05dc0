// The device message, version 1, as JSON Schema draft 2020-12. This object is
// the single source of truth: validate compiles it with ajv, the TypeScript
// types below are derived from it (json-schema-to-ts), and
// schemas/device-message.v1.json is a generated copy for external tools
// (`node build/schemas/write-device-message-json.js`; a unit test checks they agree).
//
// Two forms, told apart by the required key `events`:
//   single: {deviceId, boot?, seq?, ts, readings?, state?}
//   batch:  {deviceId, boot?, events: [{seq?, ts, readings?, state?}, ...]}
// Evolution is additive: a new optional field means a new version file.
import type { FromSchema } from 'json-schema-to-ts';

// Either the pipeline's own ids or Cloud IoT Core's (3-255 characters from a
// letter, with - . _ + ~ %), so devices moved from IoT Core keep their ids.
// Both are valid Firestore document ids as they are (no '/', never '.' or
// '..' or '__x__') and plain strings in BigQuery.
export const DEVICE_ID_PATTERN = '^(?:[A-Za-z0-9][A-Za-z0-9_-]{0,127}|[A-Za-z][-A-Za-z0-9._+~%]{2,254})$';
/** Metric and state key names: safe as BigQuery values and Firestore field paths (no dots, no slashes). */
export const KEY_PATTERN = '^[a-z][a-z0-9_]{0,63}$';

const deviceId = {
  type: 'string',
  pattern: DEVICE_ID_PATTERN,
  description: 'Device id, safe as a Firestore document id.',
} as const;

const seq = {
  type: 'integer',
  minimum: 0,
  maximum: 9007199254740991,
  description: 'Per-device counter (a non-negative safe integer); eventId = deviceId:seq, or deviceId@boot:seq with a boot id.',
} as const;

/**
 * Optional boot (epoch) id: a value the device changes at every boot (a
 * persisted boot counter, or a random id drawn at boot). Devices that start
 * seq again at 0 after a reboot must send it: the eventId is then
 * deviceId@boot:seq, so events of a new boot never collide with the last
 * boot's (docs/reliability.md, "Device reboots").
 */
export const BOOT_PATTERN = '^[A-Za-z0-9_-]{1,64}$';
const boot = {
  type: 'string',
  pattern: BOOT_PATTERN,
  description: 'Boot id: changes at every device boot; with seq, eventId = deviceId@boot:seq.',
} as const;

const ts = {
  type: 'string',
  format: 'date-time',
  maxLength: 64,
  description: 'Event time, RFC 3339 with a time zone (Z or +-HH:MM); stored as UTC with microseconds.',
} as const;

const readings = {
  type: 'object',
  description: 'Metric name -> finite number.',
  propertyNames: { pattern: KEY_PATTERN },
  additionalProperties: { type: 'number' },
  maxProperties: 1000,
} as const;

const state = {
  type: 'object',
  description: 'State key -> string, number, boolean or null.',
  propertyNames: { pattern: KEY_PATTERN },
  additionalProperties: { type: ['string', 'number', 'boolean', 'null'] },
  maxProperties: 1000,
} as const;

/**
 * At least one of readings/state: an event that carries neither is a client
 * bug. (Each branch names its property again because ajv's strict mode wants
 * every required key defined beside it.)
 */
const hasPayload = [
  { required: ['readings'], properties: { readings: true } },
  { required: ['state'], properties: { state: true } },
] as const;

export const singleMessageSchemaV1 = {
  type: 'object',
  title: 'Single event',
  required: ['deviceId', 'ts'],
  properties: { deviceId, boot, seq, ts, readings, state },
  anyOf: hasPayload,
  additionalProperties: false,
} as const;

export const batchEventSchemaV1 = {
  type: 'object',
  title: 'Batch event',
  required: ['ts'],
  // deviceId is tolerated inside a batch event but must equal the batch's.
  properties: { deviceId, seq, ts, readings, state },
  anyOf: hasPayload,
  additionalProperties: false,
} as const;

export const batchMessageSchemaV1 = {
  type: 'object',
  title: 'Batch of events from one device',
  required: ['deviceId', 'events'],
  properties: {
    deviceId,
    // For every event of the batch (a batch is sent within one boot).
    boot,
    events: { type: 'array', minItems: 1, maxItems: 10000, items: batchEventSchemaV1 },
  },
  additionalProperties: false,
} as const;

export const deviceMessageSchemaV1 = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'https://iot-pipeline.example/schemas/device-message.v1.json',
  title: 'Device message v1',
  description: 'A device telemetry message published to the device-events topic (attribute schemaVersion=1 or absent).',
  oneOf: [singleMessageSchemaV1, batchMessageSchemaV1],
} as const;

export type DeviceMessageV1 = FromSchema<typeof deviceMessageSchemaV1>;
export type SingleMessageV1 = FromSchema<typeof singleMessageSchemaV1>;
export type BatchMessageV1 = FromSchema<typeof batchMessageSchemaV1>;
export type BatchEventV1 = FromSchema<typeof batchEventSchemaV1>;
