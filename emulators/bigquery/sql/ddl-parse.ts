// GoogleSQL DDL statements, parsed from tokens into plain descriptions (no
// engine here): CREATE [OR REPLACE] TABLE [IF NOT EXISTS] t [(columns)]
// [PARTITION BY ...] [CLUSTER BY ...] [OPTIONS(...)] [AS query],
// CREATE [OR REPLACE] VIEW [IF NOT EXISTS] v [OPTIONS(...)] AS query,
// DROP TABLE|VIEW [IF EXISTS] t, ALTER TABLE [IF EXISTS] t ADD COLUMN
// [IF NOT EXISTS] c type [, ...], TRUNCATE TABLE t. What is not listed is
// refused by name.
import { invalidQuery } from '../errors.js';
import { tokenize, type Token } from './tokenize.js';

export interface RawField {
  name: string;
  type: string;
  mode: 'NULLABLE' | 'REQUIRED' | 'REPEATED';
  description?: string;
  fields?: RawField[];
}
export type TablePath = string[];

export type DdlStatement =
  | {
      kind: 'CREATE_TABLE';
      path: TablePath;
      orReplace: boolean;
      ifNotExists: boolean;
      columns?: RawField[];
      timePartitioning?: { type: string; field?: string };
      clustering?: { fields: string[] };
      options: Record<string, unknown>;
      /** The AS query's text (CREATE TABLE ... AS SELECT). */
      query?: string;
    }
  | { kind: 'CREATE_VIEW'; path: TablePath; orReplace: boolean; ifNotExists: boolean; options: Record<string, unknown>; query: string }
  | { kind: 'DROP_TABLE' | 'DROP_VIEW'; path: TablePath; ifExists: boolean }
  | { kind: 'ALTER_TABLE'; path: TablePath; ifExists: boolean; add: { field: RawField; ifNotExists: boolean }[] }
  | { kind: 'TRUNCATE_TABLE'; path: TablePath };

const SCALAR: Record<string, string> = {
  INT64: 'INTEGER', INTEGER: 'INTEGER', INT: 'INTEGER', SMALLINT: 'INTEGER', BIGINT: 'INTEGER', TINYINT: 'INTEGER', BYTEINT: 'INTEGER',
  FLOAT64: 'FLOAT', NUMERIC: 'NUMERIC', DECIMAL: 'NUMERIC', BIGNUMERIC: 'BIGNUMERIC', BIGDECIMAL: 'BIGNUMERIC',
  STRING: 'STRING', BYTES: 'BYTES', BOOL: 'BOOLEAN', BOOLEAN: 'BOOLEAN',
  DATE: 'DATE', TIME: 'TIME', DATETIME: 'DATETIME', TIMESTAMP: 'TIMESTAMP', JSON: 'JSON',
};

/** Is this statement DDL (decided on its first words, before any parsing)? */
export function isDdl(sql: string): boolean {
  return /^\s*(CREATE|DROP|ALTER|TRUNCATE)\b/i.test(sql.replace(/^(\s*(--|#)[^\n]*\n|\s*\/\*[\s\S]*?\*\/)*/, ''));
}

class Cursor {
  i = 0;
  constructor(
    readonly toks: Token[],
    readonly text: string,
  ) {}
  peek(k = 0): Token | undefined {
    return this.toks[this.i + k];
  }
  isWord(w: string, k = 0): boolean {
    const t = this.peek(k);
    return t?.kind === 'ident' && t.value.toUpperCase() === w;
  }
  isOp(o: string, k = 0): boolean {
    const t = this.peek(k);
    return t?.kind === 'op' && t.value === o;
  }
  accept(w: string): boolean {
    if (!this.isWord(w)) return false;
    this.i++;
    return true;
  }
  acceptOp(o: string): boolean {
    if (!this.isOp(o)) return false;
    this.i++;
    return true;
  }
  expectWord(w: string): void {
    if (!this.accept(w)) throw invalidQuery(`Syntax error: Expected keyword ${w} but got ${this.describe()}`);
  }
  expectOp(o: string): void {
    // `>>` closes two type brackets at once.
    if (o === '>' && this.isOp('>>')) {
      const t = this.peek()!;
      this.toks[this.i] = { ...t, value: '>', pos: t.pos + 1 };
      return;
    }
    if (!this.acceptOp(o)) throw invalidQuery(`Syntax error: Expected "${o}" but got ${this.describe()}`);
  }
  name(): string {
    const t = this.peek();
    if (!t || (t.kind !== 'ident' && t.kind !== 'qident')) throw invalidQuery(`Syntax error: Expected a name but got ${this.describe()}`);
    this.i++;
    return t.value;
  }
  describe(): string {
    const t = this.peek();
    return t ? `"${t.value}"` : 'end of statement';
  }
  done(): boolean {
    return this.i >= this.toks.length;
  }
  /** The statement's text from the current token on. */
  rest(): string {
    const t = this.peek();
    return t ? this.text.slice(t.pos) : '';
  }
}

function path(c: Cursor): TablePath {
  const parts: string[] = [];
  for (;;) {
    const t = c.peek();
    if (!t || (t.kind !== 'ident' && t.kind !== 'qident')) break;
    parts.push(...(t.kind === 'qident' ? t.value.split('.') : [t.value]));
    c.i++;
    if (!c.acceptOp('.')) break;
  }
  if (parts.length === 0 || parts.length > 3) throw invalidQuery(`Syntax error: Expected a table name but got ${c.describe()}`);
  return parts;
}

function fieldType(c: Cursor, name: string): RawField {
  const t = c.name().toUpperCase();
  if (t === 'ARRAY') {
    c.expectOp('<');
    const inner = fieldType(c, name);
    c.expectOp('>');
    if (inner.mode === 'REPEATED') throw invalidQuery('ARRAY of ARRAY is not allowed in a table schema');
    return { ...inner, mode: 'REPEATED' };
  }
  if (t === 'STRUCT') {
    c.expectOp('<');
    const fields: RawField[] = [];
    do fields.push(column(c, false));
    while (c.acceptOp(','));
    c.expectOp('>');
    return { name, type: 'RECORD', mode: 'NULLABLE', fields };
  }
  const type = SCALAR[t];
  if (!type) throw invalidQuery(`Type not supported in a table schema by the BigQuery emulator: ${t}`);
  // STRING(10), NUMERIC(10, 2): parameterized types keep their base type.
  if (c.acceptOp('(')) {
    while (!c.done() && !c.isOp(')')) c.i++;
    c.expectOp(')');
  }
  return { name, type, mode: 'NULLABLE' };
}

function column(c: Cursor, topLevel: boolean): RawField {
  const name = c.name();
  const f = fieldType(c, name);
  if (c.isWord('NOT') && c.isWord('NULL', 1)) {
    c.i += 2;
    if (f.mode === 'REPEATED') throw invalidQuery(`Column ${name}: an ARRAY column cannot be NOT NULL`);
    f.mode = 'REQUIRED';
  }
  if (topLevel && c.isWord('OPTIONS')) {
    const o = options(c);
    if (typeof o['description'] === 'string') f.description = o['description'];
  }
  return f;
}

function literal(c: Cursor): unknown {
  const t = c.peek();
  if (!t) throw invalidQuery('Syntax error: Unexpected end of statement in OPTIONS');
  if (t.kind === 'string') return (c.i++, t.value);
  if (t.kind === 'number') return (c.i++, Number(t.value));
  if (c.accept('TRUE')) return true;
  if (c.accept('FALSE')) return false;
  if (c.accept('NULL')) return null;
  if (c.isOp('-') && c.peek(1)?.kind === 'number') {
    c.i += 2;
    return -Number(c.toks[c.i - 1]!.value);
  }
  // labels = [("k", "v"), ...]
  if (c.acceptOp('[')) {
    const items: unknown[] = [];
    while (!c.acceptOp(']')) {
      if (c.acceptOp('(') || (c.accept('STRUCT') && c.acceptOp('('))) {
        const pair: unknown[] = [];
        while (!c.acceptOp(')')) {
          pair.push(literal(c));
          c.acceptOp(',');
        }
        items.push(pair);
      } else items.push(literal(c));
      c.acceptOp(',');
      if (c.done()) throw invalidQuery('Syntax error: Unclosed [ in OPTIONS');
    }
    return items;
  }
  throw invalidQuery(`OPTIONS values must be literals in the BigQuery emulator (got ${c.describe()})`);
}

function options(c: Cursor): Record<string, unknown> {
  c.expectWord('OPTIONS');
  c.expectOp('(');
  const out: Record<string, unknown> = {};
  while (!c.acceptOp(')')) {
    const key = c.name().toLowerCase();
    c.expectOp('=');
    out[key] = literal(c);
    if (!c.acceptOp(',') && !c.isOp(')')) throw invalidQuery(`Syntax error: Expected "," or ")" in OPTIONS but got ${c.describe()}`);
  }
  return out;
}

// PARTITION BY col | DATE(col) | TIMESTAMP_TRUNC(col, HOUR) | DATE_TRUNC(col, MONTH) | _PARTITIONDATE | ...
function partition(c: Cursor): { type: string; field?: string } {
  if (c.accept('_PARTITIONDATE')) return { type: 'DAY' };
  if (c.isWord('_PARTITIONTIME')) throw invalidQuery('PARTITION BY _PARTITIONTIME needs TIMESTAMP_TRUNC or DATE in BigQuery; use PARTITION BY _PARTITIONDATE');
  const fn = c.peek();
  if (fn?.kind === 'ident' && c.isOp('(', 1)) {
    const f = fn.value.toUpperCase();
    c.i += 2;
    if (f === 'DATE') {
      const field = c.name();
      c.expectOp(')');
      return { type: 'DAY', field };
    }
    if (['TIMESTAMP_TRUNC', 'DATE_TRUNC', 'DATETIME_TRUNC'].includes(f)) {
      const field = c.isWord('_PARTITIONTIME') ? (c.i++, undefined) : c.name();
      c.expectOp(',');
      const unit = c.name().toUpperCase();
      c.expectOp(')');
      if (!['DAY', 'HOUR', 'MONTH', 'YEAR'].includes(unit)) throw invalidQuery(`PARTITION BY ${f} with ${unit} is not supported (DAY, HOUR, MONTH or YEAR)`);
      return field ? { type: unit, field } : { type: unit };
    }
    throw invalidQuery(`PARTITION BY ${f}(...) is not supported by the BigQuery emulator (integer range partitioning included)`);
  }
  return { type: 'DAY', field: c.name() };
}

function createTable(c: Cursor, orReplace: boolean, temp: boolean): DdlStatement {
  if (temp) throw invalidQuery('CREATE TEMP TABLE is only allowed inside a multi-statement script, which the BigQuery emulator does not run');
  const ifNotExists = c.isWord('IF') ? (c.i++, c.expectWord('NOT'), c.expectWord('EXISTS'), true) : false;
  if (orReplace && ifNotExists) throw invalidQuery('CREATE TABLE cannot have both OR REPLACE and IF NOT EXISTS');
  const p = path(c);
  const stmt: Extract<DdlStatement, { kind: 'CREATE_TABLE' }> = { kind: 'CREATE_TABLE', path: p, orReplace, ifNotExists, options: {} };
  if (c.isWord('LIKE') || c.isWord('COPY') || c.isWord('CLONE')) throw invalidQuery(`CREATE TABLE ... ${c.peek()!.value.toUpperCase()} is not supported by the BigQuery emulator (use a copy job)`);
  if (c.acceptOp('(')) {
    const cols: RawField[] = [];
    do {
      if (c.isWord('PRIMARY') || c.isWord('FOREIGN') || c.isWord('CONSTRAINT')) throw invalidQuery('Table constraints are not supported by the BigQuery emulator');
      cols.push(column(c, true));
    } while (c.acceptOp(','));
    c.expectOp(')');
    stmt.columns = cols;
  }
  for (;;) {
    if (c.isWord('DEFAULT') && c.isWord('COLLATE', 1)) throw invalidQuery('DEFAULT COLLATE is not supported by the BigQuery emulator');
    if (c.isWord('PARTITION') && c.isWord('BY', 1)) {
      c.i += 2;
      stmt.timePartitioning = partition(c);
    } else if (c.isWord('CLUSTER') && c.isWord('BY', 1)) {
      c.i += 2;
      const fields: string[] = [];
      do fields.push(c.name());
      while (c.acceptOp(','));
      stmt.clustering = { fields };
    } else if (c.isWord('OPTIONS')) stmt.options = options(c);
    else break;
  }
  if (c.accept('AS')) {
    stmt.query = c.rest();
    c.i = c.toks.length;
  }
  if (!c.done()) throw invalidQuery(`Syntax error: Unexpected ${c.describe()} in CREATE TABLE`);
  if (!stmt.columns && !stmt.query) throw invalidQuery('CREATE TABLE needs a column list or AS query');
  return stmt;
}

export function parseDdl(sql: string): DdlStatement {
  const toks = tokenize(sql);
  while (toks.at(-1)?.kind === 'op' && toks.at(-1)!.value === ';') toks.pop();
  if (toks.some((t) => t.kind === 'op' && t.value === ';')) throw invalidQuery('Multi-statement scripts are not supported by the BigQuery emulator');
  const c = new Cursor(toks, sql);
  if (c.accept('CREATE')) {
    const orReplace = c.isWord('OR') ? (c.i++, c.expectWord('REPLACE'), true) : false;
    const temp = c.accept('TEMP') || c.accept('TEMPORARY');
    if (c.accept('TABLE')) return createTable(c, orReplace, temp);
    if (c.accept('VIEW')) {
      const ifNotExists = c.isWord('IF') ? (c.i++, c.expectWord('NOT'), c.expectWord('EXISTS'), true) : false;
      const p = path(c);
      if (c.isOp('(')) throw invalidQuery('CREATE VIEW with a column list is not supported by the BigQuery emulator');
      const opts = c.isWord('OPTIONS') ? options(c) : {};
      c.expectWord('AS');
      return { kind: 'CREATE_VIEW', path: p, orReplace, ifNotExists, options: opts, query: c.rest() };
    }
    throw invalidQuery(`CREATE ${c.describe().replace(/"/g, '')} is not supported by the BigQuery emulator (CREATE TABLE and CREATE VIEW are)`);
  }
  if (c.accept('DROP')) {
    const what = c.accept('TABLE') ? 'DROP_TABLE' : c.accept('VIEW') ? 'DROP_VIEW' : undefined;
    if (!what) throw invalidQuery(`DROP ${c.describe().replace(/"/g, '')} is not supported by the BigQuery emulator (DROP TABLE and DROP VIEW are)`);
    const ifExists = c.isWord('IF') ? (c.i++, c.expectWord('EXISTS'), true) : false;
    const p = path(c);
    if (!c.done()) throw invalidQuery(`Syntax error: Unexpected ${c.describe()} in DROP`);
    return { kind: what, path: p, ifExists };
  }
  if (c.accept('ALTER')) {
    if (!c.accept('TABLE')) throw invalidQuery(`ALTER ${c.describe().replace(/"/g, '')} is not supported by the BigQuery emulator (ALTER TABLE ... ADD COLUMN is)`);
    const ifExists = c.isWord('IF') ? (c.i++, c.expectWord('EXISTS'), true) : false;
    const p = path(c);
    const add: { field: RawField; ifNotExists: boolean }[] = [];
    do {
      if (!c.isWord('ADD') || !c.isWord('COLUMN', 1)) throw invalidQuery(`ALTER TABLE ... ${c.describe().replace(/"/g, '')} is not supported by the BigQuery emulator (ADD COLUMN is)`);
      c.i += 2;
      const ifNotExists = c.isWord('IF') ? (c.i++, c.expectWord('NOT'), c.expectWord('EXISTS'), true) : false;
      add.push({ field: column(c, true), ifNotExists });
    } while (c.acceptOp(','));
    if (!c.done()) throw invalidQuery(`Syntax error: Unexpected ${c.describe()} in ALTER TABLE`);
    return { kind: 'ALTER_TABLE', path: p, ifExists, add };
  }
  if (c.accept('TRUNCATE')) {
    c.expectWord('TABLE');
    const p = path(c);
    if (!c.done()) throw invalidQuery(`Syntax error: Unexpected ${c.describe()} in TRUNCATE TABLE`);
    return { kind: 'TRUNCATE_TABLE', path: p };
  }
  throw invalidQuery('Syntax error: not a DDL statement');
}
