// GoogleSQL -> DuckDB SQL. A token-tree rewriter, not a full parser: table
// paths are resolved against the catalog, functions go through an allow-list
// (functions.ts) so anything unverified fails with a clear invalidQuery
// instead of silently running with DuckDB's semantics, and `/` becomes a
// macro with BigQuery's division-by-zero error.
import { randomUUID } from 'node:crypto';
import { invalidQuery } from '../errors.js';
import { qid, qstr } from './quote.js';
import { FUNCTION_RULES, PASSTHROUGH, type Translator } from './functions.js';
import { ParamResolver } from './params.js';
import { buildTree, isGroup, isOp, isWord, splitCommas, tokenize, type Group, type Node, type Token } from './tokenize.js';
import { parseType } from './types.js';

export interface TableTarget {
  project: string;
  dataset: string;
  table: string;
}
export interface ResolvedTable {
  /** Fully quoted DuckDB name. */
  sql: string;
  ingestionTime: boolean;
}
export interface TranslateOptions {
  defaultProject: string;
  defaultDataset?: { projectId?: string; datasetId: string };
  /** Throws a BqError (notFound) when the table or dataset does not exist. */
  resolveTable(target: TableTarget): ResolvedTable;
  params: ParamResolver;
  /** INFORMATION_SCHEMA.<view> under a dataset or region: a parenthesized subquery. */
  informationSchema?(parts: string[]): string;
}
export type StatementType = 'SELECT' | 'INSERT' | 'UPDATE' | 'DELETE' | 'MERGE';
export interface Translation {
  sql: string;
  statementType: StatementType;
  tables: TableTarget[];
  /** For DML: the table written to. */
  target?: TableTarget;
}

// Words that are never column names or function names in the queries we translate.
const KEYWORDS = new Set(
  (
    'SELECT FROM WHERE GROUP BY ORDER HAVING QUALIFY LIMIT OFFSET AND OR NOT CASE WHEN THEN ELSE END AS ON JOIN LEFT RIGHT ' +
    'INNER OUTER FULL CROSS UNION ALL DISTINCT IS NULL TRUE FALSE IN LIKE BETWEEN WITH OVER PARTITION ROWS RANGE PRECEDING ' +
    'FOLLOWING UNBOUNDED CURRENT ROW ASC DESC NULLS FIRST LAST EXCEPT INTERSECT USING WINDOW INSERT INTO VALUES UPDATE SET ' +
    'DELETE MERGE MATCHED EXISTS RECURSIVE ESCAPE IGNORE RESPECT LATERAL ROLLUP CUBE GROUPING SETS'
  ).split(' '),
);
const CLAUSE_END = new Set(['WHERE', 'GROUP', 'HAVING', 'QUALIFY', 'ORDER', 'LIMIT', 'WINDOW', 'UNION', 'EXCEPT', 'INTERSECT', 'ON', 'USING', 'SELECT', 'SET', 'WHEN', 'VALUES']);
const TYPED_LITERALS: Record<string, string> = {
  DATE: 'DATE',
  TIME: 'TIME',
  DATETIME: 'TIMESTAMP',
  TIMESTAMP: 'TIMESTAMPTZ',
  NUMERIC: 'DECIMAL(38,9)',
  BIGNUMERIC: 'DECIMAL(38,18)',
  JSON: 'JSON',
};
const UNSUPPORTED_WORDS: Record<string, string> = {
  TABLESAMPLE: 'TABLESAMPLE',
  INFORMATION_SCHEMA: 'INFORMATION_SCHEMA views',
};

interface Piece {
  text: string;
  kind: 'operand' | 'op' | 'kw' | 'comma';
  /** Upper-cased keyword or operator, for decisions on neighbours. */
  word?: string;
}

function isDigits(s: string): boolean {
  return /^\d+$/.test(s);
}

export class GoogleSqlTranslator implements Translator {
  readonly tables: TableTarget[] = [];
  private readonly cteNames = new Set<string>();
  private usesIngestionTable = false;
  /** Table and UNNEST aliases seen in FROM clauses, for `FROM t, t.arr AS x`. */
  private readonly fromAliases = new Set<string>();
  // Marks a select-list star until the FROM clause is known; random so no query text can contain it.
  private readonly starMark = `/*star-${randomUUID()}*/`;

  constructor(private readonly opts: TranslateOptions) {}

  translate(sql: string): Translation {
    const tokens = tokenize(sql);
    // A trailing semicolon is fine; anything after it is a script.
    while (isOp(tokens.at(-1), ';')) tokens.pop();
    if (tokens.some((t) => isOp(t, ';'))) throw invalidQuery('Multi-statement scripts are not supported by the BigQuery emulator');
    if (tokens.length === 0) throw invalidQuery('Syntax error: Unexpected end of statement');
    this.collectCteNames(tokens);
    const tree = buildTree(tokens);
    const first = tree[0];
    let statementType: StatementType = 'SELECT';
    let target: TableTarget | undefined;
    if (isWord(first, 'INSERT', 'UPDATE', 'DELETE', 'MERGE')) {
      statementType = first.value.toUpperCase() as StatementType;
      const r = this.dmlPrefix(tree, statementType);
      target = r.target;
      const body = this.expr(tree.slice(r.next));
      return { sql: `${r.sql} ${body}`, statementType, tables: this.tables, target };
    }
    if (isWord(first, 'CREATE', 'DROP', 'ALTER', 'TRUNCATE', 'DECLARE', 'SET', 'BEGIN', 'CALL', 'EXPORT', 'LOAD', 'GRANT', 'REVOKE', 'ASSERT', 'EXECUTE')) {
      throw invalidQuery(`${first.value.toUpperCase()} statements are not supported by the BigQuery emulator (use the tables API for DDL)`);
    }
    if (!isWord(first, 'SELECT', 'WITH') && !isGroup(first, '(')) throw invalidQuery(`Syntax error: Unexpected ${tokenText(first)}`);
    return { sql: this.expr(tree), statementType, tables: this.tables };
  }

  private collectCteNames(tokens: Token[]): void {
    for (let i = 0; i + 2 < tokens.length; i++) {
      const t = tokens[i]!;
      if ((t.kind === 'ident' || t.kind === 'qident') && isWord(tokens[i + 1], 'AS') && isOp(tokens[i + 2], '(')) {
        const prev = tokens[i - 1];
        if (isWord(prev, 'WITH', 'RECURSIVE') || isOp(prev, ',')) this.cteNames.add(t.value.toLowerCase());
      }
    }
  }

  // INSERT [INTO] t, DELETE [FROM] t, UPDATE t, MERGE [INTO] t: BigQuery makes
  // INTO/FROM optional and requires WHERE on UPDATE/DELETE.
  private dmlPrefix(tree: Node[], type: StatementType): { sql: string; next: number; target: TableTarget } {
    let i = 1;
    if ((type === 'INSERT' || type === 'MERGE') && isWord(tree[i], 'INTO')) i++;
    if (type === 'DELETE' && isWord(tree[i], 'FROM')) i++;
    const ref = this.tableRef(tree, i);
    if (!ref) throw invalidQuery(`Syntax error: expected a table name after ${type}`);
    const hasWhere = tree.some((n) => isWord(n, 'WHERE'));
    if ((type === 'UPDATE' || type === 'DELETE') && !hasWhere) throw invalidQuery(`${type} must have a WHERE clause`);
    const verb = type === 'INSERT' ? 'INSERT INTO' : type === 'DELETE' ? 'DELETE FROM' : type === 'MERGE' ? 'MERGE INTO' : 'UPDATE';
    // INSERT INTO t (cols): a column list, not an alias.
    const aliased = type === 'INSERT' ? { sql: ref.bare ?? ref.sql, next: ref.next } : this.withAlias(tree, ref);
    return { sql: `${verb} ${aliased.sql}`, next: aliased.next, target: ref.target! };
  }

  /** Parses a table path at i (ident/qident chain); null if there is none. */
  private tableRef(nodes: Node[], i: number): { sql: string; next: number; target?: TableTarget; bare?: string } | null {
    const parts: string[] = [];
    let j = i;
    for (;;) {
      const n = nodes[j];
      if (n?.kind === 'qident') parts.push(...n.value.split('.'));
      else if (n?.kind === 'ident' && !KEYWORDS.has(n.value.toUpperCase())) parts.push(n.value);
      else break;
      j++;
      // project ids may contain dashes only when backticked; a dot continues the path.
      if (isOp(nodes[j], '.')) j++;
      else break;
    }
    if (parts.length === 0) return null;
    if (parts.some((p) => p.toUpperCase() === 'INFORMATION_SCHEMA')) {
      if (!this.opts.informationSchema) throw invalidQuery('INFORMATION_SCHEMA views are not supported here');
      const sub = this.opts.informationSchema(parts);
      return { sql: `${sub} AS ${qid(parts.at(-1)!.toLowerCase())}`, next: j, bare: sub };
    }
    if (parts.length === 1) {
      if (this.cteNames.has(parts[0]!.toLowerCase())) return { sql: qid(parts[0]!), next: j };
      const dd = this.opts.defaultDataset;
      if (!dd) throw invalidQuery(`Table "${parts[0]}" must be qualified with a dataset (e.g. dataset.table).`);
      return this.resolved({ project: dd.projectId ?? this.opts.defaultProject, dataset: dd.datasetId, table: parts[0]! }, j);
    }
    if (parts.length === 2) return this.resolved({ project: this.opts.defaultProject, dataset: parts[0]!, table: parts[1]! }, j);
    if (parts.length === 3) return this.resolved({ project: parts[0]!, dataset: parts[1]!, table: parts[2]! }, j);
    throw invalidQuery(`Invalid table name: ${parts.join('.')}`);
  }

  // `FROM ds.t AS x` / `FROM ds.t x`: the caller's alias replaces the default one (the table name).
  private withAlias(nodes: Node[], ref: { sql: string; next: number; bare?: string }): { sql: string; next: number } {
    const a = nodes[ref.next];
    const b = nodes[ref.next + 1];
    const base = ref.bare ?? ref.sql;
    if (isWord(a, 'AS') && b && (b.kind === 'ident' || b.kind === 'qident')) return { sql: `${base} AS ${qid(b.value)}`, next: ref.next + 2 };
    if (a && (a.kind === 'qident' || (a.kind === 'ident' && !KEYWORDS.has(a.value.toUpperCase()) && !UNSUPPORTED_WORDS[a.value.toUpperCase()] && !/^(UN)?PIVOT$/i.test(a.value)))) {
      return { sql: `${base} AS ${qid(a.value)}`, next: ref.next + 1 };
    }
    return { sql: ref.sql, next: ref.next };
  }

  private resolved(target: TableTarget, next: number): { sql: string; next: number; target: TableTarget; bare: string } {
    const r = this.opts.resolveTable(target);
    this.tables.push(target);
    if (r.ingestionTime) this.usesIngestionTable = true;
    return { sql: `${r.sql} AS ${qid(target.table)}`, next, target, bare: r.sql };
  }

  /** Translates a node list (one nesting level) to DuckDB SQL. */
  expr(nodes: Node[]): string {
    const pieces: Piece[] = [];
    let expectTable = false;
    let inFrom = false;
    let pendingUnary = '';
    const prevIsOperand = (): boolean => pieces.at(-1)?.kind === 'operand';
    const pushOperand = (text: string): void => {
      pieces.push({ text: pendingUnary ? `${pendingUnary}${text}` : text, kind: 'operand' });
      pendingUnary = '';
    };
    for (let i = 0; i < nodes.length; i++) {
      const n = nodes[i]!;
      if (expectTable) {
        expectTable = false;
        if (isWord(n, 'UNNEST') && isGroup(nodes[i + 1], '(')) {
          i = this.unnestInFrom(nodes, i, pushOperand);
          continue;
        }
        // `FROM t, t.arr AS x`: an array path under an alias in scope is an implicit UNNEST.
        if ((n.kind === 'ident' || n.kind === 'qident') && isOp(nodes[i + 1], '.') && this.fromAliases.has(n.value.toLowerCase())) {
          let path = qid(n.value);
          let j = i + 1;
          while (isOp(nodes[j], '.') && nodes[j + 1] && (nodes[j + 1]!.kind === 'ident' || nodes[j + 1]!.kind === 'qident')) {
            path += `.${qid((nodes[j + 1] as Token).value)}`;
            j += 2;
          }
          i = this.unnestTail(nodes, j, path, pushOperand);
          continue;
        }
        if (!isGroup(n)) {
          const ref = this.tableRef(nodes, i);
          if (ref) {
            const aliased = this.withAlias(nodes, ref);
            const m = / AS "((?:[^"]|"")*)"$/.exec(aliased.sql);
            if (m) this.fromAliases.add(m[1]!.replace(/""/g, '"').toLowerCase());
            pushOperand(aliased.sql);
            i = aliased.next - 1;
            continue;
          }
        }
      }
      if (isGroup(n, '(')) {
        const inner = this.expr(n.children);
        pushOperand(`(${inner})`);
        continue;
      }
      if (isGroup(n, '[')) {
        if (prevIsOperand()) {
          const prev = pieces.pop()!;
          pushOperand(this.subscript(prev.text, n));
        } else pushOperand(`[${this.expr(n.children)}]`);
        continue;
      }
      const t = n as Token;
      switch (t.kind) {
        case 'number':
          pushOperand(this.number(t.value));
          continue;
        case 'string':
          pushOperand(qstr(t.value));
          continue;
        case 'bytes':
          pushOperand(`unhex(${qstr(Buffer.from(t.value, 'latin1').toString('hex'))})`);
          continue;
        case 'param':
          if (t.value.startsWith('@')) throw invalidQuery(`System variables are not supported by the BigQuery emulator: @${t.value}`);
          pushOperand(this.opts.params.named_(t.value));
          continue;
        case 'qmark':
          pushOperand(this.opts.params.positional());
          continue;
        case 'qident': {
          pushOperand(t.value.split('.').map(qid).join('.'));
          i = this.pathTail(nodes, i, pieces);
          continue;
        }
        case 'op': {
          const v = t.value;
          if (v === ',') {
            pieces.push({ text: ',', kind: 'comma' });
            if (inFrom) expectTable = true;
            continue;
          }
          if (v === '.' && prevIsOperand()) {
            const next = nodes[i + 1];
            if (next && (next.kind === 'ident' || next.kind === 'qident')) {
              pieces[pieces.length - 1]!.text += `.${qid(next.value)}`;
              i++;
              continue;
            }
            if (isOp(next, '*')) {
              pieces[pieces.length - 1]!.text += '.*';
              i++;
              continue;
            }
          }
          if (v === '*' && !prevIsOperand()) {
            i = this.star(nodes, i, pieces);
            continue;
          }
          if ((v === '-' || v === '+') && !prevIsOperand()) {
            pendingUnary += v === '-' ? '-' : '';
            continue;
          }
          if (v === '!=') {
            pieces.push({ text: '<>', kind: 'op', word: v });
            continue;
          }
          if (['&', '|', '^', '~', '<<', '>>'].includes(v)) throw invalidQuery(`Bitwise operator ${v} is not supported by the BigQuery emulator`);
          // Not GoogleSQL operators (DuckDB would run them): BigQuery rejects them too.
          if (v === '%') throw invalidQuery('Syntax error: Unexpected "%" (GoogleSQL has no % operator; use MOD(x, y))');
          if (v === '->' || v === '<=>' || v === '=>' || v === ':' || v === '{' || v === '}') throw invalidQuery(`Syntax error: Unexpected "${v}"`);
          pieces.push({ text: v, kind: 'op', word: v });
          continue;
        }
        case 'ident':
          break;
      }
      // Identifiers and keywords.
      const word = t.value.toUpperCase();
      const next = nodes[i + 1];
      if (UNSUPPORTED_WORDS[word]) throw invalidQuery(`${UNSUPPORTED_WORDS[word]} is not supported by the BigQuery emulator`);
      if (word === 'PIVOT' && isGroup(next, '(')) {
        pieces.push({ text: 'PIVOT', kind: 'kw', word });
        pushOperand(pivotSql(this, next.children));
        i++;
        continue;
      }
      if (word === 'UNPIVOT') {
        let j = i + 1;
        let nulls = '';
        if (isWord(nodes[j], 'INCLUDE', 'EXCLUDE') && isWord(nodes[j + 1], 'NULLS')) {
          nulls = isWord(nodes[j], 'INCLUDE') ? ' INCLUDE NULLS' : '';
          j += 2;
        }
        const g = nodes[j];
        if (!isGroup(g, '(')) throw invalidQuery('Syntax error: expected ( after UNPIVOT');
        pieces.push({ text: `UNPIVOT${nulls}`, kind: 'kw', word });
        pushOperand(unpivotSql(g.children));
        i = j;
        continue;
      }
      if (word === 'FROM' || word === 'JOIN') {
        pieces.push({ text: word, kind: 'kw', word });
        // EXTRACT(x FROM y) is handled by its rule; here FROM starts a table list.
        expectTable = true;
        inFrom = true;
        continue;
      }
      if (CLAUSE_END.has(word)) inFrom = false;
      if (word === 'CASE') {
        let depth = 0;
        let j = i + 1;
        for (; j < nodes.length; j++) {
          if (isWord(nodes[j], 'CASE')) depth++;
          if (isWord(nodes[j], 'END')) {
            if (depth === 0) break;
            depth--;
          }
        }
        if (j >= nodes.length) throw invalidQuery('Syntax error: CASE without END');
        pushOperand(`CASE ${this.expr(nodes.slice(i + 1, j))} END`);
        i = j;
        continue;
      }
      if (word === 'INTERVAL') {
        const r = this.interval(nodes, i);
        pushOperand(`INTERVAL (${r.amount}) ${r.part}`);
        i = r.next - 1;
        continue;
      }
      if (TYPED_LITERALS[word] && next?.kind === 'string') {
        pushOperand(`CAST(${qstr(next.value)} AS ${TYPED_LITERALS[word]})`);
        i++;
        continue;
      }
      if (word === 'TRUE' || word === 'FALSE' || word === 'NULL') {
        pushOperand(word);
        continue;
      }
      if ((word === 'UNION' || word === 'EXCEPT' || word === 'INTERSECT') && isWord(next, 'DISTINCT')) {
        pieces.push({ text: word, kind: 'kw', word });
        i++;
        continue;
      }
      if (word === 'IN' && isWord(next, 'UNNEST') && isGroup(nodes[i + 2], '(')) {
        pieces.push({ text: 'IN', kind: 'kw', word });
        pushOperand(`(SELECT UNNEST(${this.expr((nodes[i + 2] as Group).children)}))`);
        i += 2;
        continue;
      }
      if (word === 'SELECT' && isWord(next, 'AS') && isWord(nodes[i + 2], 'STRUCT', 'VALUE')) {
        // SELECT AS STRUCT a, b AS c -> SELECT struct_pack(...); SELECT AS VALUE x -> SELECT x.
        let j = i + 3;
        let distinct = '';
        if (isWord(nodes[j], 'DISTINCT', 'ALL')) distinct = `${(nodes[j++] as Token).value.toUpperCase()} `;
        let end = j;
        while (end < nodes.length && !isWord(nodes[end], 'FROM', 'WHERE', 'GROUP', 'HAVING', 'QUALIFY', 'ORDER', 'LIMIT', 'WINDOW', 'UNION', 'EXCEPT', 'INTERSECT')) end++;
        const list = nodes.slice(j, end);
        const body = isWord(nodes[i + 2], 'STRUCT') ? FUNCTION_RULES['STRUCT']!(splitCommas(list), this) : this.expr(list);
        pieces.push({ text: 'SELECT', kind: 'kw', word });
        pushOperand(`${distinct}${body}`);
        i = end - 1;
        continue;
      }
      if (word === 'SELECT' && isWord(next, 'AS')) throw invalidQuery('SELECT AS <type> is not supported by the BigQuery emulator');
      if (KEYWORDS.has(word) && !(isGroup(next, '(') && (word === 'IF' || word === 'LEFT' || word === 'RIGHT'))) {
        pieces.push({ text: word, kind: 'kw', word });
        continue;
      }
      if (['CURRENT_TIMESTAMP', 'CURRENT_DATE', 'CURRENT_DATETIME', 'CURRENT_TIME'].includes(word) && !isGroup(next, '(')) {
        pushOperand(FUNCTION_RULES[word]!([], this));
        continue;
      }
      if (isGroup(next, '(')) {
        pushOperand(this.call(word, t, next));
        i++;
        i = this.pathTail(nodes, i, pieces);
        continue;
      }
      if (word === 'SAFE' && isOp(next, '.')) throw invalidQuery('The SAFE. function prefix is not supported by the BigQuery emulator');
      // A column or alias: quoted so that names DuckDB reserves (e.g. "value") still work.
      pushOperand(qid(t.value));
      const start = i;
      i = this.pathTail(nodes, i, pieces);
      if (i > start && isGroup(nodes[i + 1], '(')) {
        const name = nodes.slice(start, i + 1).map((x) => (x.kind === 'group' ? '' : x.value)).join('');
        throw invalidQuery(`Function not supported by the BigQuery emulator: ${name}`);
      }
    }
    if (pendingUnary) throw invalidQuery('Syntax error: Unexpected end of expression after unary operator');
    return this.join(this.rewriteDivision(pieces));
  }

  // Field access after an operand: a.b.c, f(x).field.
  private pathTail(nodes: Node[], i: number, pieces: Piece[]): number {
    while (isOp(nodes[i + 1], '.') && nodes[i + 2] && (nodes[i + 2]!.kind === 'ident' || nodes[i + 2]!.kind === 'qident')) {
      pieces[pieces.length - 1]!.text += `.${qid((nodes[i + 2] as Token).value)}`;
      i += 2;
    }
    return i;
  }

  private number(v: string): string {
    if (/^0[xX]/.test(v)) return String(BigInt(v));
    if (isDigits(v)) {
      if (BigInt(v) > 9223372036854775807n) throw invalidQuery(`Invalid integer literal: ${v}`);
      return v;
    }
    // BigQuery's decimal literals are FLOAT64; DuckDB's are DECIMAL.
    return `CAST(${v} AS DOUBLE)`;
  }

  private subscript(base: string, g: Group): string {
    const c = g.children;
    const f = c[0];
    if (c.length === 2 && isWord(f, 'OFFSET', 'SAFE_OFFSET', 'ORDINAL', 'SAFE_ORDINAL') && isGroup(c[1], '(')) {
      const k = this.expr((c[1] as Group).children);
      return `bq_${f.value.toLowerCase()}(${base}, ${k})`;
    }
    // A bare index means OFFSET; a string key (JSON subscript) is not supported.
    return `bq_offset(${base}, ${this.expr(c)})`;
  }

  private star(nodes: Node[], i: number, pieces: Piece[]): number {
    let except: string[] = [];
    let j = i;
    if (isWord(nodes[j + 1], 'EXCEPT') && isGroup(nodes[j + 2], '(')) {
      except = (nodes[j + 2] as Group).children.filter((x): x is Token => x.kind === 'ident' || x.kind === 'qident').map((x) => x.value);
      j += 2;
    }
    let replace = '';
    if (isWord(nodes[j + 1], 'REPLACE') && isGroup(nodes[j + 2], '(')) {
      replace = ` REPLACE (${this.expr((nodes[j + 2] as Group).children)})`;
      j += 2;
    }
    // Ingestion-time tables store their pseudo-columns physically; * must not show them.
    // The decision needs the FROM clause, which follows: mark it and fix up in join().
    const hidden = except.map((e) => e.toLowerCase());
    const text = `${this.starMark}${JSON.stringify(hidden)}${this.starMark}${replace}`;
    pieces.push({ text, kind: 'operand' });
    return j;
  }

  private starSql(hidden: string[]): string {
    const all = this.usesIngestionTable ? [...hidden, '_partitiontime', '_partitiondate'] : hidden;
    if (all.length === 0) return '*';
    if (!this.usesIngestionTable) return `* EXCLUDE (${hidden.map(qid).join(', ')})`;
    return `COLUMNS(c -> lower(c) NOT IN (${all.map(qstr).join(', ')}))`;
  }

  private interval(nodes: Node[], i: number): { amount: string; part: string; next: number } {
    let j = i + 1;
    const amountNodes: Node[] = [];
    while (j < nodes.length && !(isWord(nodes[j]) && /^(MICROSECOND|MILLISECOND|SECOND|MINUTE|HOUR|DAY|WEEK|MONTH|QUARTER|YEAR)$/i.test((nodes[j] as Token).value))) {
      amountNodes.push(nodes[j]!);
      j++;
    }
    const partTok = nodes[j] as Token | undefined;
    if (!partTok || amountNodes.length === 0) throw invalidQuery('Syntax error: INTERVAL needs an amount and a date part, e.g. INTERVAL 1 HOUR');
    if (isWord(nodes[j + 1], 'TO')) throw invalidQuery('INTERVAL ... TO ... ranges are not supported by the BigQuery emulator');
    const single = amountNodes.length === 1 ? amountNodes[0]! : undefined;
    const amount = single?.kind === 'string' ? qstr(single.value) : this.expr(amountNodes);
    return { amount, part: partTok.value.toUpperCase(), next: j + 1 };
  }

  private unnestInFrom(nodes: Node[], i: number, pushOperand: (s: string) => void): number {
    const g = nodes[i + 1] as Group;
    return this.unnestTail(nodes, i + 2, this.expr(g.children), pushOperand);
  }

  // After UNNEST(...) or an array path in FROM: [AS] alias [WITH OFFSET [AS] o].
  private unnestTail(nodes: Node[], j: number, inner: string, pushOperand: (s: string) => void): number {
    let alias: string | undefined;
    const hadAs = isWord(nodes[j], 'AS');
    if (hadAs) j++;
    const a = nodes[j];
    if (a && (a.kind === 'qident' || (a.kind === 'ident' && !KEYWORDS.has(a.value.toUpperCase())))) {
      alias = a.value;
      j++;
    } else if (hadAs) throw invalidQuery('Syntax error: expected an alias after AS');
    if (alias) this.fromAliases.add(alias.toLowerCase());
    if (isWord(nodes[j], 'WITH') && isWord(nodes[j + 1], 'OFFSET')) {
      j += 2;
      if (isWord(nodes[j], 'AS')) j++;
      const o = nodes[j];
      const offset = o && (o.kind === 'qident' || (o.kind === 'ident' && !KEYWORDS.has(o.value.toUpperCase()))) ? o.value : 'offset';
      if (offset !== 'offset') j++;
      if (!alias) throw invalidQuery('UNNEST ... WITH OFFSET needs an alias for the element in the BigQuery emulator');
      // Element and 0-based offset expanded side by side (a lateral subquery).
      pushOperand(`(SELECT unnest(${inner}) AS ${qid(alias)}, generate_subscripts(${inner}, 1) - 1 AS ${qid(offset)}) AS ${qid(`_unnest_${alias}`)}`);
      return j - 1;
    }
    // BigQuery names the element column after the alias; DuckDB needs a column alias for that.
    pushOperand(alias ? `UNNEST(${inner}) AS ${qid(`_unnest_${alias}`)}(${qid(alias)})` : `UNNEST(${inner})`);
    return j - 1;
  }

  private call(word: string, t: Token, g: Group): string {
    // COUNT(*) and friends: the star is not a select-list star.
    if (g.children.length === 1 && isOp(g.children[0], '*')) return `${word.toLowerCase()}(*)`;
    const rule = FUNCTION_RULES[word];
    if (rule) return rule(splitCommas(g.children), this, g);
    const mapped = PASSTHROUGH[word];
    if (mapped !== undefined) return `${mapped || word.toLowerCase()}(${this.expr(g.children)})`;
    if (this.cteNames.has(word.toLowerCase())) throw invalidQuery(`Syntax error: unexpected ( after ${t.value}`);
    throw invalidQuery(`Function not supported by the BigQuery emulator: ${t.value} (it has not been verified against BigQuery's semantics)`);
  }

  type(nodes: Node[]): string {
    const r = parseType(nodes, 0);
    if (r.next !== nodes.length) throw invalidQuery('Syntax error: unexpected tokens after type');
    return r.sql;
  }

  // a * b / c -> bq_fdiv(a * b, c): the left operand is the whole multiplicative
  // chain before the slash, the right one the next operand.
  private rewriteDivision(pieces: Piece[]): Piece[] {
    const out: Piece[] = [];
    for (let i = 0; i < pieces.length; i++) {
      const p = pieces[i]!;
      if (p.kind === 'op' && p.word === '/') {
        let right = pieces[i + 1];
        if (!right || right.kind !== 'operand') throw invalidQuery('Syntax error: expected an operand after /');
        // f(x) OVER (...) is one operand: the window belongs to the call.
        let used = 1;
        if (pieces[i + 2]?.kind === 'kw' && pieces[i + 2]!.word === 'OVER' && pieces[i + 3]?.kind === 'operand') {
          right = { text: `${right.text} OVER ${pieces[i + 3]!.text}`, kind: 'operand' };
          used = 3;
        }
        let k = out.length - 1;
        if (k < 0 || out[k]!.kind !== 'operand') throw invalidQuery('Syntax error: expected an operand before /');
        const windowed = (at: number): number => (at >= 2 && out[at - 1]!.kind === 'kw' && out[at - 1]!.word === 'OVER' && out[at - 2]!.kind === 'operand' ? at - 2 : at);
        k = windowed(k);
        while (k >= 2 && out[k - 1]!.kind === 'op' && out[k - 1]!.word === '*' && out[k - 2]!.kind === 'operand') k = windowed(k - 2);
        const left = this.join(out.splice(k));
        out.push({ text: `bq_fdiv(${left}, ${right.text})`, kind: 'operand' });
        i += used;
        continue;
      }
      out.push(p);
    }
    return out;
  }

  private join(pieces: Piece[]): string {
    return pieces
      .map((p) => p.text)
      .join(' ')
      .split(this.starMark)
      .map((part, i) => (i % 2 === 1 ? this.starSql(JSON.parse(part) as string[]) : part))
      .join('');
  }
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

// PIVOT (agg FOR col IN ('a' [AS x], ...)): DuckDB's standard PIVOT has
// BigQuery's semantics (group by the other columns, one column per value) for
// one unaliased aggregate; value columns must have identifier names, as
// BigQuery names them after the value.
function pivotSql(tr: GoogleSqlTranslator, children: Node[]): string {
  const forAt = children.findIndex((n) => isWord(n, 'FOR'));
  const inAt = children.findIndex((n, k) => k > forAt && isWord(n, 'IN'));
  const list = children[inAt + 1];
  if (forAt < 1 || inAt < forAt + 2 || !isGroup(list, '(') || inAt + 2 !== children.length) throw invalidQuery('Syntax error: PIVOT expects (aggregate FOR column IN (values))');
  const agg = children.slice(0, forAt);
  if (splitCommas(agg).length !== 1 || agg.some((n) => isWord(n, 'AS'))) throw invalidQuery('PIVOT with several or aliased aggregates is not supported by the BigQuery emulator');
  const values = splitCommas(list.children).map((v) => {
    const [lit, as, alias] = v;
    if (v.length === 3 && isWord(as, 'AS') && alias && (alias.kind === 'ident' || alias.kind === 'qident')) return `${tr.expr([lit!])} AS ${qid(alias.value)}`;
    if (v.length === 1 && lit?.kind === 'string' && IDENT.test(lit.value)) return qstr(lit.value);
    throw invalidQuery('PIVOT values must be string literals that are valid column names, or have an alias (value AS name), in the BigQuery emulator');
  });
  return `(${tr.expr(agg)} FOR ${tr.expr(children.slice(forAt + 1, inAt))} IN (${values.join(', ')}))`;
}

// UNPIVOT (value_col FOR name_col IN (a [AS 'label'], ...)): single-column form.
function unpivotSql(children: Node[]): string {
  const [val, f, name, inW, list] = children;
  const isName = (n: Node | undefined): n is Token => !!n && (n.kind === 'ident' || n.kind === 'qident');
  if (children.length !== 5 || !isName(val) || !isWord(f, 'FOR') || !isName(name) || !isWord(inW, 'IN') || !isGroup(list, '(')) {
    throw invalidQuery('UNPIVOT expects (value_column FOR name_column IN (columns)); the multi-column form is not supported by the BigQuery emulator');
  }
  const cols = splitCommas(list.children).map((c) => {
    const [col, as, label] = c;
    if (c.length === 1 && isName(col)) return qid(col.value);
    if (c.length === 3 && isName(col) && isWord(as, 'AS') && label?.kind === 'string') return `${qid(col.value)} AS ${qstr(label.value)}`;
    throw invalidQuery('UNPIVOT columns must be column names, optionally AS a string label, in the BigQuery emulator');
  });
  return `(${qid(val.value)} FOR ${qid(name.value)} IN (${cols.join(', ')}))`;
}

function tokenText(n: Node | undefined): string {
  if (!n) return 'end of statement';
  if (n.kind === 'group') return `"${n.open}"`;
  return `"${n.value}"`;
}

export { ParamResolver };
