// RFC 3339 parsing to microseconds and the canonical UTC form, table-driven.
import assert from 'node:assert/strict';
import { canonicalOr, instantFromDate, parseRfc3339 } from '../../functions/lib/canonical-time.js';

describe('canonical time', () => {
  const good: [string, string][] = [
    ['2026-11-24T20:00:00Z', '2026-11-24T20:00:00.000000Z'],
    ['2026-11-24T20:00:00.125Z', '2026-11-24T20:00:00.125000Z'],
    ['2026-11-24t20:00:00.1z', '2026-11-24T20:00:00.100000Z'],
    ['2026-11-24 20:00:00Z', '2026-11-24T20:00:00.000000Z'],
    ['2026-11-24T20:00:00.123456789Z', '2026-11-24T20:00:00.123456Z'],
    ['2026-11-24T20:00:00.9999999Z', '2026-11-24T20:00:00.999999Z'],
    ['2026-11-24T22:30:00+02:30', '2026-11-24T20:00:00.000000Z'],
    ['2026-11-24T00:30:00+01:00', '2026-11-23T23:30:00.000000Z'],
    ['2026-12-31T23:00:00-01:00', '2027-01-01T00:00:00.000000Z'],
    ['2024-02-29T12:00:00Z', '2024-02-29T12:00:00.000000Z'],
    ['2000-02-29T12:00:00Z', '2000-02-29T12:00:00.000000Z'],
    ['0001-01-01T00:00:00Z', '0001-01-01T00:00:00.000000Z'],
    ['0099-06-01T00:00:00Z', '0099-06-01T00:00:00.000000Z'],
    ['9999-12-31T23:59:59.999999Z', '9999-12-31T23:59:59.999999Z'],
    ['1969-12-31T23:59:59.5Z', '1969-12-31T23:59:59.500000Z'],
  ];
  for (const [input, want] of good) {
    it(`${input} -> ${want}`, () => assert.equal(parseRfc3339(input)?.canonical, want));
  }

  const bad = [
    '2026-11-24T20:00:00',
    '2026-11-24',
    '2026-02-29T00:00:00Z',
    '1900-02-29T00:00:00Z',
    '2026-04-31T00:00:00Z',
    '2026-13-01T00:00:00Z',
    '2026-00-01T00:00:00Z',
    '2026-11-24T24:00:00Z',
    '2026-11-24T23:60:00Z',
    '2026-11-24T23:59:60Z',
    '2026-11-24T20:00:00+24:00',
    '2026-11-24T20:00:00+01:60',
    '2026-11-24T20:00:00+0100',
    '2026-11-24T20:00:00.Z',
    '2026-11-24T20:00:00.1234567890Z',
    '0000-01-01T00:00:00Z',
    '9999-12-31T23:00:00-01:00',
    '0001-01-01T00:30:00+01:00',
    '+02026-11-24T20:00:00Z',
    ' 2026-11-24T20:00:00Z',
    '2026-11-24T20:00:00Z\n',
    '２０２６-11-24T20:00:00Z',
  ];
  for (const input of bad) {
    it(`${JSON.stringify(input)} -> refused`, () => assert.equal(parseRfc3339(input), null));
  }

  it('keeps microseconds apart from milliseconds', () => {
    const t = parseRfc3339('2026-11-24T20:00:00.123456Z')!;
    assert.equal(t.micros, 123456);
    assert.equal(t.epochMs, Date.parse('2026-11-24T20:00:00.123Z'));
    assert.equal(t.epochSeconds, Date.parse('2026-11-24T20:00:00Z') / 1000);
  });

  it('instantFromDate and canonicalOr', () => {
    assert.equal(instantFromDate(new Date('2026-11-24T20:00:00.5Z')).canonical, '2026-11-24T20:00:00.500000Z');
    assert.equal(instantFromDate(new Date(-1)).canonical, '1969-12-31T23:59:59.999000Z');
    assert.equal(canonicalOr('nonsense', new Date('2026-01-01T00:00:00Z')).canonical, '2026-01-01T00:00:00.000000Z');
    assert.equal(canonicalOr('2026-11-24T20:00:00.123456789Z', new Date(0)).canonical, '2026-11-24T20:00:00.123456Z');
  });
});
