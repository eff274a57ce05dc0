// RFC 3339 timestamps parsed by hand to microsecond precision (Date keeps only
// milliseconds and accepts too much), and one canonical UTC text form
// `YYYY-MM-DDTHH:MM:SS.ffffffZ`: fixed width, so it sorts as text, and exactly
// what BigQuery TIMESTAMP and Firestore keep.
//
// This runs twice per event on validate's hot path (event time and publish
// time), so it reads character codes and does calendar arithmetic (Hinnant's
// days_from_civil / civil_from_days) instead of a regex and Date objects: about
// 10x faster, and a unit test checks it against a Date-based reference.

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

/** 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z: the years BigQuery TIMESTAMP holds. */
const MIN_EPOCH_SECONDS = -62135596800;
const MAX_EPOCH_SECONDS = 253402300799;

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;

function isLeap(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

function daysIn(year: number, month: number): number {
  return month === 2 && isLeap(year) ? 29 : (DAYS_IN_MONTH[month - 1] ?? 0);
}

/** Two decimal digits at i, or -1 (charCodeAt past the end is NaN, which fails the range test). */
function twoDigits(s: string, i: number): number {
  const a = s.charCodeAt(i) - 48;
  const b = s.charCodeAt(i + 1) - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}

/** Days from 1970-01-01 to a proleptic Gregorian date (year >= 0). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

const pad2 = (n: number): string => (n < 10 ? `0${n}` : `${n}`);

function pad(n: number, width: number): string {
  const s = `${n}`;
  return s.length >= width ? s : '000000'.slice(0, width - s.length) + s;
}

/** Canonical text of an instant already known to lie in years 1..9999. */
function formatCanonical(epochSeconds: number, micros: number): string {
  const days = Math.floor(epochSeconds / 86400);
  let secs = epochSeconds - days * 86400;
  const hour = Math.floor(secs / 3600);
  secs -= hour * 3600;
  const minute = Math.floor(secs / 60);
  const second = secs - minute * 60;
  // civil_from_days
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  return `${pad(year, 4)}-${pad2(month)}-${pad2(day)}T${pad2(hour)}:${pad2(minute)}:${pad2(second)}.${pad(micros, 6)}Z`;
}

/**
 * Parses an RFC 3339 date-time, or returns null. Separator T, t or space
 * (RFC 3339 section 5.6 note); 1-9 fraction digits (nanoseconds at most, as
 * Pub/Sub's publishTime carries); Z, z or +-HH:MM. Digits beyond microseconds
 * are truncated (never rounded, so an event never moves into the next
 * second). Leap seconds (:60) are rejected: BigQuery cannot store them.
 */
export function parseRfc3339(text: string): Instant | null {
  const n = text.length;
  // Shortest: YYYY-MM-DDTHH:MM:SSZ (20); longest: 9 fraction digits and an offset (35).
  if (n < 20 || n > 35) return null;
  const hi = twoDigits(text, 0);
  const lo = twoDigits(text, 2);
  const month = twoDigits(text, 5);
  const day = twoDigits(text, 8);
  const hour = twoDigits(text, 11);
  const minute = twoDigits(text, 14);
  const second = twoDigits(text, 17);
  const sep = text.charCodeAt(10);
  if (hi < 0 || lo < 0 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0) return null;
  if (text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45 || text.charCodeAt(13) !== 58 || text.charCodeAt(16) !== 58) return null;
  if (sep !== 84 /* T */ && sep !== 116 /* t */ && sep !== 32 /* space */) return null;
  const year = hi * 100 + lo;
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysIn(year, month)) return null;
  if (hour > 23 || minute > 59 || second > 59) return null;

  let i = 19;
  let micros = 0;
  let fracEnd = 19;
  if (text.charCodeAt(i) === 46 /* . */) {
    i++;
    const start = i;
    while (i < n) {
      const d = text.charCodeAt(i) - 48;
      if (d < 0 || d > 9) break;
      if (i - start < 6) micros = micros * 10 + d;
      i++;
    }
    const digits = i - start;
    if (digits < 1 || digits > 9) return null;
    if (digits < 6) micros *= 10 ** (6 - digits);
    fracEnd = i;
  }

  let offsetMinutes = 0;
  const zone = text.charCodeAt(i);
  if (zone === 90 /* Z */ || zone === 122 /* z */) {
    if (i + 1 !== n) return null;
  } else if (zone === 43 /* + */ || zone === 45 /* - */) {
    if (i + 6 !== n || text.charCodeAt(i + 3) !== 58) return null;
    const oh = twoDigits(text, i + 1);
    const om = twoDigits(text, i + 4);
    if (oh < 0 || om < 0 || oh > 23 || om > 59) return null;
    offsetMinutes = (zone === 45 ? -1 : 1) * (oh * 60 + om);
  } else {
    return null;
  }

  const epochSeconds = daysFromCivil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second - offsetMinutes * 60;
  if (offsetMinutes !== 0) return fromEpoch(epochSeconds, micros);
  // UTC already: the canonical text is the input's own digits, re-spelled.
  const fraction = fracEnd - 20 >= 6 ? text.slice(20, 26) : text.slice(20, fracEnd) + '000000'.slice(Math.max(0, fracEnd - 20));
  const canonical = `${text.slice(0, 10)}T${text.slice(11, 19)}.${fraction}Z`;
  return { epochSeconds, micros, epochMs: epochSeconds * 1000 + Math.floor(micros / 1000), canonical };
}

/** Canonical instant from whole seconds and microseconds, or null outside years 1..9999. */
export function fromEpoch(epochSeconds: number, micros: number): Instant | null {
  if (!Number.isInteger(epochSeconds) || epochSeconds < MIN_EPOCH_SECONDS || epochSeconds > MAX_EPOCH_SECONDS) return null;
  if (!Number.isInteger(micros) || micros < 0 || micros > 999999) return null;
  return { epochSeconds, micros, epochMs: epochSeconds * 1000 + Math.floor(micros / 1000), canonical: formatCanonical(epochSeconds, micros) };
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
