// Query parameters (@name and ?) are inlined as typed DuckDB literals: exact,
// and it sidesteps binding nested types through the driver.
import { invalidQuery } from '../errors.js';
import { qid, qstr } from './quote.js';
import { scalarDuckType } from './types.js';

export interface QueryParameterType {
  type: string;
  arrayType?: QueryParameterType;
  structTypes?: { name?: string; type: QueryParameterType; description?: string }[];
}
export interface QueryParameterValue {
  value?: string | null;
  arrayValues?: QueryParameterValue[];
  structValues?: Record<string, QueryParameterValue>;
}
export interface QueryParameter {
  name?: string;
  parameterType: QueryParameterType;
  parameterValue?: QueryParameterValue;
}

// Field names come from the request: always quoted (a name like `a" INT, b` once closed the quote).
function structFieldName(f: { name?: string } | null, i: number): string {
  if (typeof f !== 'object' || f === null) throw invalidQuery('Invalid struct field in a query parameter');
  if (f.name !== undefined && typeof f.name !== 'string') throw invalidQuery(`Invalid struct field name in a query parameter: ${JSON.stringify(f.name)}`);
  return f.name ?? `_field_${i + 1}`;
}

// Parameters arrive as untyped JSON: a malformed one is a clear 400, never a TypeError (500).
function typeName(t: QueryParameterType | undefined): string {
  if (typeof t !== 'object' || t === null || typeof t.type !== 'string') throw invalidQuery('Invalid query parameter: parameterType.type must be a string');
  return t.type.toUpperCase();
}

export function duckTypeOf(t: QueryParameterType): string {
  const type = typeName(t);
  if (type === 'ARRAY') {
    if (!t.arrayType) throw invalidQuery('Array parameter is missing arrayType');
    return `${duckTypeOf(t.arrayType)}[]`;
  }
  if (type === 'STRUCT' || type === 'RECORD') {
    if (t.structTypes !== undefined && !Array.isArray(t.structTypes)) throw invalidQuery('Invalid query parameter: structTypes must be an array');
    const fields = (t.structTypes ?? []).map((f, i) => `${qid(structFieldName(f, i))} ${duckTypeOf(f.type)}`);
    return `STRUCT(${fields.join(', ')})`;
  }
  return scalarDuckType(type);
}

export function paramLiteral(t: QueryParameterType, v: QueryParameterValue | undefined, label: string): string {
  const type = typeName(t);
  const duck = duckTypeOf(t);
  if (type === 'ARRAY') {
    const items = v?.arrayValues;
    if (items !== undefined && !Array.isArray(items)) throw invalidQuery(`Invalid value for query parameter ${label}: arrayValues must be an array`);
    if (!items) return `CAST([] AS ${duck})`;
    return `CAST([${items.map((x) => paramLiteral(t.arrayType!, x, label)).join(', ')}] AS ${duck})`;
  }
  if (type === 'STRUCT' || type === 'RECORD') {
    if (!v?.structValues) return `CAST(NULL AS ${duck})`;
    const parts = (t.structTypes ?? []).map((f, i) => {
      const name = structFieldName(f, i);
      return `${qid(name)} := ${paramLiteral(f.type, v.structValues?.[name], label)}`;
    });
    return `struct_pack(${parts.join(', ')})`;
  }
  const raw = v?.value;
  if (raw === undefined || raw === null) return `CAST(NULL AS ${duck})`;
  if (typeof raw === 'object') throw invalidQuery(`Invalid value for query parameter ${label}: value must be a string`);
  const s = String(raw);
  switch (type) {
    case 'INT64':
    case 'INTEGER':
      if (!/^[+-]?\d+$/.test(s.trim())) throw invalidQuery(`Invalid value for query parameter ${label}: "${s}" is not a valid INT64`);
      return `CAST(${qstr(s.trim())} AS BIGINT)`;
    case 'BOOL':
    case 'BOOLEAN':
      if (!/^(true|false)$/i.test(s)) throw invalidQuery(`Invalid value for query parameter ${label}: "${s}" is not a valid BOOL`);
      return s.toLowerCase() === 'true' ? 'TRUE' : 'FALSE';
    case 'BYTES':
      return `from_base64(${qstr(s)})`;
    default:
      return `CAST(${qstr(s)} AS ${duck})`;
  }
}

export class ParamResolver {
  private nextPositional = 0;
  private readonly named = new Map<string, QueryParameter>();

  constructor(
    private readonly params: QueryParameter[],
    private readonly mode: string | undefined,
  ) {
    if (!Array.isArray(params)) throw invalidQuery('Invalid queryParameters: must be an array');
    for (const p of params) {
      if (typeof p !== 'object' || p === null) throw invalidQuery('Invalid query parameter: must be an object');
      if (p.name !== undefined && typeof p.name !== 'string') throw invalidQuery('Invalid query parameter: name must be a string');
      if (p.name) this.named.set(p.name.toLowerCase(), p);
    }
  }

  named_(name: string): string {
    if (this.mode === 'POSITIONAL') throw invalidQuery('Named parameters cannot be used with parameterMode POSITIONAL');
    const p = this.named.get(name.toLowerCase());
    if (!p) throw invalidQuery(`Query parameter '${name}' not found`);
    return paramLiteral(p.parameterType, p.parameterValue, `@${name}`);
  }

  positional(): string {
    if (this.mode === 'NAMED') throw invalidQuery('Positional parameters cannot be used with parameterMode NAMED');
    const p = this.params[this.nextPositional++];
    if (!p) throw invalidQuery(`Query parameter at position ${this.nextPositional} not found`);
    return paramLiteral(p.parameterType, p.parameterValue, `#${this.nextPositional}`);
  }
}
