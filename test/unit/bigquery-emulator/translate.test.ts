// GoogleSQL -> DuckDB translation, pure: table resolution, the function
// allow-list, division and OFFSET rewrites, parameters as typed literals.
import assert from 'node:assert/strict';
import { BqError } from '../../../emulators/bigquery/errors.js';
import { ParamResolver, type QueryParameter } from '../../../emulators/bigquery/sql/params.js';
import { GoogleSqlTranslator, type TableTarget } from '../../../emulators/bigquery/sql/translate.js';
import { tokenize } from '../../../emulators/bigquery/sql/tokenize.js';

const TABLES = new Set(['demo-iot.telemetry.readings', 'demo-iot.telemetry.ingest', 'other.ds.t']);

function tr(sql: string, params: QueryParameter[] = [], mode?: string, defaultDataset?: string): string {
  const t = new GoogleSqlTranslator({
    defaultProject: 'demo-iot',
    defaultDataset: defaultDataset ? { datasetId: defaultDataset } : undefined,
    params: new ParamResolver(params, mode),
    resolveTable: (x: TableTarget) => {
      const key = `${x.project}.${x.dataset}.${x.table}`;
      if (!TABLES.has(key)) throw new BqError(404, 'notFound', `Not found: Table ${x.project}:${x.dataset}.${x.table} was not found in location US`);
      return { sql: `"${x.project}.${x.dataset}"."${x.table}"`, ingestionTime: x.table === 'ingest' };
    },
  });
  return t.translate(sql).sql;
}

function fails(sql: string, re: RegExp, code = 400): void {
  assert.throws(
    () => tr(sql),
    (e: unknown) => e instanceof BqError && e.code === code && re.test(e.message),
  );
}

describe('bigquery emulator: GoogleSQL translation', () => {
  it('resolves backticked project.dataset.table, dataset.table and default-dataset names', () => {
    assert.equal(tr('SELECT value FROM `demo-iot.telemetry.readings`'), 'SELECT "value" FROM "demo-iot.telemetry"."readings" AS "readings"');
    assert.equal(tr('SELECT r.value FROM telemetry.readings r'), 'SELECT "r"."value" FROM "demo-iot.telemetry"."readings" AS "r"');
    assert.equal(tr('SELECT 1 FROM `other`.ds.t AS x'), 'SELECT 1 FROM "other.ds"."t" AS "x"');
    assert.equal(tr('SELECT 1 FROM readings', [], undefined, 'telemetry'), 'SELECT 1 FROM "demo-iot.telemetry"."readings" AS "readings"');
    fails('SELECT 1 FROM telemetry.nope', /Not found: Table demo-iot:telemetry.nope/, 404);
    fails('SELECT 1 FROM readings', /must be qualified with a dataset/);
  });

  it('leaves CTE names alone and resolves tables inside CTEs and subqueries', () => {
    const sql = tr('WITH x AS (SELECT * FROM telemetry.readings) SELECT * FROM x, (SELECT 1 AS one)');
    assert.match(sql, /WITH "x" AS \(SELECT \* FROM "demo-iot.telemetry"."readings" AS "readings"\) SELECT \* FROM "x"/);
  });

  it('turns / into bq_fdiv over the whole multiplicative left operand, and decimal literals into FLOAT64', () => {
    assert.equal(tr('SELECT a * b / c'), 'SELECT bq_fdiv("a" * "b", "c")');
    assert.equal(tr('SELECT a + b / c / 2'), 'SELECT "a" + bq_fdiv(bq_fdiv("b", "c"), 2)');
    assert.equal(tr('SELECT -x / SUM(y)'), 'SELECT bq_fdiv(-"x", sum("y"))');
    assert.equal(tr('SELECT 1.5, 2e3, 7'), 'SELECT CAST(1.5 AS DOUBLE) , CAST(2e3 AS DOUBLE) , 7');
    // A windowed call is one operand on either side of /.
    assert.equal(tr('SELECT v / SUM(v) OVER ()'), 'SELECT bq_fdiv("v", sum("v") OVER ())');
    assert.equal(tr('SELECT 2 * SUM(v) OVER (ORDER BY t) / 4'), 'SELECT bq_fdiv(2 * sum("v") OVER (ORDER BY "t"), 4)');
    assert.equal(tr('SELECT IEEE_DIVIDE(5, 2)'), 'SELECT (CAST(5 AS DOUBLE) / CAST(2 AS DOUBLE))');
    fails('SELECT 5 % 2', /no % operator; use MOD/);
    fails("SELECT j -> 'a'", /Unexpected "->"/);
  });

  it('rewrites array subscripts, APPROX_QUANTILES and ARRAY_AGG ... LIMIT', () => {
    assert.equal(tr('SELECT arr[OFFSET(1)], arr[SAFE_ORDINAL(2)], arr[0]'), 'SELECT bq_offset("arr", 1) , bq_safe_ordinal("arr", 2) , bq_offset("arr", 0)');
    assert.equal(tr('SELECT APPROX_QUANTILES(v, 4)[OFFSET(2)]'), 'SELECT bq_offset(quantile_disc("v", [0, 0.25, 0.5, 0.75, 1]), 2)');
    assert.equal(tr('SELECT ARRAY_AGG(v IGNORE NULLS ORDER BY t DESC LIMIT 3)'), 'SELECT list_slice(array_agg("v" ORDER BY "t" DESC) FILTER (WHERE ("v") IS NOT NULL), 1, 3)');
  });

  it('translates date/time functions with BigQuery semantics', () => {
    assert.equal(tr('SELECT TIMESTAMP_TRUNC(ts, HOUR)'), "SELECT CAST(date_trunc('hour', \"ts\") AS TIMESTAMPTZ)");
    assert.equal(tr('SELECT TIMESTAMP_TRUNC(ts, WEEK)'), 'SELECT CAST(bq_trunc_week_sunday("ts") AS TIMESTAMPTZ)');
    assert.equal(tr('SELECT EXTRACT(DAYOFWEEK FROM ts)'), 'SELECT (dayofweek("ts") + 1)');
    assert.equal(tr('SELECT TIMESTAMP_SUB(ts, INTERVAL 2 HOUR)'), 'SELECT CAST(("ts") - to_hours(CAST(2 AS BIGINT)) AS TIMESTAMPTZ)');
    assert.equal(tr("SELECT FORMAT_TIMESTAMP('%Y', ts)"), "SELECT strftime(\"ts\", '%Y')");
    assert.equal(tr("SELECT TIMESTAMP '2026-01-01 00:00:00'"), "SELECT CAST('2026-01-01 00:00:00' AS TIMESTAMPTZ)");
    assert.equal(tr('SELECT TIMESTAMP_TRUNC(ts, HOUR, "Europe/Paris")'), "SELECT timezone('Europe/Paris', CAST(date_trunc('hour', timezone('Europe/Paris', CAST(\"ts\" AS TIMESTAMPTZ))) AS TIMESTAMP))");
    assert.equal(tr("SELECT DATE(ts, '-08')"), 'SELECT CAST((CAST("ts" AS TIMESTAMP) + INTERVAL (-480) MINUTE) AS DATE)');
    fails("SELECT DATE(ts, 'Europe/Paris; DROP')", /Invalid time zone/);
    fails("SELECT FORMAT_TIMESTAMP('%Z', ts, 'Europe/Paris')", /not supported/);
    fails('SELECT TIMESTAMP_ADD(ts, INTERVAL 1 MONTH)', /does not support the MONTH/);
  });

  it('refuses unverified functions and constructs by name', () => {
    fails('SELECT FARM_FINGERPRINT(x)', /FARM_FINGERPRINT/);
    fails('SELECT SAFE.LOG(x)', /SAFE\. function prefix/);
    fails('SELECT 1; SELECT 2', /Multi-statement/);
    fails('CREATE TABLE x (a INT64)', /CREATE statements are not supported/);
    fails('SELECT * FROM UNNEST([1]) WITH OFFSET', /needs an alias/);
    fails('SELECT x & 1', /Bitwise/);
    fails('DELETE FROM telemetry.readings', /must have a WHERE clause/);
  });

  it('hides ingestion-time pseudo-columns from SELECT * and maps EXCEPT to EXCLUDE', () => {
    assert.equal(tr('SELECT * FROM telemetry.ingest'), `SELECT COLUMNS(c -> lower(c) NOT IN ('_partitiontime', '_partitiondate')) FROM "demo-iot.telemetry"."ingest" AS "ingest"`);
    assert.equal(tr('SELECT * EXCEPT (seq) FROM telemetry.readings'), 'SELECT * EXCLUDE ("seq") FROM "demo-iot.telemetry"."readings" AS "readings"');
    assert.equal(tr('SELECT COUNT(*) FROM telemetry.ingest'), 'SELECT count(*) FROM "demo-iot.telemetry"."ingest" AS "ingest"');
  });

  it('inlines named and positional parameters as typed literals', () => {
    const p = (name: string | undefined, type: string, value: string): QueryParameter => ({ name, parameterType: { type }, parameterValue: { value } });
    assert.equal(tr('SELECT @s, @N', [p('s', 'STRING', "it's"), p('n', 'INT64', '5')]), "SELECT CAST('it''s' AS VARCHAR) , CAST('5' AS BIGINT)");
    assert.equal(tr('SELECT ?', [p(undefined, 'TIMESTAMP', '2026-01-01T00:00:00Z')], 'POSITIONAL'), "SELECT CAST('2026-01-01T00:00:00Z' AS TIMESTAMPTZ)");
    const arr: QueryParameter = { name: 'a', parameterType: { type: 'ARRAY', arrayType: { type: 'INT64' } }, parameterValue: { arrayValues: [{ value: '1' }, { value: '2' }] } };
    assert.equal(tr('SELECT @a', [arr]), "SELECT CAST([CAST('1' AS BIGINT), CAST('2' AS BIGINT)] AS BIGINT[])");
    assert.throws(() => tr('SELECT @missing', []), /Query parameter 'missing' not found/);
    assert.throws(() => tr('SELECT @n', [p('n', 'INT64', '1.5')]), /not a valid INT64/);
  });

  it('lexes GoogleSQL literals: raw, triple-quoted and escaped strings, bytes, comments', () => {
    const toks = tokenize("SELECT r'a\\d', '''x'y''', \"q\\n\", b'\\x01' -- c\n# d\n/* e */ 1");
    assert.deepEqual(
      toks.map((t) => `${t.kind}:${t.value}`),
      ['ident:SELECT', 'string:a\\d', 'op:,', "string:x'y", 'op:,', 'string:q\n', 'op:,', 'bytes:\u0001', 'number:1'],
    );
  });
});
