// Pure pieces of the BigQuery emulator: REST value formatting, insertAll
// value parsing and errors, the insertId de-dup window, page tokens.
import assert from 'node:assert/strict';
import { Dedup } from '../../../emulators/bigquery/dedup.js';
import { decodePageToken, encodePageToken } from '../../../emulators/bigquery/paging.js';
import { convertRow, FieldError, parseTimestampMicros } from '../../../emulators/bigquery/row-convert.js';
import { normalizeFields, schemaAdditions } from '../../../emulators/bigquery/schema-types.js';
import { formatTimestamp, javaDouble, timestampFormatOf } from '../../../emulators/bigquery/value-format.js';

describe('bigquery emulator: value formatting and parsing', () => {
  it('formats epoch seconds like Java Double.toString, as the REST API does', () => {
    assert.equal(javaDouble(1732492800), '1.7324928E9');
    assert.equal(javaDouble(1732492800.123456), '1.732492800123456E9');
    assert.equal(javaDouble(12.5), '12.5');
    assert.equal(javaDouble(3), '3.0');
    assert.equal(javaDouble(0), '0.0');
    assert.equal(javaDouble(1e-4), '1.0E-4');
    assert.equal(javaDouble(-2.5e10), '-2.5E10');
  });

  it('formats TIMESTAMP per formatOptions', () => {
    const us = 1732492800123456n;
    assert.equal(formatTimestamp(us, 'INT64_MICROS'), '1732492800123456');
    assert.equal(formatTimestamp(us, 'ISO8601_STRING'), '2024-11-25T00:00:00.123456Z');
    assert.equal(formatTimestamp(us, 'FLOAT_SECONDS'), '1.732492800123456E9');
    assert.equal(timestampFormatOf({ useInt64Timestamp: 'true' }), 'INT64_MICROS');
    assert.equal(timestampFormatOf({ useInt64Timestamp: true }), 'INT64_MICROS');
    assert.equal(timestampFormatOf(undefined), 'FLOAT_SECONDS');
    assert.equal(timestampFormatOf({ timestampOutputFormat: 'ISO8601_STRING' }), 'ISO8601_STRING');
  });

  it('parses the TIMESTAMP forms insertAll accepts', () => {
    const base = BigInt(Date.UTC(2026, 10, 24, 20, 0, 0)) * 1000n;
    assert.equal(parseTimestampMicros('2026-11-24T20:00:00Z'), base);
    assert.equal(parseTimestampMicros('2026-11-24 20:00:00.125 UTC'), base + 125000n);
    assert.equal(parseTimestampMicros('2026-11-24T21:30:00+01:30'), base);
    assert.equal(parseTimestampMicros(1795550400), base);
    assert.equal(parseTimestampMicros('2026-11-24'), BigInt(Date.UTC(2026, 10, 24)) * 1000n);
    assert.equal(parseTimestampMicros('2026-02-30T00:00:00Z'), null);
    assert.equal(parseTimestampMicros('yesterday'), null);
  });

  it('converts rows and reports BigQuery-style field errors', () => {
    const fields = normalizeFields([
      { name: 'n', type: 'INT64', mode: 'REQUIRED' },
      { name: 'r', type: 'RECORD', fields: [{ name: 'a', type: 'BOOL' }] },
      { name: 'l', type: 'STRING', mode: 'REPEATED' },
    ]);
    const err = (json: unknown, ignoreUnknown = false): string => {
      try {
        convertRow(fields, json, ignoreUnknown);
      } catch (e) {
        assert.ok(e instanceof FieldError);
        return `${e.location}|${e.message}`;
      }
      return 'ok';
    };
    assert.equal(err({ n: '12', r: { a: 'true' }, l: ['x'] }), 'ok');
    assert.equal(err({ n: 1.5 }), 'n|Cannot convert value to integer (bad value): 1.5');
    assert.equal(err({}), 'n|Missing required field: n.');
    assert.equal(err({ n: 1, zz: 1 }), 'zz|no such field: zz.');
    assert.equal(err({ n: 1, zz: 1 }, true), 'ok');
    assert.equal(err({ n: 1, r: { b: 1 } }), 'r.b|no such field: r.b.');
    assert.equal(err({ n: 1, r: 5 }), 'r|This field: r is not a record.');
    assert.equal(err({ n: 1, l: ['a', null] }), 'l|Only optional fields can be set to NULL. Field: l; Value: NULL');
    assert.equal(err({ n: '99999999999999999999' }), 'n|Cannot convert value to integer (bad value): 99999999999999999999');
  });

  it('normalizes schemas to legacy type names and checks allowed schema updates', () => {
    const f = normalizeFields([{ name: 'a', type: 'INT64' }, { name: 'b', type: 'BOOL', mode: 'REQUIRED' }]);
    assert.deepEqual(f, [
      { name: 'a', type: 'INTEGER', mode: 'NULLABLE' },
      { name: 'b', type: 'BOOLEAN', mode: 'REQUIRED' },
    ]);
    assert.throws(() => normalizeFields([{ name: 'a', type: 'INT64' }, { name: 'A', type: 'STRING' }]), /already exists/);
    assert.throws(() => normalizeFields([{ name: 'bad-name', type: 'STRING' }]), /Invalid field name/);
    const next = normalizeFields([{ name: 'a', type: 'INTEGER' }, { name: 'b', type: 'BOOL' }, { name: 'c', type: 'STRING' }]);
    assert.deepEqual(schemaAdditions(f, next).map((x) => x.name), ['c']);
    assert.throws(() => schemaAdditions(f, normalizeFields([{ name: 'a', type: 'STRING' }, { name: 'b', type: 'BOOL' }])), /changed type/);
    assert.throws(() => schemaAdditions(f, normalizeFields([{ name: 'a', type: 'INT64' }])), /missing in new schema/);
  });

  it('de-duplicates insertIds within the window only, per table', () => {
    const d = new Dedup(60_000);
    assert.equal(d.check('t1', 'a', 0), false);
    assert.equal(d.check('t1', 'a', 59_999), true);
    assert.equal(d.check('t2', 'a', 1), false);
    assert.equal(d.check('t1', 'a', 60_000), false);
    d.forget('t1', 'a');
    assert.equal(d.check('t1', 'a', 60_001), false);
  });

  it('round-trips page tokens and rejects garbage', () => {
    assert.equal(decodePageToken(encodePageToken(1234)), 1234);
    assert.equal(decodePageToken(undefined), 0);
    assert.throws(() => decodePageToken('!!!'), /Invalid page token/);
  });
});
