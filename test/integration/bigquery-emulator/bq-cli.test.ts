// Google's bq CLI (the one shipped with gcloud) against the BigQuery emulator:
// it fetches the discovery document from the emulator, then mk, ls, show,
// head, query and load work with a dummy access token.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startBigQueryEmulator, type BigQueryEmulator } from '../../../emulators/bigquery/server.js';
import { startProcess } from '../../../tools/lib/process-group.js';

const BQ = '/usr/bin/bq';

describe('integration: bq CLI against the BigQuery emulator', function () {
  this.timeout(120_000);
  let emu: BigQueryEmulator;
  let dir: string;

  before(async function () {
    if (!existsSync(BQ)) this.skip();
    emu = await startBigQueryEmulator({ port: 0 });
    dir = mkdtempSync(path.join(tmpdir(), 'bq-cli-'));
    writeFileSync(path.join(dir, 'token'), 'dummy-token\n');
    // bq runs `gcloud config list` on every call (a second Python start, seconds
    // on a busy machine); a stand-in answering "no configuration" keeps the
    // suite fast and independent of this machine's gcloud settings.
    mkdirSync(path.join(dir, 'bin'));
    writeFileSync(path.join(dir, 'bin', 'gcloud'), '#!/bin/sh\necho "{}"\n', { mode: 0o755 });
  });

  after(async () => {
    await emu?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  // No real credentials: bq sends a dummy token as is. --oauth_access_token
  // saves bq a `gcloud auth print-access-token` run (seconds); the token file
  // (CLOUDSDK_AUTH_ACCESS_TOKEN_FILE) works too and is used for the first call.
  async function bq(...args: string[]): Promise<{ code: number | string; out: string }> {
    return bqWith(['--oauth_access_token=dummy'], {}, args);
  }

  async function bqWith(auth: string[], env: Record<string, string>, args: string[]): Promise<{ code: number | string; out: string }> {
    const lines: string[] = [];
    const p = startProcess({
      name: 'bq',
      command: BQ,
      args: [`--api=${emu.url}`, '--project_id=demo-iot', '--headless', ...auth, ...args],
      env: { ...process.env, PATH: `${path.join(dir, 'bin')}:${process.env.PATH ?? ''}`, CLOUDSDK_CONFIG: path.join(dir, 'gcloud'), BIGQUERYRC: path.join(dir, 'bigqueryrc'), ...env },
      onLine: (l) => lines.push(l),
    });
    const code = await p.exited;
    return { code, out: lines.join('\n') };
  }

  it('mk creates a dataset and a partitioned, clustered table; ls lists them', async () => {
    const mkDs = await bqWith([], { CLOUDSDK_AUTH_ACCESS_TOKEN_FILE: path.join(dir, 'token') }, ['mk', '--dataset', 'telemetry']);
    assert.equal(mkDs.code, 0, mkDs.out);
    assert.match(mkDs.out, /Dataset 'demo-iot:telemetry' successfully created/);
    const mkT = await bq('mk', '--table', '--time_partitioning_field=event_time', '--clustering_fields=device_id', 'telemetry.readings', 'device_id:STRING,value:FLOAT,event_time:TIMESTAMP,seq:INTEGER');
    assert.equal(mkT.code, 0, mkT.out);
    const ls = await bq('ls');
    assert.equal(ls.code, 0, ls.out);
    assert.match(ls.out, /datasetId\s+-+\s+telemetry/);
    const lsT = await bq('--format=json', 'ls', 'telemetry');
    assert.equal(lsT.code, 0, lsT.out);
    const tables = JSON.parse(lsT.out) as { tableReference: { tableId: string }; timePartitioning: { field: string }; clustering: { fields: string[] } }[];
    assert.deepEqual(
      tables.map((t) => [t.tableReference.tableId, t.timePartitioning.field, t.clustering.fields]),
      [['readings', 'event_time', ['device_id']]],
    );
  });

  it('query inserts and selects (standard SQL), show and head read the table', async () => {
    const ins = await bq('query', '--nouse_legacy_sql', "INSERT INTO telemetry.readings (device_id, value, event_time, seq) VALUES ('d1', 21.5, '2026-11-24 20:00:00', 1), ('d2', NULL, '2026-11-24 21:30:00', 2)");
    assert.equal(ins.code, 0, ins.out);
    assert.match(ins.out, /Number of affected rows: 2/);
    const q = await bq('--format=json', 'query', '--nouse_legacy_sql', 'SELECT device_id, value, TIMESTAMP_TRUNC(event_time, HOUR) AS h, seq FROM `demo-iot.telemetry.readings` ORDER BY seq');
    assert.equal(q.code, 0, q.out);
    assert.deepEqual(JSON.parse(q.out), [
      { device_id: 'd1', value: '21.5', h: '2026-11-24 20:00:00', seq: '1' },
      { device_id: 'd2', value: null, h: '2026-11-24 21:00:00', seq: '2' },
    ]);
    const show = await bq('--format=json', 'show', 'telemetry.readings');
    assert.equal(show.code, 0, show.out);
    const meta = JSON.parse(show.out) as { numRows: string; schema: { fields: { name: string; type: string }[] }; timePartitioning: { type: string } };
    assert.equal(meta.numRows, '2');
    assert.deepEqual(meta.schema.fields.map((f) => `${f.name}:${f.type}`), ['device_id:STRING', 'value:FLOAT', 'event_time:TIMESTAMP', 'seq:INTEGER']);
    assert.equal(meta.timePartitioning.type, 'DAY');
    const head = await bq('head', 'telemetry.readings');
    assert.equal(head.code, 0, head.out);
    assert.match(head.out, /\| d1 +\| +21\.5 \| 2026-11-24 20:00:00 \| +1 \|/);
    assert.match(head.out, /\| d2 +\| +NULL \| 2026-11-24 21:30:00 \| +2 \|/);
  });

  it('load uploads a local CSV file (the resumable upload protocol) into a new table', async () => {
    const csv = path.join(dir, 'in.csv');
    writeFileSync(csv, 'name,n\na,1\n"b, quoted",2\n');
    const load = await bq('load', '--source_format=CSV', '--skip_leading_rows=1', 'telemetry.loaded', csv, 'name:STRING,n:INTEGER');
    assert.equal(load.code, 0, load.out);
    const q = await bq('--format=json', 'query', '--nouse_legacy_sql', 'SELECT name, n FROM telemetry.loaded ORDER BY n');
    assert.equal(q.code, 0, q.out);
    assert.deepEqual(JSON.parse(q.out), [
      { name: 'a', n: '1' },
      { name: 'b, quoted', n: '2' },
    ]);
  });

  it('prints the BigQuery error for a missing table', async () => {
    const missing = await bq('query', '--nouse_legacy_sql', 'SELECT * FROM telemetry.nope');
    assert.notEqual(missing.code, 0);
    assert.match(missing.out.replace(/\n/g, ''), /Not found: Table demo-iot:telemetry\.nope was not found in location US/);
  });
});
