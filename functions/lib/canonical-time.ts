// RFC 3339 timestamps parsed by hand to microsecond precision (Date keeps only
// milliseconds and accepts too much), and one canonical UTC text form
// `YYYY-MM-DDTHH:MM:SS.ffffffZ`: fixed width, so it sorts as text, and exactly
// what BigQuery TIMESTAMP and Firestore keep.

export interface Instant {
  /** Whole seconds since 1970-01-01T00:00:00Z (may be negative). */
  epochSeconds: number;
  /** 0..999999 */
  micros: number;
  /** Milliseconds since the epoch (micros truncated): for skew arithmetic. */
  epochMs: number;
  /** YYYY-MM-DDTHH:MM:SS.ffffffZ */
  canonical: string;
}

// Separator T, t or space (RFC 3339 section 5.6 note); 1-9 fraction digits
// (nanoseconds at most, as Pub/Sub's publishTime carries); Z or +-HH:MM.
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;

function isLeap(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

function daysIn(year: number, month: number): number {
  return month === 2 && isLeap(year) ? 29 : (DAYS_IN_MONTH[month - 1] ?? 0);
}

/**
 * Parses an RFC 3339 date-time, or returns null. Digits beyond microseconds
 * are truncated (never rounded, so an event never moves into the next
 * second). Leap seconds (:60) are rejected: BigQuery cannot store them.
 */
export function parseRfc3339(text: string): Instant | null {
  const m = RFC3339.exec(text);
  if (!m) return null;
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(Number) as [number, number, number, number, number, number];
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysIn(year, month)) return null;
  if (hour > 23 || minute > 59 || second > 59) return null;
  let offsetMinutes = 0;
  if (!m[8]) {
    const oh = Number(m[10]);
    const om = Number(m[11]);
    if (oh > 23 || om > 59) return null;
    offsetMinutes = (m[9] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  const micros = Number((m[7] ?? '').padEnd(6, '0').slice(0, 6));
  // Date.UTC maps years 0..99 to 1900..1999: set the full year explicitly.
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  d.setUTCHours(hour, minute, second, 0);
  const epochSeconds = d.getTime() / 1000 - offsetMinutes * 60;
  return fromEpoch(epochSeconds, micros);
}

/** Canonical instant from whole seconds and microseconds, or null outside years 1..9999. */
export function fromEpoch(epochSeconds: number, micros: number): Instant | null {
  const d = new Date(epochSeconds * 1000);
  const y = d.getUTCFullYear();
  if (!Number.isFinite(d.getTime()) || y < 1 || y > 9999) return null;
  // toISOString gives ±YYYYYY for years outside 0..9999, which the check above excludes.
  const canonical = `${d.toISOString().slice(0, 19)}.${String(micros).padStart(6, '0')}Z`;
  return { epochSeconds, micros, epochMs: epochSeconds * 1000 + Math.floor(micros / 1000), canonical };
}

/** Canonical form of a Date (millisecond precision). */
export function instantFromDate(date: Date): Instant {
  const ms = date.getTime();
  const secs = Math.floor(ms / 1000);
  const inst = fromEpoch(secs, (ms - secs * 1000) * 1000);
  if (!inst) throw new RangeError(`date outside years 1..9999: ${ms}`);
  return inst;
}

export function canonicalNow(now: Date = new Date()): string {
  return instantFromDate(now).canonical;
}

/** Canonical form of a platform timestamp (e.g. Pub/Sub publishTime), falling back to `fallback` when unparsable. */
export function canonicalOr(text: string, fallback: Date): Instant {
  return parseRfc3339(text) ?? instantFromDate(fallback);
}
