// RowToInsert.json (the JSON shape insertAll takes: TIMESTAMP as RFC 3339
// text, BYTES as base64, JSON as text) -> the values the Storage Write API's
// proto rows carry for the table's schema (TIMESTAMP as int64 microseconds,
// BYTES as bytes). Proto encoding is lossy where JSON is not: a key the table
// lacks would be dropped without a word and text in a FLOAT64 field would be
// written as NaN. So every value is checked against its column here, and a
// row that does not fit is rejected for good (reason `invalid`, the column as
// location), as insertAll does with ignoreUnknownValues off.
import { parseRfc3339 } from '../lib/canonical-time.js';

/** A column as the Storage API's TableSchema describes it (type names as in TableFieldSchema.Type). */
export interface StorageField {
  name: string;
  type: string;
  mode: string;
  fields?: StorageField[];
}

export type ProtoValue = string | number | boolean | Buffer | null | ProtoValue[] | { [k: string]: ProtoValue };
export type ProtoRow = { [column: string]: ProtoValue };

export class RowShapeError extends Error {
  constructor(readonly location: string) {
    super(`value does not fit column ${location}`);
  }
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const INT_TEXT = /^[+-]?\d{1,19}$/;
const MAX_INT64 = 2n ** 63n - 1n;
const MIN_INT64 = -(2n ** 63n);

function micros(text: string, loc: string): number | string {
  const t = parseRfc3339(text);
  if (!t) throw new RowShapeError(loc);
  const us = t.epochSeconds * 1e6 + t.micros;
  // Exact as a double for years 1685-2255; beyond that, int64 as decimal text (protobufjs encodes it exactly).
  return Number.isSafeInteger(us) ? us : (BigInt(t.epochSeconds) * 1000000n + BigInt(t.micros)).toString();
}

function scalar(f: StorageField, v: unknown, loc: string): ProtoValue {
  switch (f.type) {
    case 'STRING':
    case 'JSON':
    case 'NUMERIC':
    case 'BIGNUMERIC':
    case 'DATETIME':
    case 'TIME':
    case 'DATE':
    case 'GEOGRAPHY':
      // Text on the wire; the backend checks JSON, NUMERIC and date/time text (row errors).
      if (typeof v === 'string') return v;
      if ((f.type === 'NUMERIC' || f.type === 'BIGNUMERIC') && typeof v === 'number' && Number.isFinite(v)) return String(v);
      throw new RowShapeError(loc);
    case 'INT64':
      if (typeof v === 'number' && Number.isSafeInteger(v)) return v;
      if (typeof v === 'string' && INT_TEXT.test(v.trim())) {
        const b = BigInt(v.trim());
        if (b >= MIN_INT64 && b <= MAX_INT64) return b.toString();
      }
      throw new RowShapeError(loc);
    case 'DOUBLE':
      if (typeof v === 'number') return v;
      throw new RowShapeError(loc);
    case 'BOOL':
      if (typeof v === 'boolean') return v;
      throw new RowShapeError(loc);
    case 'TIMESTAMP':
      if (typeof v === 'string') return micros(v, loc);
      throw new RowShapeError(loc);
    case 'BYTES':
      if (typeof v === 'string' && BASE64.test(v) && v.length % 4 === 0) return Buffer.from(v, 'base64');
      throw new RowShapeError(loc);
    default:
      throw new RowShapeError(loc);
  }
}

function value(f: StorageField, v: unknown, loc: string): ProtoValue {
  if (f.type === 'STRUCT') {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new RowShapeError(loc);
    return record(f.fields ?? [], v as Record<string, unknown>, `${loc}.`);
  }
  return scalar(f, v, loc);
}

function record(fields: StorageField[], obj: Record<string, unknown>, prefix: string): ProtoRow {
  const out: ProtoRow = {};
  const byName = fieldIndex(fields);
  for (const key of Object.keys(obj)) {
    const v = obj[key];
    // undefined is no key at all (JSON.stringify drops it, as insertAll would never see it).
    if (v === undefined) continue;
    const f = byName.get(key);
    const loc = `${prefix}${key}`;
    if (!f) throw new RowShapeError(loc);
    // NULL is left out: proto presence says "no value"; REQUIRED is the backend's to enforce.
    if (v === null) continue;
    if (f.mode === 'REPEATED') {
      if (!Array.isArray(v)) throw new RowShapeError(loc);
      out[f.name] = v.map((x: unknown) => value(f, x, loc));
    } else out[f.name] = value(f, v, loc);
  }
  return out;
}

const indexes = new WeakMap<StorageField[], Map<string, StorageField>>();
function fieldIndex(fields: StorageField[]): Map<string, StorageField> {
  let m = indexes.get(fields);
  if (!m) indexes.set(fields, (m = new Map(fields.map((f) => [f.name, f]))));
  return m;
}

/** The proto-ready row, or throws RowShapeError naming the column that does not fit. */
export function toProtoRow(fields: StorageField[], json: Record<string, unknown>): ProtoRow {
  return record(fields, json, '');
}
