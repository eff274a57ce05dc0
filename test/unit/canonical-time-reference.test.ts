// The hand-written RFC 3339 parser and formatter against a slow, obviously
// right reference (a regex and Date, the previous implementation) over seeded
// random inputs: valid instants in every spelling, and near-misses.
import assert from 'node:assert/strict';
import { fromEpoch, parseRfc3339 } from '../../functions/lib/canonical-time.js';
import { mulberry32 } from '../../tools/lib/prng.js';

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

function referenceCanonical(epochSeconds: number, micros: number): string | null {
  const d = new Date(epochSeconds * 1000);
  const y = d.getUTCFullYear();
  if (!Number.isFinite(d.getTime()) || y < 1 || y > 9999) return null;
  return `${d.toISOString().slice(0, 19)}.${String(micros).padStart(6, '0')}Z`;
}

function referenceParse(text: string): string | null {
  const m = RFC3339.exec(text);
  if (!m) return null;
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(Number) as [number, number, number, number, number, number];
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const dim = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1] ?? 0;
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > dim || hour > 23 || minute > 59 || second > 59) return null;
  let offsetMinutes = 0;
  if (!m[8]) {
    const oh = Number(m[10]);
    const om = Number(m[11]);
    if (oh > 23 || om > 59) return null;
    offsetMinutes = (m[9] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  const micros = Number((m[7] ?? '').padEnd(6, '0').slice(0, 6));
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  d.setUTCHours(hour, minute, second, 0);
  return referenceCanonical(d.getTime() / 1000 - offsetMinutes * 60, micros);
}

describe('canonical time against a Date-based reference', () => {
  const rand = mulberry32(20261125);
  const int = (lo: number, hi: number): number => lo + Math.floor(rand() * (hi - lo + 1));
  const p = (n: number, w: number): string => String(n).padStart(w, '0');
  const pick = <T>(xs: readonly T[]): T => xs[int(0, xs.length - 1)] as T;

  function randomText(): string {
    // Edges of the calendar and of the range are over-represented on purpose;
    // about half the inputs may also carry an out-of-range field or a bad spelling.
    const bad = rand() < 0.5;
    const maybe = <T>(good: T, alt: T): T => (bad && rand() < 0.25 ? alt : good);
    const year = pick([int(1, 9999), int(1, 3), int(9997, 9999), int(1968, 1971), 2000, 1900, 2024, int(2020, 2030)]);
    const month = maybe(pick([int(1, 12), 2, 12, 1]), pick([0, 13]));
    const day = maybe(pick([int(1, 28), int(28, 31), 29, 1]), pick([0, 32]));
    const time = `${p(maybe(pick([int(0, 23), 23, 0]), 24), 2)}:${p(maybe(pick([int(0, 59), 59]), 60), 2)}:${p(maybe(pick([int(0, 59), 59]), 60), 2)}`;
    const digits = maybe(pick([0, 0, 1, 3, 6, 9, int(1, 9)]), 10);
    const fraction = digits === 0 ? '' : `.${Array.from({ length: digits }, () => int(0, 9)).join('')}`;
    const zone = maybe(pick(['Z', 'z', '+00:00', '-00:00', `+${p(int(0, 23), 2)}:${p(int(0, 59), 2)}`, `-${p(int(0, 23), 2)}:${p(int(0, 59), 2)}`]), pick(['+24:00', '', '+0100', '+01:60']));
    const sep = maybe(pick(['T', 'T', 't', ' ']), 'x');
    return `${p(year, 4)}-${p(month, 2)}-${p(day, 2)}${sep}${time}${fraction}${zone}`;
  }

  it('agrees on 50,000 seeded inputs, valid and not', () => {
    let valid = 0;
    for (let i = 0; i < 50_000; i++) {
      const text = randomText();
      const want = referenceParse(text);
      const got = parseRfc3339(text);
      assert.equal(got?.canonical ?? null, want, text);
      if (got) {
        valid++;
        assert.equal(got.epochSeconds * 1000 + Math.floor(got.micros / 1000), got.epochMs, text);
        assert.equal(new Date(got.epochMs).toISOString().slice(0, 23), got.canonical.slice(0, 23), text);
      }
    }
    // The generator must exercise both outcomes in earnest.
    assert.ok(valid > 15_000 && valid < 45_000, `valid ${valid}`);
  });

  it('formats one second in every 97,003,017 from year 1 to 9999 as Date does', () => {
    for (let s = -62135596800; s <= 253402300799; s += 97_003_017) {
      const micros = Math.abs(s) % 1_000_000;
      assert.equal(fromEpoch(s, micros)?.canonical, referenceCanonical(s, micros), String(s));
    }
    assert.equal(fromEpoch(-62135596801, 0), null);
    assert.equal(fromEpoch(253402300800, 0), null);
    assert.equal(fromEpoch(253402300799, 999999)?.canonical, '9999-12-31T23:59:59.999999Z');
  });
});
