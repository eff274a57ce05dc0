// The function allow-list: each GoogleSQL function the emulator accepts, with
// its DuckDB translation. Anything not listed is refused (translate.ts) rather
// than run under DuckDB semantics that may differ from BigQuery's.
import { invalidQuery } from '../errors.js';
import { qstr } from './quote.js';
import { EXTRA_PASSTHROUGH, EXTRA_RULES } from './functions-extra.js';
import { GEOGRAPHY_RULES } from './geography.js';
import { zoneOf } from './time-zones.js';
import { isGroup, isWord, splitCommas, type Group, type Node, type Token } from './tokenize.js';

export interface Translator {
  expr(nodes: Node[]): string;
  type(nodes: Node[]): string;
}
export type Rule = (args: Node[][], tr: Translator, g?: Group) => string;

/** Functions whose DuckDB namesake has the same semantics for our inputs ('' = same name). */
export const PASSTHROUGH: Record<string, string> = {
  COUNT: '',
  SUM: '',
  AVG: '',
  MIN: '',
  MAX: '',
  ABS: '',
  SIGN: '',
  ROUND: '',
  FLOOR: '',
  CEIL: '',
  CEILING: 'ceil',
  TRUNC: '',
  SQRT: '',
  POW: '',
  POWER: '',
  EXP: '',
  LN: '',
  LOG10: '',
  LOWER: '',
  UPPER: '',
  LENGTH: '',
  CHAR_LENGTH: 'length',
  CHARACTER_LENGTH: 'length',
  BYTE_LENGTH: 'strlen',
  TRIM: '',
  LTRIM: '',
  RTRIM: '',
  REPLACE: '',
  STARTS_WITH: '',
  ENDS_WITH: 'suffix',
  STRPOS: '',
  REVERSE: '',
  LPAD: '',
  RPAD: '',
  REPEAT: '',
  LEFT: '',
  RIGHT: '',
  COALESCE: '',
  IFNULL: 'coalesce',
  NULLIF: '',
  IF: '',
  ROW_NUMBER: '',
  RANK: '',
  DENSE_RANK: '',
  PERCENT_RANK: '',
  CUME_DIST: '',
  NTILE: '',
  LAG: '',
  LEAD: '',
  FIRST_VALUE: '',
  LAST_VALUE: '',
  NTH_VALUE: '',
  STDDEV: 'stddev_samp',
  STDDEV_SAMP: '',
  STDDEV_POP: '',
  VARIANCE: 'var_samp',
  VAR_SAMP: '',
  VAR_POP: '',
  CORR: '',
  COVAR_POP: '',
  COVAR_SAMP: '',
  LOGICAL_AND: 'bool_and',
  LOGICAL_OR: 'bool_or',
  ANY_VALUE: '',
  COUNTIF: 'count_if',
  STRING_AGG: '',
  ARRAY_LENGTH: 'len',
  ARRAY_REVERSE: 'list_reverse',
  ARRAY_TO_STRING: '',
  GENERATE_ARRAY: 'generate_series',
  REGEXP_CONTAINS: 'regexp_matches',
  SAFE_DIVIDE: 'bq_safe_divide',
  DIV: 'bq_div',
  MOD: 'bq_mod',
  IS_NAN: 'isnan',
  IS_INF: 'isinf',
  UNIX_MICROS: 'epoch_us',
  UNIX_MILLIS: 'epoch_ms',
  UNNEST: '',
  EXISTS: '',
  ARRAY: '',
  ...EXTRA_PASSTHROUGH,
};

const arg = (tr: Translator, args: Node[][], i: number, fn: string): string => {
  const a = args[i];
  if (!a || a.length === 0) throw invalidQuery(`Function ${fn} is missing argument ${i + 1}`);
  return tr.expr(a);
};
const arity = (args: Node[][], fn: string, min: number, max = min): void => {
  if (args.length < min || args.length > max) throw invalidQuery(`No matching signature for function ${fn} with ${args.length} argument(s)`);
};
const partOf = (nodes: Node[] | undefined, fn: string): string => {
  const t = nodes?.[0];
  if (!nodes || !t || t.kind !== 'ident') throw invalidQuery(`${fn} needs a date part such as HOUR or DAY`);
  const part = t.value.toUpperCase();
  if (nodes.length === 2 && isGroup(nodes[1], '(')) {
    const day = (nodes[1] as Group).children[0] as Token | undefined;
    return `${part}(${day?.value.toUpperCase() ?? ''})`;
  }
  if (nodes.length !== 1) throw invalidQuery(`${fn}: unexpected tokens after date part ${part}`);
  return part;
};
const noTimeZone = (args: Node[][], i: number, fn: string): void => {
  const tz = args[i];
  if (!tz) return;
  const t = tz[0];
  if (tz.length === 1 && t?.kind === 'string' && /^(UTC|Etc\/UTC|\+00(:00)?|Z)$/i.test(t.value)) return;
  throw invalidQuery(`${fn} with a time zone other than UTC is not supported by the BigQuery emulator`);
};

const TRUNC_PARTS = new Set(['MICROSECOND', 'MILLISECOND', 'SECOND', 'MINUTE', 'HOUR', 'DAY', 'WEEK', 'WEEK(SUNDAY)', 'WEEK(MONDAY)', 'ISOWEEK', 'MONTH', 'QUARTER', 'YEAR']);
function trunc(kind: 'TIMESTAMP' | 'DATE' | 'DATETIME'): Rule {
  const fn = `${kind}_TRUNC`;
  return (args, tr) => {
    arity(args, fn, 2, kind === 'TIMESTAMP' ? 3 : 2);
    const zone = zoneOf(args[2], (n) => tr.expr(n));
    // TIMESTAMP_TRUNC truncates in the zone's civil time (UTC by default), then gives the instant.
    const x = kind === 'TIMESTAMP' && !zone.utc ? zone.toLocal(arg(tr, args, 0, fn)) : arg(tr, args, 0, fn);
    const part = partOf(args[1], fn);
    if (!TRUNC_PARTS.has(part)) throw invalidQuery(`${fn} with date part ${part} is not supported by the BigQuery emulator`);
    let sql: string;
    if (part === 'WEEK' || part === 'WEEK(SUNDAY)') sql = `bq_trunc_week_sunday(${x})`;
    else if (part === 'WEEK(MONDAY)' || part === 'ISOWEEK') sql = `date_trunc('week', ${x})`;
    else sql = `date_trunc('${part.toLowerCase()}', ${x})`;
    if (kind === 'TIMESTAMP' && !zone.utc) return zone.fromLocal(sql);
    const castTo = kind === 'DATE' ? 'DATE' : kind === 'DATETIME' ? 'TIMESTAMP' : 'TIMESTAMPTZ';
    return `CAST(${sql} AS ${castTo})`;
  };
}

const ADD_UNITS: Record<string, string> = {
  MICROSECOND: 'to_microseconds',
  MILLISECOND: 'to_milliseconds',
  SECOND: 'to_seconds',
  MINUTE: 'to_minutes',
  HOUR: 'to_hours',
  DAY: 'to_days',
  WEEK: 'to_weeks',
  MONTH: 'to_months',
  QUARTER: '',
  YEAR: 'to_years',
};
function addSub(kind: 'TIMESTAMP' | 'DATE' | 'DATETIME', sign: '+' | '-'): Rule {
  const fn = `${kind}_${sign === '+' ? 'ADD' : 'SUB'}`;
  return (args, tr) => {
    arity(args, fn, 2);
    const x = arg(tr, args, 0, fn);
    const iv = args[1]!;
    if (!isWord(iv[0], 'INTERVAL') || iv.length < 3) throw invalidQuery(`${fn} expects INTERVAL n PART as its second argument`);
    const part = (iv[iv.length - 1] as Token).value.toUpperCase();
    const amount = tr.expr(iv.slice(1, -1));
    const allowed = kind === 'TIMESTAMP' ? ['MICROSECOND', 'MILLISECOND', 'SECOND', 'MINUTE', 'HOUR', 'DAY'] : kind === 'DATE' ? ['DAY', 'WEEK', 'MONTH', 'QUARTER', 'YEAR'] : Object.keys(ADD_UNITS);
    if (!allowed.includes(part)) throw invalidQuery(`${fn} does not support the ${part} date part`);
    const iv2 = part === 'QUARTER' ? `to_months(3 * CAST(${amount} AS BIGINT))` : `${ADD_UNITS[part]}(CAST(${amount} AS BIGINT))`;
    const castTo = kind === 'DATE' ? 'DATE' : kind === 'DATETIME' ? 'TIMESTAMP' : 'TIMESTAMPTZ';
    return `CAST((${x}) ${sign} ${iv2} AS ${castTo})`;
  };
}

const DIFF_US: Record<string, bigint> = { MICROSECOND: 1n, MILLISECOND: 1000n, SECOND: 1000000n, MINUTE: 60000000n, HOUR: 3600000000n, DAY: 86400000000n };
function diff(kind: 'TIMESTAMP' | 'DATE' | 'DATETIME'): Rule {
  const fn = `${kind}_DIFF`;
  return (args, tr) => {
    arity(args, fn, 3);
    const a = arg(tr, args, 0, fn);
    const b = arg(tr, args, 1, fn);
    const part = partOf(args[2], fn);
    // Week parts count week boundaries (WEEK starts on Sunday), for DATE and DATETIME alike.
    if (kind !== 'TIMESTAMP') {
      const day = (x: string, trunc: (y: string) => string): string => `CAST(${trunc(`CAST(${x} AS DATE)`)} AS DATE)`;
      const sunday = (y: string): string => `bq_trunc_week_sunday(${y})`;
      const monday = (y: string): string => `date_trunc('week', ${y})`;
      if (part === 'WEEK' || part === 'WEEK(SUNDAY)') return `((${day(a, sunday)} - ${day(b, sunday)}) // 7)`;
      if (part === 'WEEK(MONDAY)' || part === 'ISOWEEK') return `((${day(a, monday)} - ${day(b, monday)}) // 7)`;
      if (part === 'ISOYEAR') return `(isoyear(CAST(${a} AS DATE)) - isoyear(CAST(${b} AS DATE)))`;
    }
    // DATETIME_DIFF counts unit boundaries crossed (DuckDB's date_diff), TIMESTAMP_DIFF whole units elapsed.
    if (kind === 'DATETIME') {
      if (['MICROSECOND', 'MILLISECOND', 'SECOND', 'MINUTE', 'HOUR', 'DAY', 'MONTH', 'QUARTER', 'YEAR'].includes(part)) {
        return `date_diff('${part.toLowerCase()}', CAST(${b} AS TIMESTAMP), CAST(${a} AS TIMESTAMP))`;
      }
      throw invalidQuery(`${fn} with date part ${part} is not supported by the BigQuery emulator`);
    }
    if (kind === 'DATE') {
      if (part === 'DAY') return `(CAST(${a} AS DATE) - CAST(${b} AS DATE))`;
      if (['MONTH', 'QUARTER', 'YEAR'].includes(part)) return `date_diff('${part.toLowerCase()}', CAST(${b} AS DATE), CAST(${a} AS DATE))`;
      throw invalidQuery(`${fn} with date part ${part} is not supported by the BigQuery emulator`);
    }
    const us = DIFF_US[part];
    if (!us) throw invalidQuery(`${fn} with date part ${part} is not supported by the BigQuery emulator`);
    return `bq_ts_diff(${a}, ${b}, ${us})`;
  };
}

// EXTRACT(part FROM x). DuckDB's dayofweek is 0-based and millisecond counts
// the whole minute; BigQuery's WEEK is Sunday-based (strftime %U).
const EXTRACT_SQL: Record<string, (x: string) => string> = {
  MICROSECOND: (x) => `(microsecond(${x}) % 1000000)`,
  MILLISECOND: (x) => `(millisecond(${x}) % 1000)`,
  SECOND: (x) => `second(${x})`,
  MINUTE: (x) => `minute(${x})`,
  HOUR: (x) => `hour(${x})`,
  DAYOFWEEK: (x) => `(dayofweek(${x}) + 1)`,
  DAY: (x) => `day(${x})`,
  DAYOFYEAR: (x) => `dayofyear(${x})`,
  WEEK: (x) => `CAST(strftime(${x}, '%U') AS BIGINT)`,
  'WEEK(SUNDAY)': (x) => `CAST(strftime(${x}, '%U') AS BIGINT)`,
  'WEEK(MONDAY)': (x) => `CAST(strftime(${x}, '%W') AS BIGINT)`,
  ISOWEEK: (x) => `week(${x})`,
  MONTH: (x) => `month(${x})`,
  QUARTER: (x) => `quarter(${x})`,
  YEAR: (x) => `year(${x})`,
  ISOYEAR: (x) => `isoyear(${x})`,
  DATE: (x) => `CAST(${x} AS DATE)`,
  TIME: (x) => `CAST(${x} AS TIME)`,
  DATETIME: (x) => `CAST(${x} AS TIMESTAMP)`,
};
const extract: Rule = (_args, tr, g) => {
  const nodes = g!.children;
  const fromAt = nodes.findIndex((n) => isWord(n, 'FROM'));
  if (fromAt < 1) throw invalidQuery('EXTRACT expects EXTRACT(part FROM expression)');
  const part = partOf(nodes.slice(0, fromAt), 'EXTRACT');
  const rest = nodes.slice(fromAt + 1);
  const atTz = rest.findIndex((n, i) => isWord(n, 'AT') && isWord(rest[i + 1], 'TIME') && isWord(rest[i + 2], 'ZONE'));
  const f = EXTRACT_SQL[part];
  if (!f) throw invalidQuery(`EXTRACT of ${part} is not supported by the BigQuery emulator`);
  if (atTz < 0) return f(tr.expr(rest));
  // EXTRACT(part FROM ts AT TIME ZONE tz): the part of the civil time in tz.
  const zone = zoneOf(rest.slice(atTz + 3), (n) => tr.expr(n));
  return f(zone.toLocal(tr.expr(rest.slice(0, atTz))));
};

const cast =
  (safe: boolean): Rule =>
  (_args, tr, g) => {
    const nodes = g!.children;
    let asAt = -1;
    for (let i = nodes.length - 1; i >= 0; i--) if (isWord(nodes[i], 'AS')) {
      asAt = i;
      break;
    }
    if (asAt < 1) throw invalidQuery('CAST expects CAST(expression AS type)');
    const formatAt = nodes.findIndex((n, i) => i > asAt && isWord(n, 'FORMAT'));
    if (formatAt >= 0) throw invalidQuery('CAST ... FORMAT is not supported by the BigQuery emulator');
    const type = tr.type(nodes.slice(asAt + 1));
    const fn = safe ? 'TRY_CAST' : 'CAST';
    const x = tr.expr(nodes.slice(0, asAt));
    // FLOAT64 -> INT64 rounds half away from zero in BigQuery; DuckDB's DOUBLE
    // cast rounds half to even, its DECIMAL cast away from zero: go via DECIMAL.
    if (type === 'BIGINT') return `${fn}(${fn}(${x} AS DECIMAL(38,18)) AS BIGINT)`;
    return `${fn}(${x} AS ${type})`;
  };

// STRUCT(a AS x, b): field names from aliases or bare column names.
const struct: Rule = (args, tr) => {
  if (args.length === 0) throw invalidQuery('STRUCT() with no fields is not supported by the BigQuery emulator');
  const fields = args.map((a, i) => {
    const asAt = a.length >= 3 ? a.length - 2 : -1;
    if (asAt > 0 && isWord(a[asAt], 'AS')) {
      const name = (a[asAt + 1] as Token).value;
      return `"${name.replace(/"/g, '""')}" := ${tr.expr(a.slice(0, asAt))}`;
    }
    const last = a[a.length - 1] as Token;
    const name = (last.kind === 'ident' || last.kind === 'qident') && (a.length === 1 || a[a.length - 2]?.kind === 'op') ? last.value : `_field_${i + 1}`;
    return `"${name.replace(/"/g, '""')}" := ${tr.expr(a)}`;
  });
  return `struct_pack(${fields.join(', ')})`;
};

// ARRAY_AGG(x [IGNORE NULLS] [ORDER BY ...] [LIMIT n]). DuckDB has no LIMIT in
// aggregates: slice the ordered list. NULL elements are checked on output
// (BigQuery: "Array cannot have a null element").
const arrayAgg: Rule = (args, tr, g) => {
  const nodes = g!.children;
  let end = nodes.length;
  let limit = '';
  const limitAt = nodes.findIndex((n) => isWord(n, 'LIMIT'));
  if (limitAt >= 0) {
    limit = tr.expr(nodes.slice(limitAt + 1));
    end = limitAt;
  }
  let order = '';
  const orderAt = nodes.findIndex((n, i) => i < end && isWord(n, 'ORDER') && isWord(nodes[i + 1], 'BY'));
  if (orderAt >= 0) {
    order = ` ORDER BY ${tr.expr(nodes.slice(orderAt + 2, end))}`;
    end = orderAt;
  }
  let ignoreNulls = false;
  const ignAt = nodes.findIndex((n, i) => i < end && isWord(n, 'IGNORE', 'RESPECT') && isWord(nodes[i + 1], 'NULLS'));
  if (ignAt >= 0) {
    ignoreNulls = isWord(nodes[ignAt], 'IGNORE');
    end = ignAt;
  }
  let head = nodes.slice(0, end);
  let distinct = '';
  if (isWord(head[0], 'DISTINCT')) {
    distinct = 'DISTINCT ';
    head = head.slice(1);
  }
  if (splitCommas(head).length !== 1 && args.length > 0) throw invalidQuery('ARRAY_AGG takes one argument');
  const x = tr.expr(head);
  const filter = ignoreNulls ? ` FILTER (WHERE (${x}) IS NOT NULL)` : '';
  const agg = `array_agg(${distinct}${x}${order})${filter}`;
  return limit ? `list_slice(${agg}, 1, ${limit})` : agg;
};

// APPROX_QUANTILES(x, n): exact n+1 boundaries [min, ..., max] (discrete).
const approxQuantiles: Rule = (args, tr) => {
  arity(args, 'APPROX_QUANTILES', 2);
  const a0 = args[0]!;
  if (isWord(a0[0], 'DISTINCT')) throw invalidQuery('APPROX_QUANTILES(DISTINCT ...) is not supported by the BigQuery emulator');
  let xs = a0;
  const nl = args[1]!;
  let nNodes = nl;
  if (nl.length === 3 && isWord(nl[1], 'IGNORE', 'RESPECT')) {
    if (isWord(nl[1], 'RESPECT')) throw invalidQuery('APPROX_QUANTILES ... RESPECT NULLS is not supported by the BigQuery emulator');
    nNodes = nl.slice(0, 1);
  }
  const nTok = nNodes[0] as Token | undefined;
  if (nNodes.length !== 1 || nTok?.kind !== 'number' || !/^\d+$/.test(nTok.value)) throw invalidQuery('APPROX_QUANTILES needs an integer literal for the number of quantiles');
  const n = Number(nTok.value);
  if (n < 1 || n > 100000) throw invalidQuery('APPROX_QUANTILES number of quantiles must be between 1 and 100000');
  const qs = Array.from({ length: n + 1 }, (_, i) => String(i / n));
  xs = a0;
  return `quantile_disc(${tr.expr(xs)}, [${qs.join(', ')}])`;
};

const concat: Rule = (args, tr) => {
  if (args.length === 0) throw invalidQuery('CONCAT needs at least one argument');
  // CONCAT is NULL when any argument is NULL; DuckDB's concat() skips NULLs but || does not.
  return `(${args.map((a) => `(${tr.expr(a)})`).join(' || ')})`;
};

const formatTime =
  (fn: string): Rule =>
  (args, tr) => {
    arity(args, fn, 2, fn === 'FORMAT_TIMESTAMP' ? 3 : 2);
    const zone = zoneOf(args[2], (n) => tr.expr(n));
    const fmt = args[0]!;
    const value = fn === 'FORMAT_TIMESTAMP' && !zone.utc ? zone.toLocal(arg(tr, args, 1, fn)) : arg(tr, args, 1, fn);
    const f = fmt[0];
    if (fmt.length === 1 && f?.kind === 'string') {
      if (/%E|%Q|%J|%k|%l|%P|%N|%c|%e|%O/.test(f.value) || (!zone.utc && /%[zZ]/.test(f.value))) {
        throw invalidQuery(`${fn}: format elements %E.., %Q, %J, %c, %e are not supported by the BigQuery emulator`);
      }
      // %x and %D are the US date (12/25/08) in BigQuery; DuckDB's %x is ISO.
      const duck = f.value.replace(/%%|%x|%D/g, (m) => (m === '%%' ? m : '%m/%d/%y'));
      return `strftime(${value}, ${qstr(duck)})`;
    }
    return `strftime(${value}, ${arg(tr, args, 0, fn)})`;
  };

const jsonPath = (args: Node[][], tr: Translator, i: number): string => (args[i] ? tr.expr(args[i]!) : qstr('$'));

const nullIfAnyNull =
  (two: string): Rule =>
  (args, tr) => {
    if (args.length === 0) throw invalidQuery('GREATEST/LEAST need arguments');
    return args.map((a) => tr.expr(a)).reduce((acc, x) => `${two}(${acc}, ${x})`);
  };

export const FUNCTION_RULES: Record<string, Rule> = {
  CAST: cast(false),
  SAFE_CAST: cast(true),
  EXTRACT: extract,
  STRUCT: struct,
  ARRAY_AGG: arrayAgg,
  APPROX_QUANTILES: approxQuantiles,
  APPROX_COUNT_DISTINCT: (args, tr) => (arity(args, 'APPROX_COUNT_DISTINCT', 1), `count(DISTINCT ${arg(tr, args, 0, 'APPROX_COUNT_DISTINCT')})`),
  CONCAT: concat,
  TIMESTAMP_TRUNC: trunc('TIMESTAMP'),
  DATE_TRUNC: trunc('DATE'),
  DATETIME_TRUNC: trunc('DATETIME'),
  TIMESTAMP_ADD: addSub('TIMESTAMP', '+'),
  TIMESTAMP_SUB: addSub('TIMESTAMP', '-'),
  DATE_ADD: addSub('DATE', '+'),
  DATE_SUB: addSub('DATE', '-'),
  DATETIME_ADD: addSub('DATETIME', '+'),
  DATETIME_SUB: addSub('DATETIME', '-'),
  TIMESTAMP_DIFF: diff('TIMESTAMP'),
  DATE_DIFF: diff('DATE'),
  DATETIME_DIFF: diff('DATETIME'),
  FORMAT_TIMESTAMP: formatTime('FORMAT_TIMESTAMP'),
  FORMAT_DATE: formatTime('FORMAT_DATE'),
  FORMAT_DATETIME: formatTime('FORMAT_DATETIME'),
  PARSE_TIMESTAMP: (args, tr) => (arity(args, 'PARSE_TIMESTAMP', 2), `CAST(strptime(${arg(tr, args, 1, 'PARSE_TIMESTAMP')}, ${arg(tr, args, 0, 'PARSE_TIMESTAMP')}) AS TIMESTAMPTZ)`),
  PARSE_DATE: (args, tr) => (arity(args, 'PARSE_DATE', 2), `CAST(strptime(${arg(tr, args, 1, 'PARSE_DATE')}, ${arg(tr, args, 0, 'PARSE_DATE')}) AS DATE)`),
  CURRENT_TIMESTAMP: (args) => (arity(args, 'CURRENT_TIMESTAMP', 0), 'get_current_timestamp()'),
  CURRENT_DATE: (args, tr) => (arity(args, 'CURRENT_DATE', 0, 1), `CAST(${zoneOf(args[0], (n) => tr.expr(n)).toLocal('get_current_timestamp()')} AS DATE)`),
  CURRENT_DATETIME: (args, tr) => (arity(args, 'CURRENT_DATETIME', 0, 1), zoneOf(args[0], (n) => tr.expr(n)).toLocal('get_current_timestamp()')),
  CURRENT_TIME: (args) => (arity(args, 'CURRENT_TIME', 0), 'CAST(get_current_timestamp() AS TIME)'),
  // TIMESTAMP(civil, tz): a DATE, DATETIME or zone-less string read as civil time in tz.
  TIMESTAMP: (args, tr) => {
    arity(args, 'TIMESTAMP', 1, 2);
    const zone = zoneOf(args[1], (n) => tr.expr(n));
    return zone.utc ? `CAST(${arg(tr, args, 0, 'TIMESTAMP')} AS TIMESTAMPTZ)` : zone.fromLocal(arg(tr, args, 0, 'TIMESTAMP'));
  },
  DATE: (args, tr) => {
    if (args.length === 3) return `make_date(${args.map((a) => tr.expr(a)).join(', ')})`;
    arity(args, 'DATE', 1, 2);
    // DATE(timestamp, tz): the civil date in tz.
    if (args.length === 2) return `CAST(${zoneOf(args[1], (n) => tr.expr(n)).toLocal(arg(tr, args, 0, 'DATE'))} AS DATE)`;
    return `CAST(${arg(tr, args, 0, 'DATE')} AS DATE)`;
  },
  DATETIME: (args, tr) => {
    arity(args, 'DATETIME', 1, 6);
    if (args.length === 6) return `make_timestamp(${args.map((a) => `CAST(${tr.expr(a)} AS BIGINT)`).join(', ')})`;
    if (args.length === 2) {
      const second = args[1]!;
      // DATETIME(date, time) or DATETIME(timestamp, tz): a string second argument is a zone.
      if (second.length === 1 && second[0]!.kind === 'string') return zoneOf(second, (n) => tr.expr(n)).toLocal(arg(tr, args, 0, 'DATETIME'));
      return `(CAST(${arg(tr, args, 0, 'DATETIME')} AS DATE) + CAST(${tr.expr(second)} AS TIME))`;
    }
    arity(args, 'DATETIME', 1);
    return `CAST(${arg(tr, args, 0, 'DATETIME')} AS TIMESTAMP)`;
  },
  TIME: (args, tr) => {
    arity(args, 'TIME', 1, 3);
    if (args.length === 3) return `make_time(${args.map((a, i) => `CAST(${tr.expr(a)} AS ${i < 2 ? 'BIGINT' : 'DOUBLE'})`).join(', ')})`;
    if (args.length === 2) return `CAST(${zoneOf(args[1], (n) => tr.expr(n)).toLocal(arg(tr, args, 0, 'TIME'))} AS TIME)`;
    return `CAST(${arg(tr, args, 0, 'TIME')} AS TIME)`;
  },
  TIMESTAMP_SECONDS: (args, tr) => (arity(args, 'TIMESTAMP_SECONDS', 1), `make_timestamptz(CAST(${arg(tr, args, 0, 'TIMESTAMP_SECONDS')} AS BIGINT) * 1000000)`),
  TIMESTAMP_MILLIS: (args, tr) => (arity(args, 'TIMESTAMP_MILLIS', 1), `make_timestamptz(CAST(${arg(tr, args, 0, 'TIMESTAMP_MILLIS')} AS BIGINT) * 1000)`),
  TIMESTAMP_MICROS: (args, tr) => (arity(args, 'TIMESTAMP_MICROS', 1), `make_timestamptz(CAST(${arg(tr, args, 0, 'TIMESTAMP_MICROS')} AS BIGINT))`),
  UNIX_SECONDS: (args, tr) => (arity(args, 'UNIX_SECONDS', 1), `(epoch_us(${arg(tr, args, 0, 'UNIX_SECONDS')}) // 1000000)`),
  JSON_VALUE: (args, tr) => (arity(args, 'JSON_VALUE', 1, 2), `bq_json_value(${arg(tr, args, 0, 'JSON_VALUE')}, ${jsonPath(args, tr, 1)})`),
  JSON_EXTRACT_SCALAR: (args, tr) => (arity(args, 'JSON_EXTRACT_SCALAR', 1, 2), `bq_json_value(${arg(tr, args, 0, 'JSON_EXTRACT_SCALAR')}, ${jsonPath(args, tr, 1)})`),
  JSON_QUERY: (args, tr) => (arity(args, 'JSON_QUERY', 1, 2), `json_extract(CAST(${arg(tr, args, 0, 'JSON_QUERY')} AS JSON), ${jsonPath(args, tr, 1)})`),
  JSON_EXTRACT: (args, tr) => (arity(args, 'JSON_EXTRACT', 1, 2), `json_extract(CAST(${arg(tr, args, 0, 'JSON_EXTRACT')} AS JSON), ${jsonPath(args, tr, 1)})`),
  TO_JSON_STRING: (args, tr) => (arity(args, 'TO_JSON_STRING', 1), `CAST(to_json(${arg(tr, args, 0, 'TO_JSON_STRING')}) AS VARCHAR)`),
  PARSE_JSON: (args, tr) => (arity(args, 'PARSE_JSON', 1), `json(${arg(tr, args, 0, 'PARSE_JSON')})`),
  REGEXP_EXTRACT: (args, tr) => {
    arity(args, 'REGEXP_EXTRACT', 2);
    const re = args[1]!;
    const lit = re.length === 1 && re[0]!.kind === 'string' ? (re[0] as Token).value : undefined;
    if (lit === undefined) throw invalidQuery('REGEXP_EXTRACT needs a literal regular expression in the BigQuery emulator');
    const groups = (lit.match(/\((?!\?)/g) ?? []).length;
    if (groups > 1) throw invalidQuery('Regular expressions passed into extraction functions must not have more than 1 capturing group');
    return `bq_regexp_extract(${arg(tr, args, 0, 'REGEXP_EXTRACT')}, ${qstr(lit)}, ${groups})`;
  },
  REGEXP_REPLACE: (args, tr) => (arity(args, 'REGEXP_REPLACE', 3), `regexp_replace(${args.map((a) => tr.expr(a)).join(', ')}, 'g')`),
  SUBSTR: (args, tr) => (arity(args, 'SUBSTR', 2, 3), args.length === 2 ? `bq_substr(${args.map((a) => tr.expr(a)).join(', ')})` : `bq_substr3(${args.map((a) => tr.expr(a)).join(', ')})`),
  SUBSTRING: (args, tr) => (arity(args, 'SUBSTRING', 2, 3), args.length === 2 ? `bq_substr(${args.map((a) => tr.expr(a)).join(', ')})` : `bq_substr3(${args.map((a) => tr.expr(a)).join(', ')})`),
  SPLIT: (args, tr) => (arity(args, 'SPLIT', 1, 2), `string_split(${arg(tr, args, 0, 'SPLIT')}, ${args[1] ? tr.expr(args[1]) : "','"})`),
  GREATEST: nullIfAnyNull('bq_greatest2'),
  LEAST: nullIfAnyNull('bq_least2'),
  ARRAY_CONCAT: (args, tr) => args.map((a) => tr.expr(a)).reduce((acc, x) => `list_concat(${acc}, ${x})`),
  TO_HEX: (args, tr) => (arity(args, 'TO_HEX', 1), `lower(hex(${arg(tr, args, 0, 'TO_HEX')}))`),
  GENERATE_UUID: (args) => (arity(args, 'GENERATE_UUID', 0), 'CAST(uuid() AS VARCHAR)'),
  LOG: (args, tr) => (args.length === 1 ? `ln(${arg(tr, args, 0, 'LOG')})` : (arity(args, 'LOG', 2), `log(${arg(tr, args, 1, 'LOG')}, ${arg(tr, args, 0, 'LOG')})`)),
  STRING: (args, tr) => (arity(args, 'STRING', 1, 2), noTimeZone(args, 1, 'STRING'), `CAST(${arg(tr, args, 0, 'STRING')} AS VARCHAR)`),
  // IEEE_DIVIDE never fails: FLOAT64 division, +/-inf and NaN for a zero divisor.
  IEEE_DIVIDE: (args, tr) => (arity(args, 'IEEE_DIVIDE', 2), `(CAST(${arg(tr, args, 0, 'IEEE_DIVIDE')} AS DOUBLE) / CAST(${arg(tr, args, 1, 'IEEE_DIVIDE')} AS DOUBLE))`),
  ...EXTRA_RULES,
  ...GEOGRAPHY_RULES,
};
