// The emulator's CLI with --data: write through one process, stop it with
// SIGTERM, start another on the same file, and read everything back
// (datasets, schemas, partitioning, clustering, descriptions, rows), and the
// insertId de-dup window: a retry that reaches the restarted emulator is not stored twice.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BigQuery } from '@google-cloud/bigquery';
import { freePort, httpOk, waitUntil } from '../../../tools/lib/ports.js';
import { startProcess, waitForExit, type ManagedProcess } from '../../../tools/lib/process-group.js';
import { READINGS, tableResource } from '../../../schemas/bigquery-tables.js';
import { startBigQueryEmulator } from '../../../emulators/bigquery/server.js';

const CLI = path.resolve(__dirname, '../../../emulators/bigquery/cli.js');

describe('integration: BigQuery emulator persistence (--data) across restarts', function () {
  this.timeout(60_000);
  let dir: string;
  let proc: ManagedProcess | undefined;

  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'bq-data-'));
  });

  after(async () => {
    await proc?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function start(file: string): Promise<{ url: string; lines: string[] }> {
    const port = await freePort();
    const lines: string[] = [];
    proc = startProcess({ name: 'bigquery-emulator', command: process.execPath, args: [CLI, '--port', String(port), '--grpc-port', '0', '--data', file], onLine: (l) => lines.push(l) });
    const url = `http://127.0.0.1:${port}`;
    await waitUntil(() => httpOk(`${url}/`), 20_000, 'the BigQuery emulator');
    return { url, lines };
  }

  it('keeps datasets, table metadata and rows in the DuckDB file', async () => {
    const file = path.join(dir, 'bq.duckdb');
    const first = await start(file);
    assert.ok(first.lines.some((l) => l.includes(`listening on ${first.url}`)), first.lines.join('\n'));
    let bq = new BigQuery({ projectId: 'demo-iot', apiEndpoint: first.url });
    const [ds] = await bq.createDataset('telemetry', { description: 'kept' });
    await ds.createTable(READINGS.tableId, tableResource(READINGS));
    await ds.createTable('ingest', { schema: { fields: [{ name: 'x', type: 'INT64' }] }, timePartitioning: { type: 'DAY' } });
    const t = '2026-11-24T20:00:00.000Z';
    await ds.table(READINGS.tableId).insert(
      [1, 2, 3].map((seq) => ({ insertId: `d:${seq}`, json: { event_id: `d:${seq}`, tenant_id: 'acme', device_id: 'd', metric: 'temperature', value: seq + 0.5, event_time: t, ingest_time: t, seq } })),
      { raw: true },
    );
    await ds.table('ingest').insert([{ json: { x: 7 } }], { raw: true });
    // A clean stop (SIGTERM) checkpoints and closes the file.
    await proc!.stop();
    assert.equal(await waitForExit(proc!, 1000), true);

    const second = await start(file);
    bq = new BigQuery({ projectId: 'demo-iot', apiEndpoint: second.url });
    const [meta] = await bq.dataset('telemetry').getMetadata();
    assert.equal(meta.description, 'kept');
    const [tmeta] = await bq.dataset('telemetry').table(READINGS.tableId).getMetadata();
    assert.deepEqual(tmeta.timePartitioning, { type: 'DAY', field: 'event_time' });
    assert.deepEqual(tmeta.clustering, { fields: ['tenant_id', 'device_id', 'metric'] });
    assert.equal(tmeta.description, READINGS.description);
    assert.equal(tmeta.numRows, '3');
    const [rows] = await bq.query('SELECT seq, value FROM telemetry.readings ORDER BY seq');
    assert.deepEqual(rows, [
      { seq: 1, value: 1.5 },
      { seq: 2, value: 2.5 },
      { seq: 3, value: 3.5 },
    ]);
    const [ingest] = await bq.query('SELECT x, _PARTITIONDATE IS NOT NULL AS has_pd FROM telemetry.ingest');
    assert.deepEqual(ingest, [{ x: 7, has_pd: true }]);
    // New writes keep working after the restart.
    await bq.dataset('telemetry').table('ingest').insert([{ json: { x: 8 } }], { raw: true });
    const [n] = await bq.query('SELECT COUNT(*) AS n FROM telemetry.ingest');
    assert.equal(n[0]!.n, 2);
  });

  it('keeps the insertId de-dup window: a retry after a restart is not stored again, a new insertId is', async () => {
    const file = path.join(dir, 'dedup.duckdb');
    const t = '2026-11-24T21:00:00.000Z';
    const row = (seq: number): { insertId: string; json: Record<string, unknown> } => ({
      insertId: `dd:${seq}`,
      json: { event_id: `dd:${seq}`, tenant_id: 'acme', device_id: 'dd', metric: 'temperature', value: seq, event_time: t, ingest_time: t, seq },
    });
    const count = async (b: BigQuery): Promise<number> => {
      const [r] = await b.query('SELECT COUNT(*) AS n FROM telemetry.readings');
      return r[0]!.n as number;
    };
    const first = await start(file);
    let bq = new BigQuery({ projectId: 'demo-iot', apiEndpoint: first.url });
    const [ds] = await bq.createDataset('telemetry');
    await ds.createTable(READINGS.tableId, tableResource(READINGS));
    await ds.table(READINGS.tableId).insert([1, 2, 3].map(row), { raw: true });
    assert.equal(await count(bq), 3);
    await proc!.stop();
    assert.equal(await waitForExit(proc!, 1000), true);

    const second = await start(file);
    bq = new BigQuery({ projectId: 'demo-iot', apiEndpoint: second.url });
    const table = bq.dataset('telemetry').table(READINGS.tableId);
    // The same rows with the same insertIds (a client retrying after the restart): nothing new.
    await table.insert([1, 2, 3].map(row), { raw: true });
    assert.equal(await count(bq), 3);
    // A different insertId is a different row.
    await table.insert([row(4)], { raw: true });
    assert.equal(await count(bq), 4);
    const stats = (await (await fetch(`${second.url}/emulator/v1/stats`)).json()) as { insertAll: { rowsDeduplicated: number; rowsInserted: number } };
    assert.deepEqual([stats.insertAll.rowsDeduplicated, stats.insertAll.rowsInserted], [3, 1]);
  });

  it('answers an insertAll that is under way when it is closed, then refuses new connections', async () => {
    const emu = await startBigQueryEmulator({ dataFile: path.join(dir, 'drain.duckdb'), drainMs: 20_000 });
    try {
      const bq = new BigQuery({ projectId: 'demo-iot', apiEndpoint: emu.url });
      const [ds] = await bq.createDataset('drain');
      await ds.createTable('t', { schema: { fields: [{ name: 'x', type: 'INT64' }, { name: 's', type: 'STRING' }] } });
      const rows = Array.from({ length: 20_000 }, (_, i) => ({ insertId: `i${i}`, json: { x: i, s: `s${i}` } }));
      const insert = fetch(`${emu.url}/bigquery/v2/projects/demo-iot/datasets/drain/tables/t/insertAll`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ rows }),
      });
      // Close only once the emulator has the request (counted before its body is read).
      const started = async (): Promise<boolean> => {
        const s = (await (await fetch(`${emu.url}/emulator/v1/stats`)).json()) as { requests: Record<string, number> };
        return (s.requests['tabledata.insertAll'] ?? 0) > 0;
      };
      await waitUntil(started, 10_000, 'the insertAll request to reach the emulator');
      const closing = emu.close();
      const res = await insert;
      assert.equal(res.status, 200);
      assert.deepEqual(await res.json(), { kind: 'bigquery#tableDataInsertAllResponse' });
      await closing;
      await assert.rejects(fetch(`${emu.url}/`));
    } finally {
      await emu.close();
    }
  });

  it('reports a failed CHECKPOINT at stop (exit code 1, the file named) and loses nothing: the WAL is replayed on the next start', async () => {
    const file = path.join(dir, 'full.duckdb');
    const port = await freePort();
    const lines: string[] = [];
    // A file-size limit (as a full disk would) lets the WAL grow but not the checkpoint write the
    // database file; SIGXFSZ ignored, so the write fails with EFBIG instead of killing the process.
    proc = startProcess({
      name: 'bigquery-emulator',
      command: '/bin/bash',
      args: ['-c', `trap '' XFSZ; ulimit -f 200; exec "$0" "$@"`, process.execPath, CLI, '--port', String(port), '--data', file],
      onLine: (l) => lines.push(l),
    });
    const url = `http://127.0.0.1:${port}`;
    await waitUntil(() => httpOk(`${url}/`), 20_000, 'the BigQuery emulator');
    const bq = new BigQuery({ projectId: 'demo-iot', apiEndpoint: url });
    const [ds] = await bq.createDataset('walkept');
    await ds.createTable('t', { schema: { fields: [{ name: 'x', type: 'INT64' }] } });
    await ds.table('t').insert([{ json: { x: 41 } }, { json: { x: 1 } }], { raw: true });
    const exited = proc.exited;
    await proc.stop();
    assert.equal(await exited, 1, lines.join('\n'));
    assert.ok(
      lines.some((l) => l.includes(`CHECKPOINT of ${file} failed`) && l.includes('File too large') && l.includes(`${file}.wal`)),
      lines.join('\n'),
    );
    const again = await start(file);
    const [rows] = await new BigQuery({ projectId: 'demo-iot', apiEndpoint: again.url }).query('SELECT SUM(x) AS s FROM walkept.t');
    assert.deepEqual(rows, [{ s: 42 }]);
  });

  it('keeps views across a restart: the view is reported and queried as before', async () => {
    const file = path.join(dir, 'views.duckdb');
    let emu = await startBigQueryEmulator({ dataFile: file });
    try {
      const bq = new BigQuery({ projectId: 'demo-iot', apiEndpoint: emu.url });
      const [ds] = await bq.createDataset('v');
      await ds.createTable('t', { schema: { fields: [{ name: 'x', type: 'INT64' }] } });
      await ds.table('t').insert([{ json: { x: 20 } }, { json: { x: 22 } }], { raw: true });
      await ds.createTable('total', { view: 'SELECT SUM(x) AS s FROM `demo-iot.v.t`' });
    } finally {
      await emu.close();
    }
    emu = await startBigQueryEmulator({ dataFile: file });
    try {
      const bq = new BigQuery({ projectId: 'demo-iot', apiEndpoint: emu.url });
      const [meta] = await bq.dataset('v').table('total').getMetadata();
      assert.equal(meta.type, 'VIEW');
      const [rows] = await bq.query('SELECT s FROM v.total');
      assert.deepEqual(rows, [{ s: 42 }]);
    } finally {
      await emu.close();
    }
  });
});
