// Benchmark of the BigQuery emulator (issue 4), each figure side by side with
// DuckDB used directly through @duckdb/node-api in the same run:
//   (a) insertAll of 10,000 readings rows in batches of 500, against appending
//       the same rows with DuckDB data chunks: once as raw REST requests (node:http,
//       bodies serialised beforehand: the emulator's own overhead, the row with
//       the target) and once through the Node client (informational: the
//       client's request building is a large share of its time);
//       The same rows also go through the Storage Write API (gRPC, the
//       default stream, with the official managed writer): once with the proto
//       rows encoded beforehand (the emulator's overhead, with the target) and
//       once through the JSONWriter the sinks use (informational: includes
//       the client's JSON-to-proto encoding);
//   (b) an hourly-average-per-device GROUP BY over 1,000,000 readings rows
//       through jobs.query, against the same query run on DuckDB.
// `node build/bench/bigquery-emulator.js` runs it standalone.
import http from 'node:http';
import { BigQuery } from '@google-cloud/bigquery';
import { adapt, managedwriter, protos } from '@google-cloud/bigquery-storage';
import { credentials } from '@grpc/grpc-js';
import { writerType } from '../emulators/bigquery/storage/proto-rows.js';
import { toProtoRow, type ProtoRow } from '../functions/sinks/storage-write-rows.js';
import { storageFields } from '../functions/sinks/storage-write-client.js';
import { DuckDBDataChunk, DuckDBInstance, DuckDBTimestampTZValue, type DuckDBConnection, type DuckDBValue } from '@duckdb/node-api';
import { columnDefs, normalizeFields } from '../emulators/bigquery/schema-types.js';
import { startBigQueryEmulator } from '../emulators/bigquery/server.js';
import { READINGS, tableResource } from '../schemas/bigquery-tables.js';
import { toRow } from './report.js';
import { median, rotatingRounds, type Variant } from './stats.js';
import type { BenchRow, Progress } from './types.js';

const GROUP = 'bigquery-emulator';
const INSERT_ROWS = 10_000;
const BATCH = 500;
const QUERY_ROWS = 1_000_000;
const ROUNDS = 3;
/**
 * One insert round moves 10,000 rows in 40 to 80 ms, so a single scheduler
 * hiccup swings it by a third: 9 rotating rounds (fresh tables each), medians
 * compared. Each round still inserts exactly 10,000 rows in batches of 500.
 */
const INSERT_ROUNDS = 9;

interface ReadingJson {
  event_id: string;
  tenant_id: string;
  device_id: string;
  metric: string;
  value: number;
  unit: string;
  event_time: string;
  ingest_time: string;
  site: string;
  model: string;
  seq: number;
}

function readings(n: number, offset: number): ReadingJson[] {
  const base = Date.UTC(2026, 10, 24);
  return Array.from({ length: n }, (_, k) => {
    const i = k + offset;
    const t = new Date(base + i * 1000).toISOString();
    return {
      event_id: `sensor-${i % 20}:${i}`,
      tenant_id: `tenant-${i % 3}`,
      device_id: `sensor-${i % 20}`,
      metric: 'temperature',
      value: (i % 400) / 10,
      unit: 'celsius',
      event_time: t,
      ingest_time: t,
      site: 'site-1',
      model: 'model-1',
      seq: i,
    };
  });
}

/**
 * The baseline's table is the very table the emulator creates for READINGS
 * (the same column types and NOT NULL on REQUIRED columns, from the same
 * schema functions), so both sides give DuckDB the same work per row.
 */
const DUCK_READINGS_DDL = `CREATE TABLE readings (${columnDefs(normalizeFields(READINGS.fields))})`;

/**
 * Baseline (a): the same JSON rows converted and appended directly, batch by
 * batch, with DuckDB's fastest appending API: one data chunk per batch, each
 * column's vector filled at once (the way the emulator appends flat tables,
 * so the ratio shows the emulator's own overhead, not an API difference; the
 * per-value appender measured 10-15% slower here).
 */
async function duckAppend(conn: DuckDBConnection, rows: ReadingJson[]): Promise<void> {
  const ts = (text: string): DuckDBTimestampTZValue => new DuckDBTimestampTZValue(BigInt(Date.parse(text)) * 1000n);
  const columns: ((r: ReadingJson) => DuckDBValue)[] = [
    (r) => r.event_id,
    (r) => r.tenant_id,
    (r) => r.device_id,
    (r) => r.metric,
    (r) => r.value,
    (r) => r.unit,
    (r) => ts(r.event_time),
    (r) => ts(r.ingest_time),
    (r) => r.site,
    (r) => r.model,
    (r) => BigInt(r.seq),
  ];
  for (let i = 0; i < rows.length; i += BATCH) {
    const batch = rows.slice(i, i + BATCH);
    const app = await conn.createAppender('readings');
    const types = Array.from({ length: app.columnCount }, (_, c) => app.columnType(c));
    const chunk = DuckDBDataChunk.create(types, batch.length);
    for (let c = 0; c < columns.length; c++) {
      const vector = chunk.getColumnVector(c);
      const get = columns[c]!;
      for (let r = 0; r < batch.length; r++) vector.setItem(r, get(batch[r]!));
      vector.flush();
    }
    app.appendDataChunk(chunk);
    app.flushSync();
    app.closeSync();
  }
}

// (b) data: 1M rows over about 5.8 days, 20 devices; the same values on both sides.
const GENERATE_BQ = `INSERT INTO telemetry.readings (event_id, tenant_id, device_id, metric, value, unit, event_time, ingest_time, site, model, seq)
  SELECT CONCAT('sensor-', CAST(MOD(i, 20) AS STRING), ':', CAST(i AS STRING)), CONCAT('tenant-', CAST(MOD(i, 3) AS STRING)), CONCAT('sensor-', CAST(MOD(i, 20) AS STRING)),
    'temperature', MOD(i * 7919, 1000) / 10, 'celsius', TIMESTAMP_ADD(TIMESTAMP '2026-11-01 00:00:00', INTERVAL DIV(i, 2) SECOND),
    TIMESTAMP_ADD(TIMESTAMP '2026-11-01 00:00:00', INTERVAL DIV(i, 2) SECOND), 'site-1', 'model-1', i
  FROM UNNEST(GENERATE_ARRAY(1, ${QUERY_ROWS})) AS i`;
const GENERATE_DUCK = `INSERT INTO readings SELECT 'sensor-' || (i % 20) || ':' || i, 'tenant-' || (i % 3), 'sensor-' || (i % 20), 'temperature', ((i * 7919) % 1000) / 10,
    'celsius', TIMESTAMPTZ '2026-11-01 00:00:00+00' + to_seconds(i // 2), TIMESTAMPTZ '2026-11-01 00:00:00+00' + to_seconds(i // 2), 'site-1', 'model-1', i
  FROM range(1, ${QUERY_ROWS + 1}) t(i)`;
const QUERY_BQ = `SELECT device_id, TIMESTAMP_TRUNC(event_time, HOUR) AS hour, AVG(value) AS avg_value, COUNT(*) AS n
  FROM telemetry.readings GROUP BY 1, 2 ORDER BY 1, 2`;
const QUERY_DUCK = `SELECT device_id, date_trunc('hour', event_time) AS hour, avg(value) AS avg_value, count(*) AS n
  FROM readings GROUP BY 1, 2 ORDER BY 1, 2`;

/**
 * A lean keep-alive HTTP client for the raw REST variant. It runs in this
 * process, beside the emulator, so its own cost lands in the measured time;
 * fetch (undici) spent about 10 % of it building and parsing requests, which
 * is no part of the emulator's overhead that the row is about.
 */
function rawPoster(baseUrl: string): { post(path: string, body: Buffer): Promise<{ status: number; json: unknown }>; close(): void } {
  const u = new URL(baseUrl);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  return {
    post: (path, body) =>
      new Promise((resolve, reject) => {
        const req = http.request(
          { host: u.hostname, port: u.port, path, method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': body.length } },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => {
              try {
                resolve({ status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown });
              } catch (err) {
                reject(err as Error);
              }
            });
            res.on('error', reject);
          },
        );
        req.on('error', reject);
        req.end(body);
      }),
    close: () => agent.destroy(),
  };
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

export async function benchBigQueryEmulator(progress: Progress): Promise<BenchRow[]> {
  const emu = await startBigQueryEmulator({ port: 0 });
  const duck = await DuckDBInstance.create(':memory:');
  const conn = await duck.connect();
  await conn.run("SET TimeZone = 'UTC'");
  try {
    const bq = new BigQuery({ projectId: 'bench', apiEndpoint: emu.url });
    const [ds] = await bq.createDataset('telemetry');
    const writeClient = new managedwriter.WriterClient({ projectId: 'bench', apiEndpoint: '127.0.0.1', port: emu.grpcPort, sslCreds: credentials.createInsecure() });
    /** A default-stream writer on a fresh table, from the table's own schema (the sinks' way). */
    const storageWriter = async (table: string) => {
      const streamId = `projects/bench/datasets/telemetry/tables/${table}/streams/_default`;
      const ws = await writeClient.getWriteStream({ streamId, view: protos.google.cloud.bigquery.storage.v1.WriteStreamView.FULL });
      const descriptor = adapt.convertStorageSchemaToProto2Descriptor(ws.tableSchema!, 'root');
      const connection = await writeClient.createStreamConnection({ streamId });
      return { descriptor, fields: storageFields(ws.tableSchema!.fields), connection };
    };
    const checkAppend = (res: protos.google.cloud.bigquery.storage.v1.IAppendRowsResponse): void => {
      if (res.error?.code) throw new Error(`AppendRows failed: ${res.error.code} ${res.error.message ?? ''}`);
    };

    // (a) insertAll vs appender, alternating rounds on fresh tables.
    let round = 0;
    const raw = rawPoster(emu.url);
    // Raw REST: every batch's body serialised (and UTF-8 encoded) once, before any timing.
    const restBodies: Buffer[] = [];
    const allRows = readings(INSERT_ROWS, 0);
    for (let i = 0; i < allRows.length; i += BATCH) {
      restBodies.push(Buffer.from(JSON.stringify({ kind: 'bigquery#tableDataInsertAllRequest', rows: allRows.slice(i, i + BATCH).map((r) => ({ insertId: `${r.event_id}:${r.metric}`, json: r })) })));
    }
    // Storage Write: every batch's proto rows encoded once, before any timing (like the REST bodies).
    await ds.createTable('readings_schema', tableResource(READINGS));
    const probe = await storageWriter('readings_schema');
    probe.connection.close();
    const protoType = writerType(new protos.google.protobuf.DescriptorProto(probe.descriptor).toJSON());
    const protoRows = allRows.map((r) => toProtoRow(probe.fields, r as unknown as Record<string, unknown>));
    const protoBatches: Uint8Array[][] = [];
    for (let i = 0; i < protoRows.length; i += BATCH) protoBatches.push(protoRows.slice(i, i + BATCH).map((r) => protoType.encode(protoType.fromObject(r)).finish()));
    const countRows = async (table: string): Promise<void> => {
      const [[check]] = await bq.query(`SELECT COUNT(*) AS n FROM telemetry.${table}`);
      if ((check as { n: number }).n !== INSERT_ROWS) throw new Error(`emulator stored ${(check as { n: number }).n} rows in ${table}, expected ${INSERT_ROWS}`);
    };
    const insertVariants: Variant[] = [
      {
        name: 'rest',
        run: async () => {
          const table = `readings_${round++}`;
          await ds.createTable(table, tableResource(READINGS));
          const path = `/bigquery/v2/projects/bench/datasets/telemetry/tables/${table}/insertAll`;
          const ms = await timed(async () => {
            for (const body of restBodies) {
              const res = await raw.post(path, body);
              const reply = res.json as { insertErrors?: unknown[] };
              if (res.status !== 200 || reply.insertErrors) throw new Error(`raw insertAll failed: ${res.status} ${JSON.stringify(reply).slice(0, 300)}`);
            }
          });
          await countRows(table);
          return (INSERT_ROWS / ms) * 1000;
        },
      },
      {
        name: 'emulator',
        run: async () => {
          const table = `readings_${round++}`;
          await ds.createTable(table, tableResource(READINGS));
          const rows = readings(INSERT_ROWS, 0);
          const ms = await timed(async () => {
            for (let i = 0; i < rows.length; i += BATCH) {
              await ds.table(table).insert(rows.slice(i, i + BATCH).map((r) => ({ insertId: `${r.event_id}:${r.metric}`, json: r })), { raw: true });
            }
          });
          await countRows(table);
          return (INSERT_ROWS / ms) * 1000;
        },
      },
      {
        name: 'storage',
        run: async () => {
          const table = `readings_${round++}`;
          await ds.createTable(table, tableResource(READINGS));
          const w = await storageWriter(table);
          const writer = new managedwriter.Writer({ connection: w.connection, protoDescriptor: w.descriptor });
          const ms = await timed(async () => {
            for (const serializedRows of protoBatches) checkAppend(await writer.appendRows({ serializedRows }).getResult());
          });
          writer.close();
          await countRows(table);
          return (INSERT_ROWS / ms) * 1000;
        },
      },
      {
        name: 'storage-json',
        run: async () => {
          const table = `readings_${round++}`;
          await ds.createTable(table, tableResource(READINGS));
          const w = await storageWriter(table);
          const writer = new managedwriter.JSONWriter({ connection: w.connection, protoDescriptor: w.descriptor });
          const rows = readings(INSERT_ROWS, 0);
          const ms = await timed(async () => {
            for (let i = 0; i < rows.length; i += BATCH) {
              // The sinks' path: insertAll-shaped JSON -> proto values -> the JSONWriter.
              const batch: ProtoRow[] = rows.slice(i, i + BATCH).map((r) => toProtoRow(w.fields, r as unknown as Record<string, unknown>));
              checkAppend(await writer.appendRows(batch as unknown as Parameters<managedwriter.JSONWriter['appendRows']>[0]).getResult());
            }
          });
          writer.close();
          await countRows(table);
          return (INSERT_ROWS / ms) * 1000;
        },
      },
      {
        name: 'duckdb',
        run: async () => {
          await conn.run('DROP TABLE IF EXISTS readings');
          await conn.run(DUCK_READINGS_DDL);
          const rows = readings(INSERT_ROWS, 0);
          const ms = await timed(() => duckAppend(conn, rows));
          return (INSERT_ROWS / ms) * 1000;
        },
      },
    ];
    // One untimed run of each first: the first pass through the JSON, conversion and
    // appender code runs unoptimised (up to 2-3x slower) and would skew whichever led round 1.
    progress('insert warm-up: one untimed run of each variant');
    for (const v of insertVariants) await v.run();
    const results = await rotatingRounds(INSERT_ROUNDS, insertVariants, (i, r) =>
      progress(
        `insert round ${i + 1}/${INSERT_ROUNDS}: raw REST ${Math.round(r.get('rest')!.at(-1)!)} rows/s, Node client ${Math.round(r.get('emulator')!.at(-1)!)} rows/s, ` +
          `Storage Write ${Math.round(r.get('storage')!.at(-1)!)} rows/s (JSONWriter ${Math.round(r.get('storage-json')!.at(-1)!)}), DuckDB direct ${Math.round(r.get('duckdb')!.at(-1)!)} rows/s`,
      ),
    );
    raw.close();
    const appendBaseline = median(results.get('duckdb')!);
    const insertRestRow = toRow({
      group: GROUP,
      name: `insertAll ${INSERT_ROWS} rows in batches of ${BATCH} (raw REST, bodies built beforehand: emulator overhead)`,
      unit: 'rows/s',
      value: median(results.get('rest')!),
      better: 'higher',
      baselineName: 'DuckDB data-chunk append, same rows',
      baseline: appendBaseline,
      target: { on: 'ratio', op: '>=', threshold: 0.5 },
    });
    const insertClientRow = toRow({
      group: GROUP,
      name: `insertAll ${INSERT_ROWS} rows in batches of ${BATCH} (Node client)`,
      unit: 'rows/s',
      value: median(results.get('emulator')!),
      better: 'higher',
      baselineName: 'DuckDB data-chunk append, same rows',
      baseline: appendBaseline,
    });
    insertClientRow.target = 'informational: includes client-side cost';
    const storageRow = toRow({
      group: GROUP,
      name: `Storage Write API ${INSERT_ROWS} rows in appends of ${BATCH} (default stream, managed writer, proto rows encoded beforehand: emulator overhead)`,
      unit: 'rows/s',
      value: median(results.get('storage')!),
      better: 'higher',
      baselineName: 'DuckDB data-chunk append, same rows',
      baseline: appendBaseline,
      target: { on: 'ratio', op: '>=', threshold: 0.5 },
    });
    const storageJsonRow = toRow({
      group: GROUP,
      name: `Storage Write API ${INSERT_ROWS} rows in appends of ${BATCH} (the sinks' JSONWriter path)`,
      unit: 'rows/s',
      value: median(results.get('storage-json')!),
      better: 'higher',
      baselineName: 'DuckDB data-chunk append, same rows',
      baseline: appendBaseline,
    });
    storageJsonRow.target = 'informational: includes client-side encoding';
    writeClient.close();

    // (b) GROUP BY over 1M rows: jobs.query vs DuckDB directly.
    progress(`loading ${QUERY_ROWS} rows into the emulator (one INSERT ... SELECT job) and into DuckDB`);
    await ds.createTable('readings', tableResource(READINGS));
    await bq.query(GENERATE_BQ);
    await conn.run('DROP TABLE IF EXISTS readings');
    await conn.run(DUCK_READINGS_DDL);
    await conn.run(GENERATE_DUCK);
    let groups = 0;
    const q = await rotatingRounds(ROUNDS, [
      {
        name: 'emulator',
        run: () =>
          timed(async () => {
            const [rows] = await bq.query(QUERY_BQ);
            groups = rows.length;
          }),
      },
      { name: 'duckdb', run: () => timed(() => conn.runAndReadAll(QUERY_DUCK)) },
    ], (i, r) => progress(`GROUP BY round ${i + 1}/${ROUNDS}: emulator ${Math.round(r.get('emulator')!.at(-1)!)} ms, DuckDB ${Math.round(r.get('duckdb')!.at(-1)!)} ms`));
    const queryRow = toRow({
      group: GROUP,
      name: `hourly avg per device over ${QUERY_ROWS / 1e6}M rows (${groups} groups), jobs.query`,
      unit: 'ms',
      value: median(q.get('emulator')!),
      better: 'lower',
      baselineName: 'same SQL on DuckDB directly',
      baseline: median(q.get('duckdb')!),
      target: { on: 'ratio', op: '>=', threshold: 0.5 },
    });
    return [insertRestRow, insertClientRow, storageRow, storageJsonRow, queryRow];
  } finally {
    conn.closeSync();
    duck.closeSync();
    await emu.close();
  }
}

if (require.main === module) {
  benchBigQueryEmulator((m) => process.stderr.write(`${m}\n`)).then(
    (rows) => process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`),
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(1);
    },
  );
}
