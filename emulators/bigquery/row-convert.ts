// insertAll rows (JSON) -> DuckDB values, with BigQuery's per-field errors.
import {
  DuckDBBlobValue,
  DuckDBDateValue,
  DuckDBDecimalValue,
  DuckDBListValue,
  DuckDBStructValue,
  DuckDBTimestampTZValue,
  DuckDBTimestampValue,
  DuckDBTimeValue,
  type DuckDBValue,
} from '@duckdb/node-api';
import type { TableFieldSchema } from './schema-types.js';

export interface RowError {
  reason: string;
  location: string;
  debugInfo: string;
  message: string;
}

export class FieldError extends Error {
  constructor(
    readonly location: string,
    message: string,
  ) {
    super(message);
  }
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

function show(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/**
 * Days since 1970-01-01 for a proleptic Gregorian date (no Date object).
 * Callers pass validDate() dates (years 1..9999), so every quotient below is
 * of a non-negative number and `| 0` is the floor (several times cheaper than
 * Math.floor in the insertAll hot path).
 */
function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = (yy / 400) | 0;
  const yoe = yy - era * 400;
  const doy = (((153 * (m > 2 ? m - 3 : m + 9) + 2) / 5) | 0) + d - 1;
  const doe = yoe * 365 + ((yoe / 4) | 0) - ((yoe / 100) | 0) + doy;
  return era * 146097 + doe - 719468;
}

function daysInMonth(y: number, m: number): number {
  if (m === 2) return y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 29 : 28;
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}

function validDate(y: number, m: number, d: number): boolean {
  return y >= 1 && y <= 9999 && m >= 1 && m <= 12 && d >= 1 && (d <= 28 || d <= daysInMonth(y, m));
}

const DATE_RE = /^(\d{4})-(\d{1,2})-(\d{1,2})$/;
const TIME_RE = /^(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6})\d*)?)?$/;
const TS_RE = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[Tt ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|z|UTC|[+-]\d{1,2}(?::?\d{2})?)?$/;

function timeMicros(h: string, mi: string, s: string | undefined, frac: string | undefined): bigint | null {
  const hh = Number(h);
  const mm = Number(mi);
  const ss = Number(s ?? '0');
  if (hh > 23 || mm > 59 || ss > 59) return null;
  const us = BigInt((frac ?? '').slice(0, 6).padEnd(6, '0'));
  return (BigInt(hh) * 3600n + BigInt(mm) * 60n + BigInt(ss)) * 1000000n + us;
}

/** Microseconds per unit of a k-digit fraction (k < 6); a table, as `10 ** n` cost more than the rest of the parse. */
const SCALE_TO_MICROS = [1, 100000, 10000, 1000, 100, 10];

/** Two ASCII digits at i as a number, or -1. */
function digits2(s: string, i: number): number {
  const a = s.charCodeAt(i) - 48;
  const b = s.charCodeAt(i + 1) - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}

/**
 * The form nearly every streamed row uses (what clients and our sinks send):
 * YYYY-MM-DDTHH:MM:SS[.f{1,9}](Z|+00:00), read by character code without a
 * regex or intermediate strings. null: not that form (the general parser
 * decides), never "invalid".
 */
function canonicalTimestampMicros(v: string): bigint | null {
  const n = v.length;
  if (n < 20 || n > 35 || v.charCodeAt(4) !== 45 || v.charCodeAt(7) !== 45 || v.charCodeAt(10) !== 84 || v.charCodeAt(13) !== 58 || v.charCodeAt(16) !== 58) return null;
  const y1 = digits2(v, 0);
  const y2 = digits2(v, 2);
  const mo = digits2(v, 5);
  const d = digits2(v, 8);
  const h = digits2(v, 11);
  const mi = digits2(v, 14);
  const s = digits2(v, 17);
  if (y1 < 0 || y2 < 0 || mo < 0 || d < 0 || h < 0 || mi < 0 || s < 0 || h > 23 || mi > 59 || s > 59) return null;
  const y = y1 * 100 + y2;
  if (!validDate(y, mo, d)) return null;
  let i = 19;
  let us = 0;
  if (v.charCodeAt(i) === 46) {
    const start = ++i;
    while (i < n && v.charCodeAt(i) >= 48 && v.charCodeAt(i) <= 57) {
      if (i - start < 6) us = us * 10 + (v.charCodeAt(i) - 48);
      i++;
    }
    const k = i - start;
    if (k < 1 || k > 9) return null;
    if (k < 6) us *= SCALE_TO_MICROS[k]!;
  }
  const rest = n - i;
  if (!((rest === 1 && (v.charCodeAt(i) === 90 || v.charCodeAt(i) === 122)) || (rest === 6 && v.endsWith('+00:00')))) return null;
  const secs = daysFromCivil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
  // Exact as a double up to 2^53 microseconds (about years 1685 to 2255): one BigInt instead of three.
  const total = secs * 1e6 + us;
  return Number.isSafeInteger(total) ? BigInt(total) : BigInt(secs) * 1000000n + BigInt(us);
}

/** Parses a TIMESTAMP as BigQuery accepts it (string forms or epoch seconds); micros since epoch. */
export function parseTimestampMicros(v: unknown): bigint | null {
  if (typeof v === 'number') return Number.isFinite(v) ? BigInt(Math.round(v * 1e6)) : null;
  if (typeof v !== 'string') return null;
  const fast = canonicalTimestampMicros(v);
  if (fast !== null) return fast;
  const m = TS_RE.exec(v.trim());
  if (!m) return null;
  const [, y, mo, d, h, mi, s, frac, tz] = m;
  if (!validDate(Number(y), Number(mo), Number(d))) return null;
  const t = h !== undefined ? timeMicros(h, mi!, s, frac) : 0n;
  if (t === null) return null;
  let offsetMin = 0;
  if (tz && !/^(Z|UTC)$/i.test(tz)) {
    const tm = /^([+-])(\d{1,2})(?::?(\d{2}))?$/.exec(tz)!;
    offsetMin = (tm[1] === '-' ? -1 : 1) * (Number(tm[2]) * 60 + Number(tm[3] ?? '0'));
  }
  return BigInt(daysFromCivil(Number(y), Number(mo), Number(d))) * 86400000000n + t - BigInt(offsetMin) * 60000000n;
}

function parseDate(v: unknown): number | null {
  if (typeof v !== 'string') return null;
  const m = DATE_RE.exec(v.trim());
  if (!m || !validDate(Number(m[1]), Number(m[2]), Number(m[3]))) return null;
  return daysFromCivil(Number(m[1]), Number(m[2]), Number(m[3]));
}

function parseDatetime(v: unknown): bigint | null {
  if (typeof v !== 'string') return null;
  const m = TS_RE.exec(v.trim());
  if (!m || m[8]) return null;
  const [, y, mo, d, h, mi, s, frac] = m;
  if (!validDate(Number(y), Number(mo), Number(d))) return null;
  const t = h !== undefined ? timeMicros(h, mi!, s, frac) : 0n;
  if (t === null) return null;
  return BigInt(daysFromCivil(Number(y), Number(mo), Number(d))) * 86400000000n + t;
}

/** One non-RECORD value in insertAll's JSON forms (strings, numbers, booleans) -> its DuckDB value; throws FieldError. */
export function toScalar(f: TableFieldSchema, v: unknown, loc: string): DuckDBValue {
  const bad = (what: string): FieldError => new FieldError(loc, `Cannot convert value to ${what} (bad value): ${show(v)}`);
  switch (f.type) {
    case 'STRING':
      if (typeof v === 'string') return v;
      if (typeof v === 'number' || typeof v === 'boolean') return String(v);
      throw new FieldError(loc, `Cannot convert value to string: ${show(v)}`);
    case 'INTEGER': {
      // A safe integer is always within INT64: no range check needed.
      if (typeof v === 'number' && Number.isSafeInteger(v)) return BigInt(v);
      let b: bigint;
      if (typeof v === 'number' && Number.isInteger(v)) b = BigInt(v);
      else if (typeof v === 'string' && /^\s*[+-]?\d+\s*$/.test(v)) b = BigInt(v.trim());
      else throw bad('integer');
      if (b < INT64_MIN || b > INT64_MAX) throw bad('integer');
      return b;
    }
    case 'FLOAT': {
      if (typeof v === 'number') return v;
      if (typeof v === 'string') {
        const s = v.trim();
        if (/^(NaN|[+-]?(inf|infinity))$/i.test(s)) return s.toLowerCase() === 'nan' ? NaN : s.startsWith('-') ? -Infinity : Infinity;
        if (s !== '' && /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) return Number(s);
      }
      throw bad('floating point');
    }
    case 'BOOLEAN':
      if (typeof v === 'boolean') return v;
      if (typeof v === 'string' && /^(true|false)$/i.test(v.trim())) return v.trim().toLowerCase() === 'true';
      if (v === 1 || v === 0 || v === '1' || v === '0') return v === 1 || v === '1';
      throw bad('boolean');
    case 'NUMERIC':
    case 'BIGNUMERIC': {
      const scale = f.type === 'NUMERIC' ? 9 : 18;
      const s = typeof v === 'number' ? String(v) : typeof v === 'string' ? v.trim() : '';
      const m = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(s);
      if (!m || (m[2] === '' && (m[3] ?? '') === '')) throw new FieldError(loc, `Invalid ${f.type} value: ${show(v)}`);
      const frac = m[3] ?? '';
      if (frac.length > scale && /[1-9]/.test(frac.slice(scale))) throw new FieldError(loc, `Invalid ${f.type} value: ${show(v)} (more than ${scale} fractional digits)`);
      const digits = BigInt((m[2] || '0') + frac.slice(0, scale).padEnd(scale, '0'));
      const scaled = m[1] === '-' ? -digits : digits;
      if ((m[2] ?? '').replace(/^0+/, '').length > 38 - scale) throw new FieldError(loc, `Invalid ${f.type} value: ${show(v)} (out of range)`);
      return new DuckDBDecimalValue(scaled, 38, scale);
    }
    case 'TIMESTAMP': {
      const us = parseTimestampMicros(v);
      if (us === null) throw new FieldError(loc, `Could not parse '${show(v)}' as a timestamp. Required format is YYYY-MM-DD HH:MM[:SS[.SSSSSS]] or YYYY/MM/DD HH:MM[:SS[.SSSSSS]]`);
      return new DuckDBTimestampTZValue(us);
    }
    case 'DATE': {
      const d = parseDate(v);
      if (d === null) throw new FieldError(loc, `Invalid date: '${show(v)}'`);
      return new DuckDBDateValue(d);
    }
    case 'DATETIME': {
      const us = parseDatetime(v);
      if (us === null) throw new FieldError(loc, `Invalid datetime string "${show(v)}"`);
      return new DuckDBTimestampValue(us);
    }
    case 'TIME': {
      const m = typeof v === 'string' ? TIME_RE.exec(v.trim()) : null;
      const us = m ? timeMicros(m[1]!, m[2]!, m[3], m[4]) : null;
      if (us === null) throw new FieldError(loc, `Invalid time string "${show(v)}"`);
      return new DuckDBTimeValue(us);
    }
    case 'BYTES': {
      if (typeof v !== 'string' || !/^[A-Za-z0-9+/_-]*={0,2}$/.test(v.trim()) || v.trim().replace(/=+$/, '').length % 4 === 1) {
        throw new FieldError(loc, `Could not decode base64 string to bytes. Field: ${loc}; Value: ${show(v)}`);
      }
      return new DuckDBBlobValue(new Uint8Array(Buffer.from(v, 'base64')));
    }
    case 'JSON': {
      if (typeof v === 'string') {
        try {
          // Stored compact, as BigQuery returns JSON values.
          return JSON.stringify(JSON.parse(v));
        } catch {
          throw new FieldError(loc, `Invalid JSON value: ${v}`);
        }
      }
      return JSON.stringify(v);
    }
    default:
      throw new FieldError(loc, `Unsupported field type ${f.type}`);
  }
}

function toValue(f: TableFieldSchema, v: unknown, loc: string, ignoreUnknown: boolean): DuckDBValue {
  if (f.mode === 'REPEATED') {
    if (v === null || v === undefined) return new DuckDBListValue([]);
    if (!Array.isArray(v)) throw new FieldError(loc, `Field ${loc}: a REPEATED field must be given an array, got ${show(v)}`);
    return new DuckDBListValue(
      v.map((x: unknown) => {
        if (x === null || x === undefined) throw new FieldError(loc, `Only optional fields can be set to NULL. Field: ${loc}; Value: NULL`);
        return one(f, x, loc, ignoreUnknown);
      }),
    );
  }
  if (v === null || v === undefined) {
    if (f.mode === 'REQUIRED') throw new FieldError(loc, `Missing required field: ${loc}.`);
    return null;
  }
  return one(f, v, loc, ignoreUnknown);
}

function one(f: TableFieldSchema, v: unknown, loc: string, ignoreUnknown: boolean): DuckDBValue {
  if (f.type !== 'RECORD') return toScalar(f, v, loc);
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new FieldError(loc, `This field: ${loc} is not a record.`);
  return new DuckDBStructValue(recordEntries(f.fields ?? [], v as Record<string, unknown>, `${loc}.`, ignoreUnknown));
}

// Field positions by lower-cased name, computed once per schema array.
const indexCache = new WeakMap<TableFieldSchema[], Map<string, number>>();
function indexOf(fields: TableFieldSchema[]): Map<string, number> {
  let m = indexCache.get(fields);
  if (!m) {
    m = new Map(fields.map((f, i) => [f.name.toLowerCase(), i]));
    indexCache.set(fields, m);
  }
  return m;
}

function recordValues(fields: TableFieldSchema[], obj: Record<string, unknown>, prefix: string, ignoreUnknown: boolean): DuckDBValue[] {
  const index = indexOf(fields);
  const given: unknown[] = new Array(fields.length);
  let next = 0;
  for (const k in obj) {
    // Keys usually arrive in schema order and the schema's own case: the field
    // after the previous key is checked before the map (names are unique
    // case-insensitively, so an exact match is the field the map would give),
    // and the lower-casing copy is made only when both miss.
    const i = next < fields.length && fields[next]!.name === k ? next : (index.get(k) ?? index.get(k.toLowerCase()));
    if (i === undefined) {
      if (!ignoreUnknown) throw new FieldError(`${prefix}${k}`, `no such field: ${prefix}${k}.`);
      continue;
    }
    given[i] = obj[k];
    next = i + 1;
  }
  // Converted in place: one array per row instead of two.
  const out = given as DuckDBValue[];
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i]!;
    out[i] = toValue(f, given[i], prefix === '' ? f.name : `${prefix}${f.name}`, ignoreUnknown);
  }
  return out;
}

function recordEntries(fields: TableFieldSchema[], obj: Record<string, unknown>, prefix: string, ignoreUnknown: boolean): Record<string, DuckDBValue> {
  const values = recordValues(fields, obj, prefix, ignoreUnknown);
  const out: Record<string, DuckDBValue> = {};
  fields.forEach((f, i) => (out[f.name] = values[i]!));
  return out;
}

/** Converts one top-level row; values are in schema order. Throws FieldError. */
export function convertRow(fields: TableFieldSchema[], json: unknown, ignoreUnknown: boolean): DuckDBValue[] {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new FieldError('', 'Row is not a JSON object');
  return recordValues(fields, json as Record<string, unknown>, '', ignoreUnknown);
}
