// Compiled device-message validators, built once per instance (compiling is
// the expensive part of ajv). Strict ajv on the 2020-12 build, first error
// only (allErrors: false): a bad message is rejected as soon as possible.
import Ajv2020, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { parseRfc3339 } from '../lib/canonical-time.js';
import { batchMessageSchemaV1, deviceMessageSchemaV1, singleMessageSchemaV1, type BatchMessageV1, type SingleMessageV1 } from '../../schemas/device-message.v1.js';

export interface MessageValidators {
  single: ValidateFunction<SingleMessageV1>;
  batch: ValidateFunction<BatchMessageV1>;
}

/** The schemas each supported schemaVersion attribute selects. */
const SCHEMAS = {
  '1': { single: singleMessageSchemaV1, batch: batchMessageSchemaV1 },
} as const;

export const SUPPORTED_SCHEMA_VERSIONS: readonly string[] = Object.keys(SCHEMAS);

export function newAjv(): Ajv2020 {
  // allowUnionTypes: state values are typed ['string','number','boolean','null'].
  const ajv = new Ajv2020({ allErrors: false, strict: true, allowUnionTypes: true });
  addFormats(ajv);
  // date-time is checked by the same parser that then reads the time, so
  // "valid" means one thing (RFC 3339 with a zone, years 1..9999, no leap
  // second) and the check costs one pass instead of ajv-formats' three regexes.
  ajv.addFormat('date-time', { type: 'string', validate: (s: string) => parseRfc3339(s) !== null });
  return ajv;
}

const compiled = new Map<string, MessageValidators>();

/** Validators for a schema version, or undefined when the version is unknown. */
export function validatorsFor(version: string): MessageValidators | undefined {
  if (!Object.hasOwn(SCHEMAS, version)) return undefined;
  let v = compiled.get(version);
  if (!v) {
    const ajv = newAjv();
    const s = SCHEMAS[version as keyof typeof SCHEMAS];
    // The two forms are compiled apart (the message's `events` key picks one)
    // so the first error points into the form the device meant, not into the
    // other branch of the published oneOf.
    v = { single: ajv.compile<SingleMessageV1>(s.single), batch: ajv.compile<BatchMessageV1>(s.batch) };
    compiled.set(version, v);
  }
  return v;
}

/** The published oneOf schema, compiled: tests check it agrees with the per-form validators. */
export function compileFullSchemaV1(): ValidateFunction {
  return newAjv().compile(deviceMessageSchemaV1);
}

export type { ErrorObject };
