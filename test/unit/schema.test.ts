// The device message schema: the generated JSON copy equals the TypeScript
// schema, the schema is valid draft 2020-12 under strict ajv, and the
// published oneOf schema agrees with the per-form validators validate uses.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { deviceMessageSchemaV1, type DeviceMessageV1, type SingleMessageV1 } from '../../schemas/device-message.v1.js';
import { DEVICE_MESSAGE_JSON_PATH, deviceMessageJsonV1 } from '../../schemas/device-message.generate.js';
import { compileFullSchemaV1, newAjv, SUPPORTED_SCHEMA_VERSIONS, validatorsFor } from '../../functions/validate/schema-validators.js';
import { jsonDepthExceeds } from '../../functions/validate/json-guards.js';
import { BAD_INPUTS, msg } from '../fixtures/device-messages/bad-inputs.js';

const FIXTURES = path.resolve(__dirname, '../../../test/fixtures/device-messages');

// Compile-time checks: the types follow from the schema.
const typed: SingleMessageV1 = { deviceId: 'd', ts: '2026-11-24T20:00:00Z', readings: { t: 1 }, state: { a: null, b: 'x', c: true, d: 2 } };
const union: DeviceMessageV1 = { deviceId: 'd', events: [{ ts: '2026-11-24T20:00:00Z', state: { a: 1 } }] };
// @ts-expect-error readings values are numbers
const wrongReading: SingleMessageV1 = { deviceId: 'd', ts: 'x', readings: { t: 'hot' } };

describe('device message schema v1', () => {
  it('schemas/device-message.v1.json equals the TypeScript schema (regenerate: node build/schemas/device-message.generate.js)', () => {
    const text = readFileSync(DEVICE_MESSAGE_JSON_PATH, 'utf8');
    assert.deepEqual(JSON.parse(text), JSON.parse(JSON.stringify(deviceMessageSchemaV1)));
    assert.equal(text, deviceMessageJsonV1());
  });

  it('is a valid draft 2020-12 schema and compiles under strict ajv', () => {
    const ajv = newAjv();
    assert.equal(ajv.validateSchema(deviceMessageSchemaV1), true, JSON.stringify(ajv.errors));
    assert.equal(deviceMessageSchemaV1.$schema, 'https://json-schema.org/draft/2020-12/schema');
    assert.ok(compileFullSchemaV1());
  });

  it('version 1 is the only supported version; unknown versions have no validators', () => {
    assert.deepEqual(SUPPORTED_SCHEMA_VERSIONS, ['1']);
    assert.equal(validatorsFor('2'), undefined);
    assert.equal(validatorsFor('__proto__'), undefined);
    assert.equal(validatorsFor('1'), validatorsFor('1'), 'compiled once per instance');
  });

  it('the published oneOf agrees with the per-form validators on every fixture and bad input', () => {
    const full = compileFullSchemaV1();
    const forms = validatorsFor('1')!;
    const bodies: unknown[] = [typed, union, msg()];
    for (const f of readdirSync(path.join(FIXTURES, 'valid'))) bodies.push(JSON.parse(readFileSync(path.join(FIXTURES, 'valid', f), 'utf8')));
    for (const c of BAD_INPUTS) {
      const b = typeof c.body === 'function' ? c.body() : c.body;
      const text = Buffer.isBuffer(b) ? b.toString('utf8') : typeof b === 'string' ? b : JSON.stringify(b);
      // Deep nests never reach the schema (validate refuses them first): ajv recurses.
      if (jsonDepthExceeds(text, 16)) continue;
      try {
        bodies.push(JSON.parse(text));
      } catch {
        // not JSON: never reaches the schema
      }
    }
    assert.ok(bodies.length > 80);
    for (const b of bodies) {
      const isBatch = typeof b === 'object' && b !== null && Object.hasOwn(b, 'events');
      const byForm = isBatch ? forms.batch(b) : forms.single(b);
      assert.equal(full(b), byForm, JSON.stringify(b).slice(0, 200));
    }
  });

  it('valid fixtures pass the published schema', () => {
    const full = compileFullSchemaV1();
    for (const f of readdirSync(path.join(FIXTURES, 'valid'))) {
      assert.equal(full(JSON.parse(readFileSync(path.join(FIXTURES, 'valid', f), 'utf8'))), true, `${f}: ${JSON.stringify(full.errors)}`);
    }
  });

  it('metric and state key names are Firestore- and BigQuery-safe', () => {
    const single = validatorsFor('1')!.single;
    for (const bad of ['a.b', 'a/b', 'A', '_a', '1a', 'a-b', 'a b', '', 'a'.repeat(65), '__proto__', 'é']) {
      assert.equal(single(msg({ readings: { [bad]: 1 } })), false, bad);
      assert.equal(single(msg({ readings: undefined, state: { [bad]: 1 } })), false, bad);
    }
    for (const good of ['a', 'temperature', 'co2', 'battery_ok', 'a'.repeat(64)]) {
      assert.equal(single(msg({ readings: { [good]: 1 } })), true, good);
    }
  });
});

export { wrongReading };
