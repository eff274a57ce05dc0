// Analyst GoogleSQL on a seeded IoT data set, through the Node client. Every
// expected result is computed here in plain TypeScript from the generated
// rows, independently of the emulator and of DuckDB.
import assert from 'node:assert/strict';
import { BigQuery, type Dataset } from '@google-cloud/bigquery';
import { startBigQueryEmulator, type BigQueryEmulator } from '../../../emulators/bigquery/server.js';
import { EVENTS, READINGS, tableResource } from '../../../schemas/bigquery-tables.js';
import { avg, BASE_TIME, close, generateReadings, groupBy, iso, nearestRank, type Reading } from './iot-dataset.js';

type Row = Record<string, unknown>;
const ts = (v: unknown): string => (v as { value: string }).value;
const HOUR = 3_600_000;

describe('integration: analyst GoogleSQL on the BigQuery emulator (expected results computed independently)', function () {
  this.timeout(60_000);
  let emu: BigQueryEmulator;
  let bq: BigQuery;
  let ds: Dataset;
  const data: Reading[] = generateReadings(42);
  const temps = data.filter((r) => r.metric === 'temperature');
  const byDeviceTemps = groupBy(temps, (r) => r.device_id);

  async function q(query: string, params?: Record<string, unknown>): Promise<Row[]> {
    const [rows] = await bq.query(params ? { query, params } : { query });
    return rows as Row[];
  }

  async function queryError(query: string): Promise<{ code?: number; message: string; errors?: { reason?: string }[] }> {
    try {
      await bq.query(query);
    } catch (err) {
      return err as { code?: number; message: string };
    }
    throw new Error(`expected ${query} to fail`);
  }

  before(async () => {
    emu = await startBigQueryEmulator({ port: 0 });
    bq = new BigQuery({ projectId: 'demo-iot', apiEndpoint: emu.url });
    [ds] = await bq.createDataset('telemetry');
    await ds.createTable(READINGS.tableId, tableResource(READINGS));
    await ds.createTable(EVENTS.tableId, tableResource(EVENTS));
    const table = ds.table(READINGS.tableId);
    for (let i = 0; i < data.length; i += 500) {
      await table.insert(
        data.slice(i, i + 500).map((r) => ({ insertId: `${r.event_id}:${r.metric}`, json: { ...r, event_time: iso(r.event_time), ingest_time: iso(r.ingest_time) } })),
        { raw: true },
      );
    }
    const events = [...groupBy(data, (r) => r.event_id).values()].map((rs) => rs[0]!);
    await ds.table(EVENTS.tableId).insert(
      events.map((e) => ({
        insertId: e.event_id,
        json: {
          event_id: e.event_id,
          tenant_id: e.tenant_id,
          device_id: e.device_id,
          seq: e.seq,
          event_time: iso(e.event_time),
          ingest_time: iso(e.ingest_time),
          metric_count: 2,
          state: { door: e.seq % 3 === 0 ? 'open' : 'closed', battery: { ok: e.seq % 7 !== 0, pct: e.seq % 100 } },
          schema_version: '1',
        },
      })),
      { raw: true },
    );
  });

  after(async () => {
    await emu?.close();
  });

  it('loaded every generated row (and the data set has the intended shape)', async () => {
    const rows = await q('SELECT COUNT(*) AS n, COUNT(DISTINCT device_id) AS devices, COUNT(DISTINCT tenant_id) AS tenants FROM `demo-iot.telemetry.readings`');
    assert.deepEqual(rows, [{ n: data.length, devices: 20, tenants: 3 }]);
    assert.ok(data.length > 2500);
  });

  it('hourly average per device: TIMESTAMP_TRUNC, GROUP BY ordinals, ORDER BY, AVG/MIN/MAX', async () => {
    const rows = await q(`
      SELECT device_id, TIMESTAMP_TRUNC(event_time, HOUR) AS hour, AVG(value) AS avg_value, MIN(value) AS lo, MAX(value) AS hi, COUNT(*) AS n
      FROM telemetry.readings
      WHERE metric = 'temperature' AND tenant_id = @tenant
      GROUP BY 1, 2
      ORDER BY device_id, hour`, { tenant: 'globex' });
    const expected = [...groupBy(temps.filter((r) => r.tenant_id === 'globex'), (r) => `${r.device_id}|${Math.floor(r.event_time / HOUR) * HOUR}`).entries()]
      .map(([k, rs]) => {
        const [device, hour] = k.split('|');
        const vs = rs.map((r) => r.value);
        return { device, hour: Number(hour), avg: avg(vs), lo: Math.min(...vs), hi: Math.max(...vs), n: rs.length };
      })
      .sort((a, b) => (a.device! < b.device! ? -1 : a.device! > b.device! ? 1 : a.hour - b.hour));
    assert.equal(rows.length, expected.length);
    rows.forEach((r, i) => {
      const e = expected[i]!;
      assert.equal(r.device_id, e.device);
      assert.equal(ts(r.hour), iso(e.hour));
      assert.ok(close(r.avg_value as number, e.avg), `${r.avg_value} vs ${e.avg}`);
      assert.deepEqual([r.lo, r.hi, r.n], [e.lo, e.hi, e.n]);
    });
  });

  it('COUNTIF, COUNT(DISTINCT), APPROX_COUNT_DISTINCT, ANY_VALUE, SAFE_DIVIDE, IFNULL per tenant', async () => {
    const rows = await q(`
      SELECT tenant_id,
        COUNTIF(value > 20) AS warm,
        COUNT(DISTINCT device_id) AS devices,
        APPROX_COUNT_DISTINCT(event_id) AS events,
        ANY_VALUE(site) AS some_site,
        SAFE_DIVIDE(COUNTIF(value > 20), COUNT(*)) AS warm_share,
        SAFE_DIVIDE(COUNT(*), COUNTIF(value > 1000)) AS by_zero,
        COUNTIF(IFNULL(unit, 'none') = 'none') AS no_unit
      FROM telemetry.readings WHERE metric = 'temperature'
      GROUP BY tenant_id ORDER BY tenant_id`);
    const expected = [...groupBy(temps, (r) => r.tenant_id).entries()].sort().map(([tenant, rs]) => ({
      tenant,
      warm: rs.filter((r) => r.value > 20).length,
      devices: new Set(rs.map((r) => r.device_id)).size,
      events: new Set(rs.map((r) => r.event_id)).size,
      sites: new Set(rs.map((r) => r.site)),
      share: rs.filter((r) => r.value > 20).length / rs.length,
      noUnit: rs.filter((r) => r.unit === null).length,
    }));
    assert.equal(rows.length, 3);
    rows.forEach((r, i) => {
      const e = expected[i]!;
      assert.equal(r.tenant_id, e.tenant);
      assert.deepEqual([r.warm, r.devices, r.events, r.no_unit], [e.warm, e.devices, e.events, e.noUnit]);
      assert.ok(e.sites.has(r.some_site as string));
      assert.ok(close(r.warm_share as number, e.share));
      assert.equal(r.by_zero, null);
    });
  });

  it('APPROX_QUANTILES(x, n)[OFFSET(k)]: n+1 exact boundaries, OFFSET 0 = min, OFFSET n = max', async () => {
    const rows = await q(`
      SELECT site, APPROX_QUANTILES(value, 4) AS qs, APPROX_QUANTILES(value, 4)[OFFSET(2)] AS median, APPROX_QUANTILES(value, 2)[OFFSET(0)] AS lo
      FROM telemetry.readings WHERE metric = 'humidity' GROUP BY site ORDER BY site`);
    const bySite = [...groupBy(data.filter((r) => r.metric === 'humidity'), (r) => r.site).entries()].sort();
    assert.equal(rows.length, bySite.length);
    rows.forEach((r, i) => {
      const [site, rs] = bySite[i]!;
      const sorted = rs.map((x) => x.value).sort((a, b) => a - b);
      assert.equal(r.site, site);
      assert.deepEqual(r.qs, [0, 0.25, 0.5, 0.75, 1].map((p) => nearestRank(sorted, p)));
      assert.equal(r.median, nearestRank(sorted, 0.5));
      assert.equal(r.lo, sorted[0]);
    });
  });

  it('ARRAY_AGG with ORDER BY and LIMIT, STRUCT, UNNEST', async () => {
    const rows = await q(`
      WITH last3 AS (
        SELECT device_id, ARRAY_AGG(value ORDER BY event_time DESC LIMIT 3) AS recent,
               STRUCT(COUNT(*) AS n, MAX(seq) AS last_seq) AS info
        FROM telemetry.readings WHERE metric = 'temperature' GROUP BY device_id)
      SELECT device_id, recent, info.n AS n, info.last_seq AS last_seq, info
      FROM last3 ORDER BY device_id`);
    const expected = [...byDeviceTemps.entries()].sort().map(([device, rs]) => {
      const sorted = [...rs].sort((a, b) => b.event_time - a.event_time);
      return { device, recent: sorted.slice(0, 3).map((r) => r.value), n: rs.length, last: Math.max(...rs.map((r) => r.seq)) };
    });
    assert.deepEqual(
      rows.map((r) => [r.device_id, r.recent, r.n, r.last_seq, r.info]),
      expected.map((e) => [e.device, e.recent, e.n, e.last, { n: e.n, last_seq: e.last }]),
    );
    const structs = await q(`
      SELECT ARRAY(SELECT AS STRUCT metric, COUNT(*) AS n FROM telemetry.readings WHERE device_id = 'sensor-04' GROUP BY metric ORDER BY metric) AS per_metric,
             ARRAY(SELECT AS VALUE seq FROM telemetry.readings WHERE device_id = 'sensor-04' AND metric = 'humidity' ORDER BY seq LIMIT 2) AS first_seqs`);
    const n4 = byDeviceTemps.get('sensor-04')!.length;
    assert.deepEqual(structs, [{ per_metric: [{ metric: 'humidity', n: n4 }, { metric: 'temperature', n: n4 }], first_seqs: [1, 2] }]);
    const flat = await q(`
      SELECT x, COUNT(*) AS c FROM (SELECT ARRAY_AGG(DISTINCT tenant_id) AS ts FROM telemetry.readings) AS t, UNNEST(t.ts) AS x
      GROUP BY x ORDER BY x`);
    assert.deepEqual(flat, ['acme', 'globex', 'initech'].map((x) => ({ x, c: 1 })));
    const inList = await q("SELECT COUNT(*) AS n FROM telemetry.readings WHERE device_id IN UNNEST(@ids) AND metric = 'temperature'", { ids: ['sensor-01', 'sensor-02'] });
    assert.equal(inList[0]!.n, byDeviceTemps.get('sensor-01')!.length + byDeviceTemps.get('sensor-02')!.length);
  });

  it('window functions: LAG, LEAD, ROW_NUMBER, moving average with ROWS BETWEEN, and QUALIFY', async () => {
    const rows = await q(`
      SELECT device_id, seq, value,
        LAG(value) OVER w AS prev,
        LEAD(value, 2) OVER w AS next2,
        ROW_NUMBER() OVER w AS rn,
        AVG(value) OVER (PARTITION BY device_id ORDER BY event_time ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) AS ma3
      FROM telemetry.readings
      WHERE metric = 'temperature' AND device_id IN ('sensor-03', 'sensor-07')
      WINDOW w AS (PARTITION BY device_id ORDER BY event_time)
      ORDER BY device_id, seq`);
    const expected = ['sensor-03', 'sensor-07'].flatMap((d) => {
      const rs = [...byDeviceTemps.get(d)!].sort((a, b) => a.event_time - b.event_time);
      return rs.map((r, i) => ({
        device: d,
        seq: r.seq,
        prev: i > 0 ? rs[i - 1]!.value : null,
        next2: i + 2 < rs.length ? rs[i + 2]!.value : null,
        rn: i + 1,
        ma3: avg(rs.slice(Math.max(0, i - 2), i + 1).map((x) => x.value)),
      }));
    });
    assert.equal(rows.length, expected.length);
    rows.forEach((r, i) => {
      const e = expected[i]!;
      assert.deepEqual([r.device_id, r.seq, r.prev, r.next2, r.rn], [e.device, e.seq, e.prev, e.next2, e.rn]);
      assert.ok(close(r.ma3 as number, e.ma3));
    });
    const latest = await q(`
      SELECT device_id, seq, event_time FROM telemetry.readings WHERE metric = 'humidity'
      QUALIFY ROW_NUMBER() OVER (PARTITION BY device_id ORDER BY event_time DESC) = 1
      ORDER BY device_id`);
    const expectedLatest = [...byDeviceTemps.entries()].sort().map(([d, rs]) => {
      const last = rs.reduce((a, b) => (b.event_time > a.event_time ? b : a));
      return [d, last.seq, iso(last.event_time)];
    });
    assert.deepEqual(latest.map((r) => [r.device_id, r.seq, ts(r.event_time)]), expectedLatest);
  });

  it('JSON_VALUE and JSON_QUERY on the events JSON column', async () => {
    const rows = await q(`
      SELECT JSON_VALUE(state, '$.door') AS door, COUNT(*) AS n,
             COUNTIF(JSON_VALUE(state, '$.battery.ok') = 'false') AS low,
             MAX(CAST(JSON_VALUE(state, '$.battery.pct') AS INT64)) AS max_pct,
             ANY_VALUE(JSON_VALUE(state, '$.battery')) AS not_scalar,
             ANY_VALUE(JSON_QUERY(state, '$.battery')) IS NOT NULL AS has_obj
      FROM telemetry.events GROUP BY door ORDER BY door`);
    const events = [...groupBy(data, (r) => r.event_id).values()].map((rs) => rs[0]!);
    const expected = [...groupBy(events, (e) => (e.seq % 3 === 0 ? 'open' : 'closed')).entries()].sort().map(([door, es]) => ({
      door,
      n: es.length,
      low: es.filter((e) => e.seq % 7 === 0).length,
      max: Math.max(...es.map((e) => e.seq % 100)),
    }));
    assert.deepEqual(
      rows.map((r) => [r.door, r.n, r.low, r.max_pct, r.not_scalar, r.has_obj]),
      expected.map((e) => [e.door, e.n, e.low, e.max, null, true]),
    );
    const q1 = await q("SELECT JSON_QUERY(state, '$.battery') AS b FROM telemetry.events WHERE event_id = 'sensor-00:7'");
    assert.deepEqual(JSON.parse(q1[0]!.b as string), { ok: false, pct: 7 });
  });

  it('time functions: EXTRACT, FORMAT_TIMESTAMP, DATE_TRUNC, TIMESTAMP_SUB/ADD, TIMESTAMP_DIFF, CURRENT_TIMESTAMP', async () => {
    const rows = await q(`
      SELECT event_id, EXTRACT(HOUR FROM event_time) AS h, EXTRACT(DAYOFWEEK FROM event_time) AS dow, EXTRACT(DATE FROM event_time) AS d,
        FORMAT_TIMESTAMP('%Y-%m-%d %H:%M', event_time) AS f,
        DATE_TRUNC(DATE(event_time), MONTH) AS m,
        TIMESTAMP_SUB(event_time, INTERVAL 90 MINUTE) AS before,
        TIMESTAMP_ADD(event_time, INTERVAL 1 DAY) AS after,
        TIMESTAMP_DIFF(ingest_time, event_time, MILLISECOND) AS lag_ms,
        event_time < CURRENT_TIMESTAMP() AS past
      FROM telemetry.readings WHERE metric = 'temperature' AND device_id = 'sensor-05' ORDER BY event_time LIMIT 5`);
    const expected = [...byDeviceTemps.get('sensor-05')!].sort((a, b) => a.event_time - b.event_time).slice(0, 5);
    assert.deepEqual(
      rows.map((r) => [r.event_id, r.h, r.dow, (r.d as { value: string }).value, r.f, (r.m as { value: string }).value, ts(r.before), ts(r.after), r.lag_ms, r.past]),
      expected.map((e) => {
        const d = new Date(e.event_time);
        return [e.event_id, d.getUTCHours(), d.getUTCDay() + 1, iso(e.event_time).slice(0, 10), iso(e.event_time).slice(0, 16).replace('T', ' '), '2026-11-01', iso(e.event_time - 90 * 60_000), iso(e.event_time + 86_400_000), e.ingest_time - e.event_time, true];
      }),
    );
    const window = await q('SELECT COUNT(*) AS n FROM telemetry.readings WHERE event_time >= TIMESTAMP_SUB(@t, INTERVAL 2 HOUR) AND event_time < @t', { t: new Date(BASE_TIME + 24 * HOUR) });
    assert.equal(window[0]!.n, data.filter((r) => r.event_time >= BASE_TIME + 22 * HOUR && r.event_time < BASE_TIME + 24 * HOUR).length);
  });

  it('arithmetic: / is FLOAT64, DIV/MOD are integer, division by zero and INT64 overflow are errors, SAFE_CAST', async () => {
    const rows = await q(`SELECT 7 / 2 AS a, DIV(7, 2) AS b, DIV(-7, 2) AS c, MOD(-7, 2) AS d, 6 / 3 AS e, SUM(seq) / COUNT(*) AS mean_seq,
      SAFE_CAST('12' AS INT64) AS ok, SAFE_CAST('x' AS INT64) AS bad, CAST(2.5 AS INT64) AS rounded, CAST(-2.5 AS INT64) AS rounded_neg, CAST(MIN(value) * 0 + 0.5 AS INT64) AS from_col, 1.5 + 1 AS f
      FROM telemetry.readings WHERE device_id = 'sensor-09' AND metric = 'humidity'`);
    const seqs = data.filter((r) => r.device_id === 'sensor-09' && r.metric === 'humidity').map((r) => r.seq);
    assert.deepEqual(rows, [{ a: 3.5, b: 3, c: -3, d: -1, e: 2, mean_seq: seqs.reduce((x, y) => x + y, 0) / seqs.length, ok: 12, bad: null, rounded: 3, rounded_neg: -3, from_col: 1, f: 2.5 }]);
    const [schema] = await bq.createQueryJob({ query: 'SELECT 6 / 3 AS e, DIV(6, 3) AS i', dryRun: true }).then(([, r]) => [(r as { statistics: { query: { schema: { fields: { type: string }[] } } } }).statistics.query.schema.fields.map((f) => f.type)]);
    assert.deepEqual(schema, ['FLOAT', 'INTEGER']);
    assert.match((await queryError('SELECT seq / 0 FROM telemetry.readings')).message, /division by zero/);
    assert.match((await queryError('SELECT DIV(1, 0)')).message, /division by zero/);
    assert.match((await queryError('SELECT SUM(x) FROM UNNEST([9223372036854775807, 1]) AS x')).message, /overflow/);
    assert.match((await queryError('SELECT 9223372036854775807 * 2')).message, /overflow/i);
  });

  it('string functions', async () => {
    const rows = await q(`
      SELECT CONCAT(device_id, '/', metric) AS c, UPPER(tenant_id) AS u, LENGTH(device_id) AS len, SUBSTR(device_id, 8) AS num,
        SUBSTR(device_id, -2, 1) AS tail, REPLACE(device_id, 'sensor', 's') AS r, SPLIT(site, '-')[OFFSET(1)] AS part,
        STARTS_WITH(device_id, 'sensor-0') AS sw, REGEXP_CONTAINS(device_id, r'-1\\d$') AS teen, REGEXP_EXTRACT(device_id, r'(\\d+)') AS digits,
        LPAD(CAST(seq AS STRING), 4, '0') AS padded, LOWER('ÄB') AS low, CONCAT(unit, 'x') AS null_concat, TRIM('  a ') AS t
      FROM telemetry.readings WHERE event_id = 'sensor-15:3' AND metric = 'humidity'`);
    assert.deepEqual(rows, [
      { c: 'sensor-15/humidity', u: 'ACME', len: 9, num: '15', tail: '1', r: 's-15', part: 'site', sw: false, teen: true, digits: '15', padded: '0003', low: 'äb', null_concat: null, t: 'a' },
    ]);
  });

  it('ORDER BY puts NULLs first ascending and last descending, unless NULLS FIRST/LAST says otherwise', async () => {
    const sql = (order: string) => `SELECT model FROM (SELECT DISTINCT model FROM telemetry.readings) ORDER BY model ${order}`;
    const models = [...new Set(data.map((r) => r.model))].filter((m): m is string => m !== null).sort();
    assert.deepEqual((await q(sql('ASC'))).map((r) => r.model), [null, ...models]);
    assert.deepEqual((await q(sql('DESC'))).map((r) => r.model), [...[...models].reverse(), null]);
    assert.deepEqual((await q(sql('ASC NULLS LAST'))).map((r) => r.model), [...models, null]);
    assert.deepEqual((await q(sql('DESC NULLS FIRST'))).map((r) => r.model), [null, ...[...models].reverse()]);
  });

  it('a column-partitioned table has no _PARTITIONTIME; filters on its partition column just work', async () => {
    const e = await queryError('SELECT _PARTITIONTIME FROM telemetry.readings');
    assert.equal(e.code, 400);
    assert.match(e.message, /Unrecognized name: _PARTITIONTIME/i);
    const rows = await q("SELECT COUNT(*) AS n FROM telemetry.readings WHERE event_time >= TIMESTAMP '2026-11-21 00:00:00' AND DATE(event_time) <= '2026-11-21'");
    assert.equal(rows[0]!.n, data.filter((r) => r.event_time >= Date.UTC(2026, 10, 21) && r.event_time < Date.UTC(2026, 10, 22)).length);
  });

  it('an ingestion-time partitioned table exposes _PARTITIONTIME/_PARTITIONDATE (the day of insertion) but not in SELECT *', async () => {
    const [t] = await ds.createTable('ingest', { schema: { fields: [{ name: 'x', type: 'INT64' }] }, timePartitioning: { type: 'DAY' } });
    await t.insert([{ json: { x: 1 } }, { json: { x: 2 } }], { raw: true });
    const today = new Date();
    const day = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate());
    const rows = await q('SELECT _PARTITIONTIME AS pt, _PARTITIONDATE AS pd, SUM(x) AS s FROM telemetry.ingest WHERE _PARTITIONTIME >= TIMESTAMP_SUB(CURRENT_TIMESTAMP(), INTERVAL 2 DAY) GROUP BY 1, 2');
    assert.equal(rows.length, 1);
    assert.equal(ts(rows[0]!.pt), iso(day));
    assert.equal((rows[0]!.pd as { value: string }).value, iso(day).slice(0, 10));
    assert.equal(rows[0]!.s, 3);
    const star = await q('SELECT * FROM telemetry.ingest ORDER BY x');
    assert.deepEqual(star, [{ x: 1 }, { x: 2 }]);
    const [tableRows] = await t.getRows();
    assert.deepEqual(Object.keys(tableRows[0]!), ['x']);
  });

  it('evaluates TIMESTAMP functions in a time zone (IANA names across DST, fixed offsets)', async () => {
    // Expected civil times from the platform's own zone data (Intl), not from DuckDB.
    const civil = (ms: number, zone: string): string =>
      new Intl.DateTimeFormat('sv-SE', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', hourCycle: 'h23' }).format(new Date(ms)).replace(/ (\d\d)$/, ' $1');
    const noon = Date.UTC(2026, 6, 1, 12);
    const [r] = await q(`SELECT
        FORMAT_TIMESTAMP('%Y-%m-%d %H', TIMESTAMP '2026-07-01 12:00:00+00', 'America/New_York') AS ny,
        EXTRACT(HOUR FROM TIMESTAMP '2026-07-01 12:00:00+00' AT TIME ZONE 'Asia/Kolkata') AS kolkata_hour,
        DATE(TIMESTAMP '2026-01-01 03:00:00+00', 'America/Los_Angeles') AS la_date,
        TIMESTAMP_TRUNC(TIMESTAMP '2026-07-01 12:00:00+00', DAY, 'Europe/Paris') AS paris_midnight,
        TIMESTAMP('2026-07-01 00:00:00', '+05:30') AS offset_midnight,
        TIMESTAMP(DATETIME '2026-03-08 03:30:00', 'America/New_York') AS after_dst_start,
        DATETIME(TIMESTAMP '2026-07-01 12:00:00+00', 'Australia/Sydney') AS sydney`);
    assert.equal(r!.ny, civil(noon, 'America/New_York'));
    assert.equal(r!.kolkata_hour, 17);
    assert.equal((r!.la_date as { value: string }).value, '2025-12-31');
    // Paris is UTC+2 in July: its midnight is 22:00 UTC the day before.
    assert.equal(ts(r!.paris_midnight), '2026-06-30T22:00:00.000Z');
    assert.equal(ts(r!.offset_midnight), '2026-06-30T18:30:00.000Z');
    // 2026-03-08 is the first day of EDT (UTC-4) in New York.
    assert.equal(ts(r!.after_dst_start), '2026-03-08T07:30:00.000Z');
    assert.equal((r!.sydney as { value: string }).value, '2026-07-01T22:00:00');
  });

  it('GEOGRAPHY points: ST_GEOGPOINT, ST_DISTANCE and ST_DWITHIN on BigQuery\'s sphere', async () => {
    // Haversine on the 6,371,008.8 m sphere BigQuery measures on, computed here.
    const R = 6371008.8;
    const rad = (d: number): number => (d * Math.PI) / 180;
    const haversine = (lon1: number, lat1: number, lon2: number, lat2: number): number =>
      2 * R * Math.asin(Math.sqrt(Math.sin(rad(lat2 - lat1) / 2) ** 2 + Math.cos(rad(lat1)) * Math.cos(rad(lat2)) * Math.sin(rad(lon2 - lon1) / 2) ** 2));
    const [r] = await q(`SELECT
        ST_ASTEXT(ST_GEOGPOINT(-122.084, 37.422)) AS p,
        ST_DISTANCE(ST_GEOGPOINT(0, 0), ST_GEOGPOINT(1, 0)) AS one_degree,
        ST_DISTANCE(ST_GEOGPOINT(-122.084, 37.422), ST_GEOGFROMTEXT('POINT(-73.9857 40.7484)')) AS mv_to_nyc,
        ST_DWITHIN(ST_GEOGPOINT(13.4, 52.52), ST_GEOGPOINT(13.41, 52.52), 1000) AS near,
        ST_DWITHIN(ST_GEOGPOINT(13.4, 52.52), ST_GEOGPOINT(13.5, 52.52), 1000) AS far,
        ST_X(ST_GEOGPOINT(190, 10)) AS wrapped_lon`);
    assert.equal(r!.p, 'POINT(-122.084 37.422)');
    assert.ok(Math.abs((r!.one_degree as number) - (R * Math.PI) / 180) < 1e-6);
    assert.ok(Math.abs((r!.mv_to_nyc as number) - haversine(-122.084, 37.422, -73.9857, 40.7484)) < 1e-6);
    assert.equal(r!.near, true);
    assert.equal(r!.far, false);
    assert.equal(r!.wrapped_lon, -170);
    assert.match((await queryError('SELECT ST_GEOGPOINT(0, 91)')).message, /latitude/);
    assert.match((await queryError("SELECT ST_GEOGFROMTEXT('LINESTRING(0 0, 1 1)')")).message, /POINT geographies only/);
  });

  it('PIVOT one row per device with a column per metric, and UNPIVOT back', async () => {
    const devices = [...new Set(data.map((r) => r.device_id))].sort();
    const count = (d: string, m: string): number => data.filter((r) => r.device_id === d && r.metric === m).length;
    const pivoted = await q(`SELECT device_id, temperature, humidity FROM (SELECT device_id, metric FROM telemetry.readings)
        PIVOT (COUNT(*) FOR metric IN ('temperature', 'humidity')) ORDER BY device_id`);
    assert.deepEqual(pivoted, devices.map((d) => ({ device_id: d, temperature: count(d, 'temperature'), humidity: count(d, 'humidity') })));
    const back = await q(`SELECT device_id, metric, n FROM (
        SELECT * FROM (SELECT device_id, metric FROM telemetry.readings) PIVOT (COUNT(*) FOR metric IN ('temperature' AS t, 'humidity' AS h)))
        UNPIVOT (n FOR metric IN (t AS 'temperature', h AS 'humidity')) ORDER BY device_id, metric`);
    assert.deepEqual(back, devices.flatMap((d) => [{ device_id: d, metric: 'humidity', n: count(d, 'humidity') }, { device_id: d, metric: 'temperature', n: count(d, 'temperature') }]));
  });

  it('refuses what it has not verified with a clear invalidQuery naming the construct', async () => {
    for (const [sql, construct] of [
      ['SELECT FARM_FINGERPRINT(device_id) FROM telemetry.readings', /FARM_FINGERPRINT/],
      ['SELECT * FROM telemetry.readings TABLESAMPLE SYSTEM (10 PERCENT)', /TABLESAMPLE/],
      ["SELECT * FROM (SELECT device_id, metric, value FROM telemetry.readings) PIVOT(SUM(value) AS s FOR metric IN ('temperature'))", /PIVOT with several or aliased aggregates/],
      ["SELECT FORMAT_TIMESTAMP('%Z', event_time, 'America/New_York') FROM telemetry.readings", /not supported/],
      ['SELECT ML.PREDICT(1)', /ML\.PREDICT|PREDICT|not supported/],
    ] as const) {
      const e = await queryError(sql);
      assert.equal(e.code, 400, sql);
      assert.equal(e.errors?.[0]?.reason, 'invalidQuery', sql);
      assert.match(e.message, construct, sql);
    }
  });
});
