// insertAll's TIMESTAMP parser reads the common canonical form by character
// code; checked here against Date.parse (milliseconds) plus the extra
// microsecond digits, over seeded random instants in years 1..9999, and on
// near-misses that must fall through to the general parser's answer.
import assert from 'node:assert/strict';
import { parseTimestampMicros } from '../../../emulators/bigquery/row-convert.js';
import { mulberry32 } from '../../../tools/lib/prng.js';

describe('bigquery emulator: TIMESTAMP fast path', () => {
  it('agrees with Date.parse on 20,000 seeded canonical timestamps', () => {
    const rand = mulberry32(4242);
    const min = -62135596800000; // 0001-01-01T00:00:00Z (Date.UTC would read year 1 as 1901)
    const max = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
    for (let i = 0; i < 20_000; i++) {
      const ms = Math.floor(min + rand() * (max - min));
      const iso = new Date(ms).toISOString(); // YYYY-MM-DDTHH:MM:SS.mmmZ
      const extra = Math.floor(rand() * 1000);
      const forms: [string, bigint][] = [
        [iso, BigInt(ms) * 1000n],
        [`${iso.slice(0, 23)}${String(extra).padStart(3, '0')}Z`, BigInt(ms) * 1000n + BigInt(extra)],
        [`${iso.slice(0, 19)}Z`, BigInt(Math.floor(ms / 1000)) * 1_000_000n],
        [`${iso.slice(0, 23)}+00:00`, BigInt(ms) * 1000n],
        [`${iso.slice(0, 23)}${String(extra).padStart(3, '0')}789z`, BigInt(ms) * 1000n + BigInt(extra)],
      ];
      for (const [text, want] of forms) assert.equal(parseTimestampMicros(text), want, text);
    }
  });

  it('leaves other spellings to the general parser, with the same answers as before', () => {
    const base = BigInt(Date.UTC(2026, 10, 24, 20, 0, 0)) * 1000n;
    assert.equal(parseTimestampMicros('2026-11-24 20:00:00'), base);
    assert.equal(parseTimestampMicros('2026-11-24T22:00:00+02:00'), base);
    assert.equal(parseTimestampMicros(' 2026-11-24T20:00:00Z '), base);
    assert.equal(parseTimestampMicros('2026-11-24T20:00:00 UTC'), base);
    assert.equal(parseTimestampMicros('2026-11-24T20:00:60Z'), null);
    assert.equal(parseTimestampMicros('2026-02-30T20:00:00Z'), null);
    assert.equal(parseTimestampMicros('2026-11-24T20:00:00.1234567890Z'), null);
    assert.equal(parseTimestampMicros('2026-11-24T24:00:00Z'), null);
  });
});
