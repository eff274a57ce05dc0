// GoogleSQL lexer: enough of the lexical grammar to translate queries token by
// token (quoted identifiers, the string literal forms, parameters, comments).
import { invalidQuery } from '../errors.js';

export type TokenKind = 'ident' | 'qident' | 'string' | 'bytes' | 'number' | 'param' | 'qmark' | 'op';

export interface Token {
  kind: TokenKind;
  /** For ident/op: the text; for qident/string/bytes: the decoded value; for param: the name. */
  value: string;
  /** Offset in the original text (for error positions). */
  pos: number;
}

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', b: '\b', f: '\f', v: '\v', a: '\x07', '\\': '\\', "'": "'", '"': '"', '`': '`', '?': '?' };

function decodeEscapes(s: string, at: number): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const n = s[++i];
    if (n === undefined) throw invalidQuery(`Syntax error: Illegal escape sequence at [1:${at + 1}]`);
    if (ESCAPES[n] !== undefined) out += ESCAPES[n];
    else if (n === 'x' || n === 'X') {
      out += String.fromCharCode(parseInt(s.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (n === 'u') {
      out += String.fromCodePoint(parseInt(s.slice(i + 1, i + 5), 16));
      i += 4;
    } else if (n === 'U') {
      out += String.fromCodePoint(parseInt(s.slice(i + 1, i + 9), 16));
      i += 8;
    } else if (/[0-7]/.test(n)) {
      out += String.fromCharCode(parseInt(s.slice(i, i + 3), 8));
      i += 2;
    } else throw invalidQuery(`Syntax error: Illegal escape sequence: \\${n}`);
  }
  return out;
}

const OPS = ['<=>', '>>', '<<', '<=', '>=', '<>', '!=', '||', '=>', '->', '(', ')', '[', ']', '{', '}', ',', '.', ';', '+', '-', '*', '/', '%', '<', '>', '=', '&', '|', '^', '~', ':'];

export function tokenize(sql: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '-' && sql[i + 1] === '-') {
      while (i < sql.length && sql[i] !== '\n') i++;
      continue;
    }
    if (c === '#') {
      while (i < sql.length && sql[i] !== '\n') i++;
      continue;
    }
    if (c === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      if (end < 0) throw invalidQuery('Syntax error: Unclosed comment');
      i = end + 2;
      continue;
    }
    // String and bytes literals with optional r/b prefixes, single or triple quoted.
    const pre = /^(?:[rR][bB]?|[bB][rR]?)?(?='|")/.exec(sql.slice(i, i + 3));
    if (pre) {
      const prefix = pre[0].toLowerCase();
      const start = i;
      i += prefix.length;
      const q = sql[i]!;
      const triple = sql.slice(i, i + 3) === q.repeat(3);
      const delim = triple ? q.repeat(3) : q;
      i += delim.length;
      let body = '';
      for (;;) {
        if (i >= sql.length) throw invalidQuery(`Syntax error: Unclosed string literal at [1:${start + 1}]`);
        if (sql[i] === '\\' && !prefix.includes('r')) {
          body += sql.slice(i, i + 2);
          i += 2;
          continue;
        }
        if (sql.startsWith(delim, i)) {
          i += delim.length;
          break;
        }
        if (!triple && sql[i] === '\n') throw invalidQuery(`Syntax error: Unclosed string literal at [1:${start + 1}]`);
        body += sql[i];
        i++;
      }
      const value = prefix.includes('r') ? body : decodeEscapes(body, start);
      out.push({ kind: prefix.includes('b') ? 'bytes' : 'string', value, pos: start });
      continue;
    }
    if (c === '`') {
      const end = sql.indexOf('`', i + 1);
      if (end < 0) throw invalidQuery(`Syntax error: Unclosed identifier literal at [1:${i + 1}]`);
      out.push({ kind: 'qident', value: sql.slice(i + 1, end), pos: i });
      i = end + 1;
      continue;
    }
    if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(sql.slice(i))!;
      out.push({ kind: 'ident', value: m[0], pos: i });
      i += m[0].length;
      continue;
    }
    // Numbers: a leading dot counts only when a digit follows (".5"), and a
    // dot right after an identifier is a path separator, not a decimal point.
    if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(sql[i + 1] ?? '') && out.at(-1)?.kind !== 'ident' && out.at(-1)?.kind !== 'qident')) {
      const m = /^(?:0[xX][0-9a-fA-F]+|(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)/.exec(sql.slice(i))!;
      out.push({ kind: 'number', value: m[0], pos: i });
      i += m[0].length;
      continue;
    }
    if (c === '@') {
      const m = /^@@?[A-Za-z_][A-Za-z0-9_]*/.exec(sql.slice(i));
      if (!m) throw invalidQuery(`Syntax error: Unexpected "@" at [1:${i + 1}]`);
      out.push({ kind: 'param', value: m[0].slice(1), pos: i });
      i += m[0].length;
      continue;
    }
    if (c === '?') {
      out.push({ kind: 'qmark', value: '?', pos: i });
      i++;
      continue;
    }
    const op = OPS.find((o) => sql.startsWith(o, i));
    if (!op) throw invalidQuery(`Syntax error: Illegal input character "${c}" at [1:${i + 1}]`);
    out.push({ kind: 'op', value: op, pos: i });
    i += op.length;
  }
  return out;
}

/** A token tree: parentheses and brackets become groups. */
export type Node = Token | Group;
export interface Group {
  kind: 'group';
  open: '(' | '[';
  children: Node[];
  pos: number;
}

// The predicates narrow with a phantom brand so that a false result does not
// rule the whole type out (a Token that is not a given word is still a Token).
export type Checked<T> = T & { readonly __checked?: true };

export function isGroup(n: Node | undefined, open?: '(' | '['): n is Checked<Group> {
  return n !== undefined && n.kind === 'group' && (open === undefined || n.open === open);
}

export function isWord(n: Node | undefined, ...words: string[]): n is Checked<Token> {
  return n !== undefined && n.kind === 'ident' && (words.length === 0 || words.includes(n.value.toUpperCase()));
}

export function isOp(n: Node | undefined, ...ops: string[]): n is Checked<Token> {
  return n !== undefined && n.kind === 'op' && (ops.length === 0 || ops.includes(n.value));
}

export function buildTree(tokens: Token[]): Node[] {
  const root: Node[] = [];
  const stack: { group: Group | null; list: Node[] }[] = [{ group: null, list: root }];
  for (const t of tokens) {
    const top = stack[stack.length - 1]!;
    if (t.kind === 'op' && (t.value === '(' || t.value === '[')) {
      const g: Group = { kind: 'group', open: t.value, children: [], pos: t.pos };
      top.list.push(g);
      stack.push({ group: g, list: g.children });
    } else if (t.kind === 'op' && (t.value === ')' || t.value === ']')) {
      const want = t.value === ')' ? '(' : '[';
      if (!top.group || top.group.open !== want) throw invalidQuery(`Syntax error: Unexpected "${t.value}" at [1:${t.pos + 1}]`);
      stack.pop();
    } else top.list.push(t);
  }
  if (stack.length > 1) throw invalidQuery('Syntax error: Unexpected end of script (unclosed parenthesis or bracket)');
  return root;
}

/** Splits a node list at top-level commas. */
export function splitCommas(nodes: Node[]): Node[][] {
  const out: Node[][] = [[]];
  for (const n of nodes) {
    if (isOp(n, ',')) out.push([]);
    else out[out.length - 1]!.push(n);
  }
  return nodes.length === 0 ? [] : out;
}
