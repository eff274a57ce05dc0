// Query parameters (@name and ?) are inlined as typed DuckDB literals: exact,
// and it sidesteps binding nested types through the driver.
import { invalidQuery } from '../errors.js';
import { qstr } from '../engine.js';
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

export function duckTypeOf(t: QueryParameterType): string {
  const type = t.type.toUpperCase();
  if (type === 'ARRAY') {
    if (!t.arrayType) throw invalidQuery('Array parameter is missing arrayType');
    return `${duckTypeOf(t.arrayType)}[]`;
  }
  if (type === 'STRUCT' || type === 'RECORD') {
    const fields = (t.structTypes ?? []).map((f, i) => `"${f.name ?? `_field_${i + 1}`}" ${duckTypeOf(f.type)}`);
    return `STRUCT(${fields.join(', ')})`;
  }
  return scalarDuckType(type);
}

export function paramLiteral(t: QueryParameterType, v: QueryParameterValue | undefined, label: string): string {
  const type = t.type.toUpperCase();
  const duck = duckTypeOf(t);
  if (type === 'ARRAY') {
    const items = v?.arrayValues;
    if (!items) return `CAST([] AS ${duck})`;
    return `CAST([${items.map((x) => paramLiteral(t.arrayType!, x, label)).join(', ')}] AS ${duck})`;
  }
  if (type === 'STRUCT' || type === 'RECORD') {
    if (!v?.structValues) return `CAST(NULL AS ${duck})`;
    const parts = (t.structTypes ?? []).map((f, i) => {
      const name = f.name ?? `_field_${i + 1}`;
      return `"${name}" := ${paramLiteral(f.type, v.structValues?.[name], label)}`;
    });
    return `struct_pack(${parts.join(', ')})`;
  }
  const raw = v?.value;
  if (raw === undefined || raw === null) return `CAST(NULL AS ${duck})`;
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
    for (const p of params) if (p.name) this.named.set(p.name.toLowerCase(), p);
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
