// More of the function allow-list: string, array, math, date/time and JSON
// functions whose BigQuery semantics a DuckDB expression or macro reproduces.
// Each one was checked against the reference pages' examples (npm run
// conformance); where a form differs (another mode, a negative position the
// macro cannot follow) it is refused, not approximated.
import { invalidQuery } from '../errors.js';
import { qstr } from './quote.js';
import type { Node, Token } from './tokenize.js';

export interface Translator {
  expr(nodes: Node[]): string;
  type(nodes: Node[]): string;
}
export type Rule = (args: Node[][], tr: Translator) => string;

const arity = (args: Node[][], fn: string, min: number, max = min): void => {
  if (args.length < min || args.length > max) throw invalidQuery(`No matching signature for function ${fn} with ${args.length} argument(s)`);
};
const all = (args: Node[][], tr: Translator): string[] => args.map((a) => tr.expr(a));
/** A rule calling one DuckDB function or macro with the arguments in order. */
const call =
  (fn: string, target: string, min: number, max = min): Rule =>
  (args, tr) => (arity(args, fn, min, max), `${target}(${all(args, tr).join(', ')})`);
const literal = (nodes: Node[] | undefined): string | undefined => {
  const t = nodes?.[0];
  return nodes?.length === 1 && t?.kind === 'string' ? (t as Token).value : undefined;
};
const word = (nodes: Node[] | undefined): string | undefined => {
  const t = nodes?.[0];
  return nodes?.length === 1 && t?.kind === 'ident' ? (t as Token).value.toUpperCase() : undefined;
};

// LAST_DAY(d [, part]): the last day of the month (default), quarter, year or week.
const lastDay: Rule = (args, tr) => {
  arity(args, 'LAST_DAY', 1, 2);
  const d = `CAST(${tr.expr(args[0]!)} AS DATE)`;
  const part = args[1] ? (word(args[1]) ?? args[1].map((n) => (n.kind === 'group' ? `(${n.children.map((c) => (c as Token).value).join('')})` : (n as Token).value)).join('').toUpperCase()) : 'MONTH';
  switch (part) {
    case 'MONTH':
      return `last_day(${d})`;
    case 'QUARTER':
      return `CAST(date_trunc('quarter', ${d}) + INTERVAL 3 MONTH - INTERVAL 1 DAY AS DATE)`;
    case 'YEAR':
      return `make_date(year(${d}), 12, 31)`;
    case 'WEEK':
    case 'WEEK(SUNDAY)':
      return `CAST(bq_trunc_week_sunday(${d}) + INTERVAL 6 DAY AS DATE)`;
    case 'ISOWEEK':
    case 'WEEK(MONDAY)':
      return `CAST(date_trunc('week', ${d}) + INTERVAL 6 DAY AS DATE)`;
    default:
      throw invalidQuery(`LAST_DAY with date part ${part} is not supported by the BigQuery emulator`);
  }
};

// GENERATE_DATE_ARRAY(start, end [, INTERVAL n part]).
const generateDateArray: Rule = (args, tr) => {
  arity(args, 'GENERATE_DATE_ARRAY', 2, 3);
  const [a, b] = [tr.expr(args[0]!), tr.expr(args[1]!)];
  const step = args[2] ? tr.expr(args[2]) : 'INTERVAL 1 DAY';
  return `bq_generate_date_array(CAST(${a} AS DATE), CAST(${b} AS DATE), ${step})`;
};
const generateTimestampArray: Rule = (args, tr) => {
  arity(args, 'GENERATE_TIMESTAMP_ARRAY', 3);
  return `bq_generate_ts_array(CAST(${tr.expr(args[0]!)} AS TIMESTAMPTZ), CAST(${tr.expr(args[1]!)} AS TIMESTAMPTZ), ${tr.expr(args[2]!)})`;
};

// REGEXP_EXTRACT_ALL(s, re): the capturing group when the pattern has one.
const regexpExtractAll: Rule = (args, tr) => {
  arity(args, 'REGEXP_EXTRACT_ALL', 2);
  const re = literal(args[1]);
  if (re === undefined) throw invalidQuery('REGEXP_EXTRACT_ALL needs a literal regular expression in the BigQuery emulator');
  const groups = (re.match(/\((?!\?)/g) ?? []).length;
  if (groups > 1) throw invalidQuery('Regular expressions passed into extraction functions must not have more than 1 capturing group');
  return `regexp_extract_all(${tr.expr(args[0]!)}, ${qstr(re)}, ${groups})`;
};

// NORMALIZE(s [, NFC]): DuckDB has NFC only.
const normalize: Rule = (args, tr) => {
  arity(args, 'NORMALIZE', 1, 2);
  const mode = args[1] ? word(args[1]) : 'NFC';
  if (mode !== 'NFC') throw invalidQuery(`NORMALIZE with mode ${mode ?? '?'} is not supported by the BigQuery emulator (only NFC)`);
  return `nfc_normalize(${tr.expr(args[0]!)})`;
};

// JSON_QUERY_ARRAY / JSON_EXTRACT_ARRAY: the elements as JSON text; NULL for a non-array.
const jsonQueryArray =
  (fn: string): Rule =>
  (args, tr) => (arity(args, fn, 1, 2), `bq_json_query_array(CAST(${tr.expr(args[0]!)} AS JSON), ${args[1] ? tr.expr(args[1]) : qstr('$')})`);
const jsonValueArray =
  (fn: string): Rule =>
  (args, tr) => (arity(args, fn, 1, 2), `bq_json_value_array(CAST(${tr.expr(args[0]!)} AS JSON), ${args[1] ? tr.expr(args[1]) : qstr('$')})`);

const rangeBucket: Rule = (args, tr) => {
  arity(args, 'RANGE_BUCKET', 2);
  const [p, arr] = all(args, tr);
  return `CASE WHEN (${p}) IS NULL OR (${arr}) IS NULL THEN NULL ELSE len(list_filter(${arr}, x -> x <= (${p}))) END`;
};

export const EXTRA_PASSTHROUGH: Record<string, string> = {
  SIN: '',
  COS: '',
  TAN: '',
  ASIN: '',
  ACOS: '',
  ATAN: '',
  ATAN2: '',
  SINH: '',
  COSH: '',
  TANH: '',
  ASINH: '',
  ACOSH: '',
  ATANH: '',
  CBRT: '',
  COT: '',
  PI: '',
  EDIT_DISTANCE: 'levenshtein',
  TRANSLATE: '',
  TO_BASE64: '',
  FROM_BASE64: '',
  BIT_AND: '',
  BIT_OR: '',
  BIT_XOR: '',
  BIT_COUNT: '',
  ARRAY_FIRST: 'bq_array_first',
  ARRAY_LAST: 'bq_array_last',
  ARRAY_SLICE: 'bq_array_slice',
  TO_CODE_POINTS: 'bq_to_code_points',
  CODE_POINTS_TO_STRING: 'bq_code_points_to_string',
  CHR: 'bq_chr',
  ASCII: 'bq_ascii',
  UNICODE: 'bq_unicode',
  UNIX_DATE: 'bq_unix_date',
  DATE_FROM_UNIX_DATE: 'bq_date_from_unix_date',
  JSON_TYPE: 'bq_json_type',
  ZEROIFNULL: 'bq_zeroifnull',
  NULLIFZERO: 'bq_nullifzero',
  COSINE_DISTANCE: 'list_cosine_distance',
  EUCLIDEAN_DISTANCE: 'list_distance',
};

export const EXTRA_RULES: Record<string, Rule> = {
  LAST_DAY: lastDay,
  GENERATE_DATE_ARRAY: generateDateArray,
  GENERATE_TIMESTAMP_ARRAY: generateTimestampArray,
  REGEXP_EXTRACT_ALL: regexpExtractAll,
  NORMALIZE: normalize,
  JSON_QUERY_ARRAY: jsonQueryArray('JSON_QUERY_ARRAY'),
  JSON_EXTRACT_ARRAY: jsonQueryArray('JSON_EXTRACT_ARRAY'),
  JSON_VALUE_ARRAY: jsonValueArray('JSON_VALUE_ARRAY'),
  JSON_EXTRACT_STRING_ARRAY: jsonValueArray('JSON_EXTRACT_STRING_ARRAY'),
  RANGE_BUCKET: rangeBucket,
  INSTR: (args, tr) => {
    arity(args, 'INSTR', 2, 4);
    const a = all(args, tr);
    return `bq_instr(${a[0]}, ${a[1]}, ${a[2] ?? '1'}, ${a[3] ?? '1'})`;
  },
  CSC: (args, tr) => (arity(args, 'CSC', 1), `(1 / sin(${tr.expr(args[0]!)}))`),
  SEC: (args, tr) => (arity(args, 'SEC', 1), `(1 / cos(${tr.expr(args[0]!)}))`),
  COTH: (args, tr) => (arity(args, 'COTH', 1), `bq_fdiv(1, tanh(${tr.expr(args[0]!)}))`),
  CSCH: (args, tr) => (arity(args, 'CSCH', 1), `bq_fdiv(1, sinh(${tr.expr(args[0]!)}))`),
  SECH: (args, tr) => (arity(args, 'SECH', 1), `(1 / cosh(${tr.expr(args[0]!)}))`),
  TIMESTAMP_FROM_UNIX_SECONDS: call('TIMESTAMP_FROM_UNIX_SECONDS', 'bq_ts_from_unix_seconds', 1),
  TIMESTAMP_FROM_UNIX_MILLIS: call('TIMESTAMP_FROM_UNIX_MILLIS', 'bq_ts_from_unix_millis', 1),
  TIMESTAMP_FROM_UNIX_MICROS: call('TIMESTAMP_FROM_UNIX_MICROS', 'bq_ts_from_unix_micros', 1),
  PARSE_DATETIME: (args, tr) => (arity(args, 'PARSE_DATETIME', 2), `CAST(strptime(${tr.expr(args[1]!)}, ${tr.expr(args[0]!)}) AS TIMESTAMP)`),
  PARSE_TIME: (args, tr) => (arity(args, 'PARSE_TIME', 2), `CAST(strptime(${tr.expr(args[1]!)}, ${tr.expr(args[0]!)}) AS TIME)`),
  ARRAY_CONCAT_AGG: (args, tr) => (arity(args, 'ARRAY_CONCAT_AGG', 1), `flatten(array_agg(${tr.expr(args[0]!)}) FILTER (WHERE (${tr.expr(args[0]!)}) IS NOT NULL))`),
};

// DuckDB macros behind the rules above (created on every start with the others).
export const EXTRA_MACROS: readonly string[] = [
  `CREATE OR REPLACE MACRO bq_generate_date_array(a, b, step) AS CASE WHEN a IS NULL OR b IS NULL OR step IS NULL THEN NULL ELSE list_transform(generate_series(CAST(a AS TIMESTAMP), CAST(b AS TIMESTAMP), step), x -> CAST(x AS DATE)) END`,
  `CREATE OR REPLACE MACRO bq_generate_ts_array(a, b, step) AS CASE WHEN a IS NULL OR b IS NULL OR step IS NULL THEN NULL ELSE generate_series(a, b, step) END`,
  // 0-based inclusive offsets, negative ones from the end, clamped to the array.
  `CREATE OR REPLACE MACRO bq_array_slice(arr, s, e) AS CASE WHEN arr IS NULL OR s IS NULL OR e IS NULL THEN NULL ELSE list_slice(arr, greatest(CASE WHEN s < 0 THEN len(arr) + s ELSE s END, 0) + 1, CASE WHEN e < 0 THEN len(arr) + e ELSE e END + 1) END`,
  `CREATE OR REPLACE MACRO bq_array_first(arr) AS CASE WHEN len(arr) = 0 THEN error('ARRAY_FIRST cannot get the first element of an empty array') ELSE arr[1] END`,
  `CREATE OR REPLACE MACRO bq_array_last(arr) AS CASE WHEN len(arr) = 0 THEN error('ARRAY_LAST cannot get the last element of an empty array') ELSE arr[len(arr)] END`,
  // INSTR(s, sub [, pos [, occurrence]]): 1-based; negative pos searches backwards from the end.
  `CREATE OR REPLACE MACRO bq_instr(s, sub, pos, occ) AS CASE WHEN s IS NULL OR sub IS NULL OR pos IS NULL OR occ IS NULL THEN NULL WHEN pos = 0 THEN error('The position argument of INSTR must not be 0') WHEN occ < 1 THEN error('The occurrence argument of INSTR must be positive') WHEN pos > 0 THEN coalesce(list_filter(range(pos, length(s) + 1), i -> substring(s, i, length(sub)) = sub)[occ], 0) ELSE coalesce(list_filter(range(length(s) + pos + 1, 0, -1), i -> substring(s, i, length(sub)) = sub)[occ], 0) END`,
  `CREATE OR REPLACE MACRO bq_to_code_points(s) AS list_transform(range(1, length(s) + 1), i -> unicode(substring(s, i, 1)))`,
  `CREATE OR REPLACE MACRO bq_code_points_to_string(arr) AS CASE WHEN arr IS NULL OR list_bool_or(list_transform(arr, x -> x IS NULL)) THEN NULL ELSE array_to_string(list_transform(arr, x -> chr(CAST(x AS INTEGER))), '') END`,
  `CREATE OR REPLACE MACRO bq_chr(n) AS CASE WHEN n = 0 THEN '' ELSE chr(CAST(n AS INTEGER)) END`,
  `CREATE OR REPLACE MACRO bq_ascii(s) AS CASE WHEN s = '' THEN 0 ELSE ascii(s) END`,
  `CREATE OR REPLACE MACRO bq_unicode(s) AS CASE WHEN s = '' THEN 0 ELSE unicode(s) END`,
  `CREATE OR REPLACE MACRO bq_unix_date(d) AS CAST(CAST(d AS DATE) - DATE '1970-01-01' AS BIGINT)`,
  `CREATE OR REPLACE MACRO bq_date_from_unix_date(n) AS CAST(DATE '1970-01-01' + CAST(n AS INTEGER) AS DATE)`,
  `CREATE OR REPLACE MACRO bq_ts_from_unix_seconds(n) AS make_timestamptz(CAST(n AS BIGINT) * 1000000)`,
  `CREATE OR REPLACE MACRO bq_ts_from_unix_millis(n) AS make_timestamptz(CAST(n AS BIGINT) * 1000)`,
  `CREATE OR REPLACE MACRO bq_ts_from_unix_micros(n) AS make_timestamptz(CAST(n AS BIGINT))`,
  `CREATE OR REPLACE MACRO bq_zeroifnull(x) AS coalesce(x, 0)`,
  `CREATE OR REPLACE MACRO bq_nullifzero(x) AS nullif(x, 0)`,
  // JSON_TYPE names: object, array, string, number, boolean, null.
  `CREATE OR REPLACE MACRO bq_json_type(j) AS CASE json_type(CAST(j AS JSON)) WHEN 'OBJECT' THEN 'object' WHEN 'ARRAY' THEN 'array' WHEN 'VARCHAR' THEN 'string' WHEN 'BOOLEAN' THEN 'boolean' WHEN 'NULL' THEN 'null' WHEN NULL THEN NULL ELSE 'number' END`,
  `CREATE OR REPLACE MACRO bq_json_query_array(j, p) AS CASE WHEN json_type(j, p) = 'ARRAY' THEN list_transform(CAST(json_extract(j, p) AS JSON[]), x -> CAST(x AS VARCHAR)) ELSE NULL END`,
  `CREATE OR REPLACE MACRO bq_json_value_array(j, p) AS CASE WHEN json_type(j, p) <> 'ARRAY' THEN NULL WHEN list_bool_or(list_transform(CAST(json_extract(j, p) AS JSON[]), x -> json_type(x) IN ('OBJECT', 'ARRAY'))) THEN NULL ELSE list_transform(CAST(json_extract(j, p) AS JSON[]), x -> json_extract_string(x, '$')) END`,
];
