// DuckDB macros that give translated GoogleSQL BigQuery's semantics where
// DuckDB's built-ins differ (errors instead of Infinity/NULL, 0-based OFFSET,
// JSON_VALUE returning NULL for objects). Created on every start.
import { EXTRA_MACROS } from './functions-extra.js';
import { GEOGRAPHY_MACROS } from './geography.js';

export const MACROS: readonly string[] = [
  // BigQuery `/` always yields FLOAT64 and raises on a zero divisor.
  `CREATE OR REPLACE MACRO bq_fdiv(a, b) AS CASE WHEN b = 0 THEN error('division by zero: ' || CAST(a AS VARCHAR) || ' / ' || CAST(b AS VARCHAR)) ELSE CAST(a AS DOUBLE) / b END`,
  // DIV truncates toward zero, like DuckDB's integer `//`.
  `CREATE OR REPLACE MACRO bq_div(a, b) AS CASE WHEN b = 0 THEN error('division by zero: ' || CAST(a AS VARCHAR) || ' / ' || CAST(b AS VARCHAR)) ELSE a // b END`,
  `CREATE OR REPLACE MACRO bq_mod(a, b) AS CASE WHEN b = 0 THEN error('division by zero: ' || CAST(a AS VARCHAR) || ' / ' || CAST(b AS VARCHAR)) ELSE a % b END`,
  `CREATE OR REPLACE MACRO bq_safe_divide(a, b) AS CASE WHEN b = 0 THEN NULL ELSE CAST(a AS DOUBLE) / b END`,
  `CREATE OR REPLACE MACRO bq_offset(arr, k) AS CASE WHEN k < 0 OR k >= len(arr) THEN error('Array index ' || CAST(k AS VARCHAR) || ' is out of bounds (overflow)') ELSE arr[k + 1] END`,
  `CREATE OR REPLACE MACRO bq_safe_offset(arr, k) AS CASE WHEN k < 0 THEN NULL ELSE arr[k + 1] END`,
  `CREATE OR REPLACE MACRO bq_ordinal(arr, k) AS CASE WHEN k < 1 OR k > len(arr) THEN error('Array index ' || CAST(k AS VARCHAR) || ' is out of bounds (overflow)') ELSE arr[k] END`,
  `CREATE OR REPLACE MACRO bq_safe_ordinal(arr, k) AS CASE WHEN k < 1 THEN NULL ELSE arr[k] END`,
  // JSON_VALUE: scalars only, as strings; objects and arrays give NULL.
  `CREATE OR REPLACE MACRO bq_json_value(j, p) AS CASE WHEN json_type(CAST(j AS JSON), p) IN ('OBJECT', 'ARRAY') THEN NULL ELSE json_extract_string(CAST(j AS JSON), p) END`,
  // REGEXP_EXTRACT gives NULL (not '') when nothing matches.
  `CREATE OR REPLACE MACRO bq_regexp_extract(s, r, g) AS CASE WHEN regexp_matches(s, r) THEN regexp_extract(s, r, g) ELSE NULL END`,
  // WEEK (= WEEK(SUNDAY)) truncation: DuckDB's 'week' starts on Monday.
  `CREATE OR REPLACE MACRO bq_trunc_week_sunday(x) AS date_trunc('week', x + INTERVAL 1 DAY) - INTERVAL 1 DAY`,
  // TIMESTAMP_DIFF counts whole units elapsed, truncated toward zero.
  `CREATE OR REPLACE MACRO bq_ts_diff(a, b, unit_us) AS (epoch_us(a) - epoch_us(b)) // unit_us`,
  // SUBSTR treats position 0 like 1.
  `CREATE OR REPLACE MACRO bq_substr(s, p) AS substring(s, CASE WHEN p = 0 THEN 1 ELSE p END)`,
  `CREATE OR REPLACE MACRO bq_substr3(s, p, n) AS CASE WHEN n < 0 THEN error('Third argument in SUBSTR() cannot be negative') ELSE substring(s, CASE WHEN p = 0 THEN 1 ELSE p END, n) END`,
  // GREATEST/LEAST return NULL when any argument is NULL.
  `CREATE OR REPLACE MACRO bq_greatest2(a, b) AS CASE WHEN a IS NULL OR b IS NULL THEN NULL ELSE greatest(a, b) END`,
  `CREATE OR REPLACE MACRO bq_least2(a, b) AS CASE WHEN a IS NULL OR b IS NULL THEN NULL ELSE least(a, b) END`,
  ...EXTRA_MACROS,
  ...GEOGRAPHY_MACROS,
];
