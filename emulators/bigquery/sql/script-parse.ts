// GoogleSQL scripts, parsed from tokens into a statement tree: DECLARE, SET,
// IF/ELSEIF/ELSE, WHILE, LOOP, BREAK/LEAVE, CONTINUE/ITERATE, BEGIN...END and
// every other statement as its text (queries, DML, DDL, CREATE TEMP TABLE),
// run one by one by script.ts. Expressions stay text: each is evaluated as a
// query of its own.
import { invalidQuery } from '../errors.js';
import { tokenize, type Token } from './tokenize.js';

export type ScriptStatement =
  | { kind: 'declare'; names: string[]; type?: string; defaultExpr?: string }
  | { kind: 'set'; name: string; expr: string }
  | { kind: 'if'; branches: { cond: string; body: ScriptStatement[] }[]; otherwise?: ScriptStatement[] }
  | { kind: 'while'; cond: string; body: ScriptStatement[] }
  | { kind: 'loop'; body: ScriptStatement[] }
  | { kind: 'break' | 'continue' }
  | { kind: 'block'; body: ScriptStatement[] }
  | { kind: 'sql'; text: string };

const upper = (t: Token | undefined): string | undefined => (t?.kind === 'ident' ? t.value.toUpperCase() : undefined);
const isSemi = (t: Token | undefined): boolean => t?.kind === 'op' && t.value === ';';

/** Does this text need the script runner (several statements, or a scripting statement)? */
export function isScript(sql: string): boolean {
  let toks: Token[];
  try {
    toks = tokenize(sql);
  } catch {
    return false;
  }
  while (isSemi(toks.at(-1))) toks.pop();
  if (toks.some(isSemi)) return true;
  const first = upper(toks[0]);
  return first === 'DECLARE' || first === 'SET' || first === 'IF' || first === 'WHILE' || first === 'LOOP' || (first === 'BEGIN' && upper(toks[1]) !== 'TRANSACTION');
}

class Parser {
  i = 0;
  constructor(
    private readonly toks: Token[],
    private readonly text: string,
  ) {}

  private word(k = 0): string | undefined {
    return upper(this.toks[this.i + k]);
  }
  private expect(w: string): void {
    if (this.word() !== w) throw invalidQuery(`Syntax error in script: expected ${w} but got ${this.toks[this.i]?.value ?? 'end of script'}`);
    this.i++;
  }
  private semi(): void {
    if (isSemi(this.toks[this.i])) this.i++;
    else if (this.i < this.toks.length) throw invalidQuery(`Syntax error in script: expected ";" before ${this.toks[this.i]!.value}`);
  }
  private slice(from: number, to: number): string {
    const a = this.toks[from];
    if (!a || from >= to) throw invalidQuery('Syntax error in script: an expression is missing');
    const end = this.toks[to]?.pos ?? this.text.length;
    return this.text.slice(a.pos, end).trim();
  }
  /** Tokens up to a stop word at depth 0 (parentheses and CASE ... END nest). */
  private until(stops: string[]): string {
    const start = this.i;
    let depth = 0;
    for (; this.i < this.toks.length; this.i++) {
      const t = this.toks[this.i]!;
      if (t.kind === 'op' && (t.value === '(' || t.value === '[')) depth++;
      else if (t.kind === 'op' && (t.value === ')' || t.value === ']')) depth--;
      const w = upper(t);
      if (w === 'CASE') depth++;
      else if (w === 'END' && depth > 0) depth--;
      if (depth === 0 && ((w && stops.includes(w)) || (stops.includes(';') && isSemi(t)))) break;
    }
    return this.slice(start, this.i);
  }

  block(ends: string[]): ScriptStatement[] {
    const out: ScriptStatement[] = [];
    while (this.i < this.toks.length) {
      const w = this.word();
      if (w && ends.includes(w)) return out;
      out.push(this.statement());
    }
    if (ends.length > 0) throw invalidQuery(`Syntax error in script: missing ${ends[0]}`);
    return out;
  }

  private statement(): ScriptStatement {
    const w = this.word();
    switch (w) {
      case 'DECLARE': {
        this.i++;
        const names: string[] = [];
        for (;;) {
          const t = this.toks[this.i];
          if (t?.kind !== 'ident' && t?.kind !== 'qident') throw invalidQuery('Syntax error in script: DECLARE needs a variable name');
          names.push(t.value);
          this.i++;
          if (!(this.toks[this.i]?.kind === 'op' && this.toks[this.i]!.value === ',')) break;
          this.i++;
        }
        let type: string | undefined;
        if (this.word() !== 'DEFAULT' && !isSemi(this.toks[this.i]) && this.i < this.toks.length) type = this.until(['DEFAULT', ';']);
        let defaultExpr: string | undefined;
        if (this.word() === 'DEFAULT') {
          this.i++;
          defaultExpr = this.until([';']);
        }
        if (!type && !defaultExpr) throw invalidQuery('DECLARE needs a type or a DEFAULT value');
        this.semi();
        return { kind: 'declare', names, type, defaultExpr };
      }
      case 'SET': {
        this.i++;
        const t = this.toks[this.i];
        if (t?.kind === 'op' && t.value === '(') throw invalidQuery('SET (a, b) = ... is not supported by the BigQuery emulator: set each variable on its own');
        if (t?.kind !== 'ident' && t?.kind !== 'qident') throw invalidQuery('Syntax error in script: SET needs a variable name');
        this.i++;
        if (!(this.toks[this.i]?.kind === 'op' && this.toks[this.i]!.value === '=')) throw invalidQuery('Syntax error in script: expected = after SET name');
        this.i++;
        const expr = this.until([';']);
        this.semi();
        return { kind: 'set', name: t.value, expr };
      }
      case 'IF': {
        this.i++;
        const branches: { cond: string; body: ScriptStatement[] }[] = [];
        let cond = this.until(['THEN']);
        this.expect('THEN');
        for (;;) {
          const body = this.block(['ELSEIF', 'ELSE', 'END']);
          branches.push({ cond, body });
          if (this.word() === 'ELSEIF') {
            this.i++;
            cond = this.until(['THEN']);
            this.expect('THEN');
            continue;
          }
          break;
        }
        let otherwise: ScriptStatement[] | undefined;
        if (this.word() === 'ELSE') {
          this.i++;
          otherwise = this.block(['END']);
        }
        this.expect('END');
        this.expect('IF');
        this.semi();
        return { kind: 'if', branches, otherwise };
      }
      case 'WHILE': {
        this.i++;
        const cond = this.until(['DO']);
        this.expect('DO');
        const body = this.block(['END']);
        this.expect('END');
        this.expect('WHILE');
        this.semi();
        return { kind: 'while', cond, body };
      }
      case 'LOOP': {
        this.i++;
        const body = this.block(['END']);
        this.expect('END');
        this.expect('LOOP');
        this.semi();
        return { kind: 'loop', body };
      }
      case 'BREAK':
      case 'LEAVE':
      case 'CONTINUE':
      case 'ITERATE':
        this.i++;
        this.semi();
        return { kind: w === 'BREAK' || w === 'LEAVE' ? 'break' : 'continue' };
      case 'BEGIN': {
        if (this.word(1) === 'TRANSACTION') throw invalidQuery('Transactions (BEGIN TRANSACTION) are not supported by the BigQuery emulator');
        this.i++;
        const body = this.block(['END', 'EXCEPTION']);
        if (this.word() === 'EXCEPTION') throw invalidQuery('BEGIN ... EXCEPTION WHEN ERROR is not supported by the BigQuery emulator');
        this.expect('END');
        this.semi();
        return { kind: 'block', body };
      }
      case 'FOR':
      case 'REPEAT':
      case 'CASE':
      case 'RETURN':
      case 'RAISE':
      case 'EXECUTE':
      case 'CALL':
        throw invalidQuery(`${w} in scripts is not supported by the BigQuery emulator`);
      default: {
        const text = this.until([';']);
        this.semi();
        return { kind: 'sql', text };
      }
    }
  }
}

export function parseScript(sql: string): ScriptStatement[] {
  const toks = tokenize(sql);
  const p = new Parser(toks, sql);
  return p.block([]);
}
