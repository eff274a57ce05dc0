// GoogleSQL type names in CAST/SAFE_CAST and typed literals -> DuckDB types.
import { invalidQuery } from '../errors.js';
import { qid } from './quote.js';
import { isOp, isWord, type Node } from './tokenize.js';

const SCALARS: Record<string, string> = {
  INT64: 'BIGINT',
  INTEGER: 'BIGINT',
  INT: 'BIGINT',
  SMALLINT: 'BIGINT',
  BIGINT: 'BIGINT',
  TINYINT: 'BIGINT',
  BYTEINT: 'BIGINT',
  FLOAT64: 'DOUBLE',
  FLOAT: 'DOUBLE',
  NUMERIC: 'DECIMAL(38,9)',
  DECIMAL: 'DECIMAL(38,9)',
  BIGNUMERIC: 'DECIMAL(38,18)',
  BIGDECIMAL: 'DECIMAL(38,18)',
  STRING: 'VARCHAR',
  BYTES: 'BLOB',
  BOOL: 'BOOLEAN',
  BOOLEAN: 'BOOLEAN',
  DATE: 'DATE',
  TIME: 'TIME',
  DATETIME: 'TIMESTAMP',
  TIMESTAMP: 'TIMESTAMPTZ',
  JSON: 'JSON',
};

/** DuckDB type for a GoogleSQL scalar type name (legacy names included). */
export function scalarDuckType(name: string): string {
  const t = SCALARS[name.toUpperCase()];
  if (!t) throw invalidQuery(`Type not supported by the BigQuery emulator: ${name}`);
  return t;
}

/** Parses a type from nodes starting at i; returns the DuckDB type and the next index. */
export function parseType(nodes: Node[], i: number): { sql: string; next: number } {
  const n = nodes[i];
  if (!isWord(n)) throw invalidQuery('Syntax error: expected a type name');
  const name = n.value.toUpperCase();
  if (name === 'ARRAY' || name === 'STRUCT') {
    if (!isOp(nodes[i + 1], '<')) throw invalidQuery(`Syntax error: expected < after ${name}`);
    let j = i + 2;
    if (name === 'ARRAY') {
      const inner = parseType(nodes, j);
      j = closeAngle(nodes, inner.next);
      return { sql: `${inner.sql}[]`, next: j };
    }
    const fields: string[] = [];
    for (;;) {
      const fname = nodes[j];
      if (!fname || (fname.kind !== 'ident' && fname.kind !== 'qident')) throw invalidQuery('Syntax error: expected a STRUCT field name');
      const ft = parseType(nodes, j + 1);
      fields.push(`${qid(fname.value)} ${ft.sql}`);
      j = ft.next;
      if (isOp(nodes[j], ',')) {
        j++;
        continue;
      }
      j = closeAngle(nodes, j);
      break;
    }
    return { sql: `STRUCT(${fields.join(', ')})`, next: j };
  }
  let next = i + 1;
  // STRING(10), NUMERIC(10, 2): parameterized types keep the base type here.
  if (nodes[next]?.kind === 'group') next++;
  return { sql: scalarDuckType(name), next };
}

// `>>` lexes as one token in ARRAY<ARRAY<...>>: consume half of it.
function closeAngle(nodes: Node[], j: number): number {
  const n = nodes[j];
  if (isOp(n, '>')) return j + 1;
  if (isOp(n, '>>')) {
    nodes[j] = { kind: 'op', value: '>', pos: n.pos + 1 };
    return j;
  }
  throw invalidQuery('Syntax error: expected >');
}
