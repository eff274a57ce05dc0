// Multi-statement scripts: statements run one by one through the ordinary
// query path (runOne), variables are passed to each as query parameters
// (a variable `x` is written into the statement as @_script_x), and temp
// tables live in a dataset of their own for the script's run, dropped after.
// The job's result is the last SELECT's, as in BigQuery; its statementType is
// SCRIPT. Loops are bounded (MAX_ITERATIONS) and stop when the job is cancelled.
import { invalidQuery } from './errors.js';
import type { QueryRequest, QueryResult } from './query-runner-core.js';
import type { TableFieldSchema } from './schema-types.js';
import type { QueryParameter, QueryParameterType, QueryParameterValue } from './sql/params.js';
import { parseScript, type ScriptStatement } from './sql/script-parse.js';
import { tokenize, type Token } from './sql/tokenize.js';
import type { EmulatorState } from './state.js';
import { formatCell, type Cell } from './value-format.js';

export type RunOne = (req: QueryRequest, signal?: AbortSignal) => Promise<QueryResult>;

const MAX_ITERATIONS = 1_000;
const DATE_PARTS = new Set(['MICROSECOND', 'MILLISECOND', 'SECOND', 'MINUTE', 'HOUR', 'DAY', 'DAYOFWEEK', 'DAYOFYEAR', 'WEEK', 'ISOWEEK', 'MONTH', 'QUARTER', 'YEAR', 'ISOYEAR', 'DATE', 'TIME', 'DATETIME']);
const PARAM_PREFIX = '_script_';
const LEGACY: Record<string, string> = { INTEGER: 'INT64', FLOAT: 'FLOAT64', BOOLEAN: 'BOOL', RECORD: 'STRUCT' };

/** Is token i between a SELECT and its FROM (at the same parenthesis depth)? */
function inSelectList(toks: Token[], i: number): boolean {
  let depth = 0;
  for (let k = i - 1; k >= 0; k--) {
    const t = toks[k]!;
    if (t.kind === 'op' && t.value === ')') depth++;
    else if (t.kind === 'op' && t.value === '(') {
      if (depth === 0) return false;
      depth--;
    } else if (depth === 0 && t.kind === 'ident') {
      const w = t.value.toUpperCase();
      if (w === 'SELECT') return true;
      if (['FROM', 'WHERE', 'GROUP', 'HAVING', 'ORDER', 'SET', 'VALUES', 'ON', 'QUALIFY', 'LIMIT', 'WHEN', 'THEN'].includes(w)) return false;
    }
  }
  return false;
}

class Break {}
class Continue {}

function paramType(f: TableFieldSchema): QueryParameterType {
  const base: QueryParameterType =
    f.type === 'RECORD' ? { type: 'STRUCT', structTypes: (f.fields ?? []).map((x) => ({ name: x.name, type: paramType(x) })) } : { type: LEGACY[f.type] ?? f.type };
  return f.mode === 'REPEATED' ? { type: 'ARRAY', arrayType: base } : base;
}

function paramValue(f: TableFieldSchema, cell: Cell): QueryParameterValue {
  if (f.mode === 'REPEATED') {
    const elem = { ...f, mode: 'NULLABLE' };
    return { arrayValues: (cell.v as Cell[]).map((c) => paramValue(elem, c)) };
  }
  if (cell.v === null) return { value: null };
  if (f.type === 'RECORD') {
    const cells = (cell.v as { f: Cell[] }).f;
    return { structValues: Object.fromEntries((f.fields ?? []).map((x, i) => [x.name, paramValue(x, cells[i]!)])) };
  }
  return { value: String(cell.v) };
}

interface Variable {
  name: string;
  param: QueryParameter;
}

export async function runScript(state: EmulatorState, req: QueryRequest, runOne: RunOne, signal?: AbortSignal): Promise<QueryResult> {
  if (req.destination) throw invalidQuery('A destinationTable cannot be set for a script');
  if (req.dryRun) throw invalidQuery('dryRun of scripts is not supported by the BigQuery emulator');
  if (req.parameterMode?.toUpperCase() === 'POSITIONAL' || (req.queryParameters ?? []).some((p) => !p.name)) throw invalidQuery('Scripts take named query parameters only in the BigQuery emulator');
  const program = parseScript(req.query);
  const vars = new Map<string, Variable>();
  const temps = new Map<string, string>();
  const tempDataset = `_script_${state.jobs.newJobId().replace(/[^A-Za-z0-9_]/g, '_')}`;
  let tempMade = false;
  let last: QueryResult | undefined;

  // Variables and temp tables by bare name: tokens not after a dot, not called as functions.
  const rewrite = (text: string): string => {
    const toks = tokenize(text);
    let out = '';
    let at = 0;
    toks.forEach((t, i) => {
      if (t.kind !== 'ident') return;
      const prev = toks[i - 1];
      const next = toks[i + 1];
      if (prev?.kind === 'op' && prev.value === '.') return;
      // `INTERVAL n DAY`, `DATE_TRUNC(d, MONTH)`: a date part after an operand is not a variable.
      if (DATE_PARTS.has(t.value.toUpperCase()) && prev && prev.kind !== 'op') return;
      if (next?.kind === 'op' && next.value === '(') return;
      const key = t.value.toLowerCase();
      const temp = temps.get(key);
      const v = vars.get(key);
      if (!temp && !v) return;
      if (next?.kind === 'op' && next.value === '.' && !temp) return;
      // A variable alone as a select item keeps its name as the column's, as in BigQuery.
      const alone = !temp && (prev === undefined || (prev.kind === 'op' && prev.value === ',') || ['SELECT', 'DISTINCT'].includes(prev.value.toUpperCase())) &&
        (next === undefined || (next.kind === 'op' && (next.value === ',' || next.value === ';')) || next.value.toUpperCase() === 'FROM') && inSelectList(toks, i);
      out += text.slice(at, t.pos) + (temp ? `\`${req.project}.${tempDataset}.${temp}\`` : `@${PARAM_PREFIX}${key}${alone ? ` AS ${t.value}` : ''}`);
      at = t.pos + t.value.length;
    });
    return out + text.slice(at);
  };
  const params = (): QueryParameter[] => [...(req.queryParameters ?? []), ...[...vars.values()].map((v) => v.param)];
  const run = async (text: string): Promise<QueryResult> => {
    if (signal?.aborted) throw signal.reason instanceof Error ? signal.reason : invalidQuery('Script stopped');
    return runOne({ ...req, query: rewrite(text), queryParameters: params(), parameterMode: 'NAMED' }, signal);
  };
  // One value: SELECT (expr); its type and REST cell become the parameter.
  const evaluate = async (expr: string, name: string): Promise<QueryParameter> => {
    const r = await run(`SELECT (${expr})`);
    if (r.columns.length !== 1 || r.rows.length !== 1) throw invalidQuery(`The value for ${name} must be a single value (got ${r.rows.length} rows)`);
    const col = r.columns[0]!;
    const field = { ...col.field, name };
    return { name: `${PARAM_PREFIX}${name.toLowerCase()}`, parameterType: paramType(field), parameterValue: paramValue(field, formatCell(r.rows[0]![0] ?? null, col.duck, field, 'ISO8601_STRING')) };
  };
  const truthy = async (cond: string): Promise<boolean> => {
    const p = await evaluate(cond, 'condition');
    if (p.parameterType.type !== 'BOOL') throw invalidQuery(`A script condition must be BOOL (got ${p.parameterType.type}): ${cond}`);
    return p.parameterValue?.value === 'true';
  };

  const exec = async (stmts: ScriptStatement[]): Promise<void> => {
    for (const s of stmts) {
      switch (s.kind) {
        case 'declare': {
          for (const n of s.names) if (vars.has(n.toLowerCase())) throw invalidQuery(`Variable ${n} is already declared`);
          const value = s.defaultExpr ? await evaluate(s.type ? `CAST((${s.defaultExpr}) AS ${s.type})` : s.defaultExpr, s.names[0]!) : await evaluate(`CAST(NULL AS ${s.type})`, s.names[0]!);
          for (const n of s.names) vars.set(n.toLowerCase(), { name: n, param: { ...value, name: `${PARAM_PREFIX}${n.toLowerCase()}` } });
          break;
        }
        case 'set': {
          const v = vars.get(s.name.toLowerCase());
          if (!v) throw invalidQuery(`Unrecognized variable: ${s.name} (DECLARE it first)`);
          const value = await evaluate(s.expr, v.name);
          if (value.parameterType.type !== v.param.parameterType.type && value.parameterValue?.value !== null) {
            // Coerce as BigQuery does on assignment (INT64 into FLOAT64, ...), or fail.
            const typeName = v.param.parameterType.type === 'ARRAY' || v.param.parameterType.type === 'STRUCT' ? undefined : v.param.parameterType.type;
            if (!typeName) throw invalidQuery(`Cannot assign ${value.parameterType.type} to variable ${v.name} of type ${v.param.parameterType.type}`);
            v.param = { ...(await evaluate(`CAST((${s.expr}) AS ${typeName})`, v.name)), name: v.param.name };
          } else v.param = { ...value, parameterType: v.param.parameterType, name: v.param.name };
          break;
        }
        case 'if': {
          let done = false;
          for (const b of s.branches) {
            if (await truthy(b.cond)) {
              await exec(b.body);
              done = true;
              break;
            }
          }
          if (!done && s.otherwise) await exec(s.otherwise);
          break;
        }
        case 'while':
        case 'loop': {
          let n = 0;
          while (s.kind === 'loop' || (await truthy(s.cond))) {
            if (++n > MAX_ITERATIONS) throw invalidQuery(`A script loop ran more than ${MAX_ITERATIONS} times in the BigQuery emulator`);
            try {
              await exec(s.body);
            } catch (e) {
              if (e instanceof Break) break;
              if (e instanceof Continue) continue;
              throw e;
            }
          }
          break;
        }
        case 'break':
          throw new Break();
        case 'continue':
          throw new Continue();
        case 'block':
          await exec(s.body);
          break;
        case 'sql': {
          const temp = /^\s*CREATE\s+(OR\s+REPLACE\s+)?TEMP(ORARY)?\s+TABLE\s+(IF\s+NOT\s+EXISTS\s+)?([A-Za-z_][A-Za-z0-9_]*)\b/i.exec(s.text);
          if (temp) {
            if (!tempMade) {
              const now = String(Date.now());
              await state.catalog.createDataset({ project: req.project, dataset: tempDataset, resource: { creationTime: now, lastModifiedTime: now } });
              tempMade = true;
            }
            const name = temp[4]!;
            const rest = s.text.slice(temp[0].length);
            last = await run(`CREATE ${temp[1] ?? ''}TABLE ${temp[3] ?? ''}\`${req.project}.${tempDataset}.${name}\`${rest}`);
            temps.set(name.toLowerCase(), name);
            break;
          }
          last = await run(s.text);
          break;
        }
      }
    }
  };

  try {
    try {
      await exec(program);
    } catch (e) {
      if (e instanceof Break || e instanceof Continue) throw invalidQuery('BREAK and CONTINUE are only allowed inside a loop');
      throw e;
    }
  } finally {
    if (tempMade) await state.catalog.deleteDataset(req.project, tempDataset);
  }
  const result = last && last.statementType === 'SELECT' ? last : { columns: [], rows: [], totalBytesProcessed: 0, referencedTables: [] };
  return { ...result, statementType: 'SCRIPT' };
}
