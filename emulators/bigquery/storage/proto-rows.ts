// AppendRows' proto rows -> DuckDB values. The writer sends its own
// DescriptorProto (writer_schema); each serialized row is decoded with it
// (protobufjs) and matched to the table's columns by name, as BigQuery does.
// A schema that cannot fit the table (a field the table lacks, a proto type
// the column cannot take) fails the whole request; a value that cannot be
// stored (a missing required field, a timestamp out of range, bad JSON) is a
// row error, and then no row of the request is written.
import {
  DuckDBBlobValue,
  DuckDBDateValue,
  DuckDBListValue,
  DuckDBStructValue,
  DuckDBTimestampTZValue,
  type DuckDBValue,
} from '@duckdb/node-api';
import protobuf from 'protobufjs';
import * as descriptor from 'protobufjs/ext/descriptor';
import { FieldError, toScalar } from '../row-convert.js';
import type { TableFieldSchema } from '../schema-types.js';

/** The writer schema cannot be used for this table: the whole request is refused. */
export class SchemaMismatch extends Error {
  constructor(
    readonly storageCode: 'SCHEMA_MISMATCH_EXTRA_FIELDS' | 'INVALID_SCHEMA',
    message: string,
  ) {
    super(message);
  }
}

export interface RowFailure {
  index: number;
  message: string;
}

export interface DecodedRows {
  /** Per row, values in table schema order (only meaningful when failures is empty). */
  rows: DuckDBValue[][];
  failures: RowFailure[];
}

// protobufjs' descriptor extension adds Type.fromDescriptor at run time; its
// typings do not declare it on Type.
const fromDescriptor = (protobuf.Type as unknown as { fromDescriptor(d: protobuf.Message): protobuf.Type }).fromDescriptor;

// Writers send the same descriptor with every request (the Node managed
// writer does): keep the decoded Type per descriptor text.
const typeCache = new Map<string, protobuf.Type>();
const TYPE_CACHE_MAX = 256;

/** The protobufjs Type of a writer schema's DescriptorProto (as grpc decoded it). */
export function writerType(protoDescriptor: unknown): protobuf.Type {
  const text = JSON.stringify(protoDescriptor ?? null);
  const hit = typeCache.get(text);
  if (hit) return hit;
  if (typeof protoDescriptor !== 'object' || protoDescriptor === null) throw new SchemaMismatch('INVALID_SCHEMA', 'Invalid proto schema: writer_schema.proto_descriptor is missing.');
  let type: protobuf.Type;
  try {
    const msg = descriptor.DescriptorProto.fromObject(protoDescriptor as Record<string, unknown>);
    type = fromDescriptor(msg);
    const root = new protobuf.Root();
    root.add(type);
    root.resolveAll();
  } catch (err) {
    throw new SchemaMismatch('INVALID_SCHEMA', `Invalid proto schema: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (typeCache.size >= TYPE_CACHE_MAX) typeCache.delete(typeCache.keys().next().value!);
  typeCache.set(text, type);
  return type;
}

type Kind = 'string' | 'int' | 'float' | 'bool' | 'bytes' | 'message' | 'enum';

const PROTO_KIND: Record<string, Kind> = {
  string: 'string',
  bytes: 'bytes',
  bool: 'bool',
  double: 'float',
  float: 'float',
  int32: 'int',
  int64: 'int',
  uint32: 'int',
  uint64: 'int',
  sint32: 'int',
  sint64: 'int',
  fixed32: 'int',
  fixed64: 'int',
  sfixed32: 'int',
  sfixed64: 'int',
};

// Which proto kinds each column type accepts (BigQuery's "Data type
// conversions" table for the Storage Write API, less the packed binary forms
// of NUMERIC, DATETIME and TIME, which the emulator does not decode).
const ACCEPTS: Record<string, Kind[]> = {
  STRING: ['string', 'enum'],
  INTEGER: ['int', 'enum', 'bool'],
  FLOAT: ['float', 'int'],
  BOOLEAN: ['bool', 'int'],
  NUMERIC: ['string', 'int', 'float'],
  BIGNUMERIC: ['string', 'int', 'float'],
  TIMESTAMP: ['int', 'string'],
  DATE: ['int', 'string'],
  DATETIME: ['string'],
  TIME: ['string'],
  BYTES: ['bytes'],
  JSON: ['string'],
  RECORD: ['message'],
};

interface FieldPlan {
  field: TableFieldSchema;
  /** Location for messages, e.g. `rec.inner.x`. */
  loc: string;
  /** The proto field that carries this column, if the writer sent one. */
  proto?: string;
  kind?: Kind;
  nested?: RecordPlan;
}

interface RecordPlan {
  fields: FieldPlan[];
}

function kindOf(f: protobuf.Field): Kind {
  f.resolve();
  if (f.resolvedType instanceof protobuf.Type) return 'message';
  if (f.resolvedType instanceof protobuf.Enum) return 'enum';
  return PROTO_KIND[f.type] ?? 'string';
}

function buildPlan(type: protobuf.Type, fields: TableFieldSchema[], prefix: string): RecordPlan {
  const byName = new Map(fields.map((f) => [f.name.toLowerCase(), f]));
  const protoFor = new Map<TableFieldSchema, protobuf.Field>();
  const extra: string[] = [];
  for (const pf of type.fieldsArray) {
    const col = byName.get(pf.name.toLowerCase());
    if (!col) extra.push(`${prefix}${pf.name}`);
    else protoFor.set(col, pf);
  }
  if (extra.length > 0) {
    throw new SchemaMismatch('SCHEMA_MISMATCH_EXTRA_FIELDS', `Input schema has more fields than BigQuery schema, extra fields: '${extra.join(',')}'`);
  }
  return {
    fields: fields.map((field) => {
      const loc = `${prefix}${field.name}`;
      const pf = protoFor.get(field);
      if (!pf) return { field, loc };
      const kind = kindOf(pf);
      if (!ACCEPTS[field.type]?.includes(kind)) {
        throw new SchemaMismatch('INVALID_SCHEMA', `The proto field ${loc} of type ${pf.type} cannot be written to the BigQuery field ${loc} of type ${field.type}.`);
      }
      if ((field.mode === 'REPEATED') !== pf.repeated) {
        throw new SchemaMismatch('INVALID_SCHEMA', `The proto field ${loc} is ${pf.repeated ? '' : 'not '}repeated, the BigQuery field ${loc} is ${field.mode}.`);
      }
      const nested = kind === 'message' ? buildPlan(pf.resolvedType as protobuf.Type, field.fields ?? [], `${loc}.`) : undefined;
      return { field, loc, proto: pf.name, kind, ...(nested ? { nested } : {}) };
    }),
  };
}

// Plans per (writer Type, table schema array): both objects are replaced when
// either side changes, so a cached plan is never stale.
const plans = new WeakMap<protobuf.Type, WeakMap<TableFieldSchema[], RecordPlan>>();

/** How the writer's message maps onto the table's columns; throws SchemaMismatch. */
export function rowPlan(type: protobuf.Type, fields: TableFieldSchema[]): RecordPlan {
  let byFields = plans.get(type);
  if (!byFields) plans.set(type, (byFields = new WeakMap()));
  let plan = byFields.get(fields);
  if (!plan) byFields.set(fields, (plan = buildPlan(type, fields, '')));
  return plan;
}

// BigQuery's TIMESTAMP and DATE ranges: 0001-01-01 to 9999-12-31.
const MIN_TS_US = -62135596800000000n;
const MAX_TS_US = 253402300799999999n;
const MIN_DATE = -719162;
const MAX_DATE = 2932896;

interface LongLike {
  low: number;
  high: number;
  unsigned: boolean;
}

/** An integer as protobufjs decodes it (number, or a Long for 64-bit fields) -> bigint. */
function toBigInt(v: unknown): bigint {
  if (typeof v === 'number') return BigInt(v);
  if (typeof v === 'bigint') return v;
  if (typeof v === 'string') return BigInt(v);
  const l = v as LongLike;
  // Within +-2^53 (every timestamp in microseconds, most counters) one double and one BigInt.
  if (!l.unsigned && l.high >= -0x200000 && l.high < 0x200000) return BigInt(l.high * 4294967296 + (l.low >>> 0));
  const bits = (BigInt(l.high >>> 0) << 32n) | BigInt(l.low >>> 0);
  return l.unsigned ? bits : BigInt.asIntN(64, bits);
}

function toNumber(v: unknown): number {
  return typeof v === 'number' ? v : Number(toBigInt(v));
}

function scalar(p: FieldPlan, v: unknown): DuckDBValue {
  const { field, loc, kind } = p;
  switch (field.type) {
    case 'STRING':
      return kind === 'enum' ? String(v) : (v as string);
    case 'INTEGER':
      return kind === 'bool' ? (v ? 1n : 0n) : toBigInt(v);
    case 'FLOAT':
      return toNumber(v);
    case 'BOOLEAN':
      return kind === 'bool' ? (v as boolean) : toBigInt(v) !== 0n;
    case 'TIMESTAMP': {
      if (kind === 'string') return toScalar(field, v, loc);
      const us = toBigInt(v);
      if (us < MIN_TS_US || us > MAX_TS_US) throw new FieldError(loc, `Timestamp field value is out of range: ${us} (field ${loc})`);
      return new DuckDBTimestampTZValue(us);
    }
    case 'DATE': {
      if (kind === 'string') return toScalar(field, v, loc);
      const d = toNumber(v);
      if (d < MIN_DATE || d > MAX_DATE) throw new FieldError(loc, `Date field value is out of range: ${d} (field ${loc})`);
      return new DuckDBDateValue(d);
    }
    case 'BYTES':
      return new DuckDBBlobValue(new Uint8Array(v as Uint8Array));
    case 'NUMERIC':
    case 'BIGNUMERIC':
      return toScalar(field, kind === 'string' ? v : kind === 'float' ? String(v) : toBigInt(v).toString(), loc);
    default:
      // DATETIME, TIME and JSON arrive as text, in insertAll's forms.
      return toScalar(field, v, loc);
  }
}

function one(p: FieldPlan, v: unknown): DuckDBValue {
  if (p.nested) return new DuckDBStructValue(recordEntries(p.nested, v as protobuf.Message));
  return scalar(p, v);
}

function recordValues(plan: RecordPlan, msg: protobuf.Message): DuckDBValue[] {
  const out: DuckDBValue[] = new Array(plan.fields.length);
  const own = msg as unknown as Record<string, unknown>;
  for (let i = 0; i < plan.fields.length; i++) {
    const p = plan.fields[i]!;
    // Decoded messages inherit defaults from their prototype: only own
    // properties were on the wire (proto2 presence; proto3 zero values are
    // not sent and read as NULL, as BigQuery does without `optional`).
    const present = p.proto !== undefined && Object.prototype.hasOwnProperty.call(own, p.proto);
    const v = present ? own[p.proto!] : undefined;
    if (p.field.mode === 'REPEATED') {
      out[i] = new DuckDBListValue(present ? (v as unknown[]).map((x) => one(p, x)) : []);
    } else if (!present || v === null) {
      if (p.field.mode === 'REQUIRED') throw new FieldError(p.loc, `Required field ${p.loc} is missing.`);
      out[i] = null;
    } else out[i] = one(p, v);
  }
  return out;
}

function recordEntries(plan: RecordPlan, msg: protobuf.Message): Record<string, DuckDBValue> {
  const values = recordValues(plan, msg);
  const out: Record<string, DuckDBValue> = {};
  plan.fields.forEach((p, i) => (out[p.field.name] = values[i]!));
  return out;
}

/** Decodes and converts every row; a row that fails is listed with BigQuery-style text. */
export function decodeRows(type: protobuf.Type, plan: RecordPlan, serialized: Uint8Array[]): DecodedRows {
  const rows: DuckDBValue[][] = [];
  const failures: RowFailure[] = [];
  serialized.forEach((bytes, index) => {
    let msg: protobuf.Message;
    try {
      msg = type.decode(bytes);
    } catch (err) {
      // Wire-format problems: truncated bytes, a wrong wire type, a proto2 required field absent.
      failures.push({ index, message: `Cannot decode the row as ${type.name}: ${err instanceof Error ? err.message : String(err)}` });
      return;
    }
    try {
      rows.push(recordValues(plan, msg));
    } catch (err) {
      if (!(err instanceof FieldError)) throw err;
      failures.push({ index, message: err.message });
    }
  });
  return { rows, failures };
}
