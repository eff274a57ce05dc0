// `npm run query` against the project's BigQuery emulator, run as a child
// process the way an analyst runs it: every named example query prints a
// table, the numbers are the ones the seeded rows imply, and the other
// formats and the failure paths behave.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startBigQueryEmulator, type BigQueryEmulator } from '../../emulators/bigquery/server.js';
import { DATASET, TABLES } from '../../functions/lib/names.js';
import { bigqueryClient } from '../../tools/lib/emulator-clients.js';
import { createDatasetAndTables } from '../../tools/emulate/provision.js';
import { EXAMPLES } from '../../tools/query/examples.js';
import { freePort } from '../../tools/lib/ports.js';
import { runCli } from '../support/run-cli.js';

const MIN = 60_000;

describe('integration: query tool (npm run query) on the BigQuery emulator', function () {
  this.timeout(120_000);
  let emu: BigQueryEmulator;
  const projectId = `demo-qt-${randomBytes(4).toString('hex')}`;
  const now = Date.now();
  let env: NodeJS.ProcessEnv;

  before(async () => {
    emu = await startBigQueryEmulator({ port: 0 });
    env = { ...process.env, BIGQUERY_EMULATOR_HOST: emu.url };
    const bq = bigqueryClient({ projectId, bigqueryUrl: emu.url, pubsubHost: '', firestoreHost: '' });
    await createDatasetAndTables(bq);
    const rows: { insertId: string; json: Record<string, unknown> }[] = [];
    const reading = (device: string, tenant: string, site: string, metric: string, seq: number, value: number, at: number, lateMs = 500) =>
      rows.push({
        insertId: `${device}:${seq}:${metric}`,
        json: { event_id: `${device}:${seq}`, tenant_id: tenant, device_id: device, metric, value, unit: null, event_time: new Date(at).toISOString(), ingest_time: new Date(at + lateMs).toISOString(), site, model: 'th-200', seq },
      });
    // acme-sensor-01: 30 calm temperature readings a minute apart, then one spike of 60; 5 of them arrived 5 minutes late.
    for (let i = 0; i < 30; i++) reading('acme-sensor-01', 'acme', 'acme-berlin', 'temperature', i, 20 + (i % 3) * 0.1, now - (32 - i) * MIN, i < 5 ? 5 * MIN : 500);
    reading('acme-sensor-01', 'acme', 'acme-berlin', 'temperature', 30, 60, now - 2 * MIN);
    // globex-sensor-02: humidity 1..40.
    for (let i = 0; i < 40; i++) reading('globex-sensor-02', 'globex', 'globex-osaka', 'humidity', i, i + 1, now - (45 - i) * MIN);
    // initech-sensor-03: silent for two hours.
    for (let i = 0; i < 3; i++) reading('initech-sensor-03', 'initech', 'initech-dublin', 'temperature', i, 18, now - 120 * MIN - i * MIN);
    await bq.dataset(DATASET).table(TABLES.readings).insert(rows, { raw: true });
    const dl = [0, 1, 2].map((i) => ({
      insertId: `dl-${i}`,
      json: { received_at: new Date(now - i * MIN).toISOString(), stage: 'enrich', reason: 'unknown-device', detail: null, device_id: `ghost-${i}`, event_id: null, message_id: `m${i}`, attributes: '{}', payload: Buffer.from('{}').toString('base64'), payload_size: 2, payload_sha256: '44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a', payload_truncated: false },
    }));
    await bq.dataset(DATASET).table(TABLES.deadLetter).insert(dl, { raw: true });
  });

  after(async () => {
    await emu?.close();
  });

  const query = (...args: string[]) => runCli('query', [...args, '--project', projectId], env);

  /** The printed table back as records (cells are separated by two or more spaces; none holds two). */
  function parseTable(stdout: string): Record<string, string>[] {
    const lines = stdout.split('\n');
    const header = (lines[0] ?? '').trim().split(/\s{2,}/);
    return lines.slice(2).filter(Boolean).map((l) => {
      const cells = l.trim().split(/\s{2,}/);
      assert.equal(cells.length, header.length, `row ${l}`);
      return Object.fromEntries(header.map((h, i) => [h, cells[i] ?? '']));
    });
  }

  const printed = new Map<string, Record<string, string>[]>();
  for (const ex of EXAMPLES) {
    it(`--example ${ex.name} runs and prints an aligned table`, async () => {
      const r = await query('--example', ex.name);
      assert.equal(r.code, 0, r.stderr);
      const lines = r.stdout.split('\n');
      assert.match(lines[1] ?? '', /^-+( {2}-+)+$/);
      // Columns are aligned: no line is wider than the rule under the header.
      for (const l of lines.slice(2).filter(Boolean)) assert.ok(l.length <= (lines[1] ?? '').length, l);
      const rows = parseTable(r.stdout);
      assert.ok(rows.length >= 1, `${ex.name} printed no rows:\n${r.stdout}`);
      assert.match(r.stderr, new RegExp(`\\(${rows.length} rows?, \\d+ ms\\)`));
      printed.set(ex.name, rows);
    });
  }

  const rowsOf = (name: string): Record<string, string>[] => {
    const rows = printed.get(name);
    assert.ok(rows, `${name} did not run`);
    return rows;
  };

  it('hourly-avg counts every reading of the last 24 hours', () => {
    assert.equal(rowsOf('hourly-avg').reduce((n, r) => n + Number(r.readings), 0), 31 + 40 + 3);
  });

  it('p95-by-site: humidity 1..40 at globex-osaka has p50 about 20 and p95 about 38', () => {
    const row = rowsOf('p95-by-site').find((r) => r.site === 'globex-osaka' && r.metric === 'humidity');
    assert.ok(row);
    assert.equal(Number(row.readings), 40);
    assert.ok(Math.abs(Number(row.p50) - 20.5) <= 1, `p50 ${row.p50}`);
    assert.ok(Math.abs(Number(row.p95) - 38) <= 1, `p95 ${row.p95}`);
    assert.equal(Number(row.max_value), 40);
  });

  it('silent-devices finds only the device silent for two hours', () => {
    const rows = rowsOf('silent-devices');
    assert.deepEqual(rows.map((r) => r.device_id), ['initech-sensor-03']);
    const m = Number(rows[0]?.minutes_silent);
    // Seeded 120 minutes before `now`; the query ran some minutes later on a loaded machine.
    const elapsed = Math.ceil((Date.now() - now) / 60_000);
    assert.ok(m >= 119 && m <= 121 + elapsed, `minutes_silent ${m} (seeded ${elapsed} min ago)`);
  });

  it('anomalies flags the spike and nothing else', () => {
    const rows = rowsOf('anomalies');
    assert.equal(rows.length, 1);
    assert.equal(rows[0]?.device_id, 'acme-sensor-01');
    assert.equal(Number(rows[0]?.value), 60);
    assert.ok(Number(rows[0]?.z_score) > 4);
  });

  it('late-arrivals counts the 5 late acme events', () => {
    const acme = rowsOf('late-arrivals').find((r) => r.tenant_id === 'acme');
    assert.equal(Number(acme?.late_events), 5);
    assert.equal(Number(acme?.events), 31);
    assert.equal(Number(acme?.worst_delay_s), 300);
  });

  it('deadletter-reasons groups the dead letters', () => {
    assert.deepEqual(rowsOf('deadletter-reasons').map((r) => [r.stage, r.reason, Number(r.messages), Number(r.devices)]), [['enrich', 'unknown-device', 3, 3]]);
  });

  it('ad-hoc SQL with --format json', async () => {
    const r = await query(`SELECT device_id, MAX(value) AS top FROM \`${projectId}.telemetry.readings\` GROUP BY device_id ORDER BY device_id`, '--format', 'json');
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), [
      { device_id: 'acme-sensor-01', top: 60 },
      { device_id: 'globex-sensor-02', top: 40 },
      { device_id: 'initech-sensor-03', top: 18 },
    ]);
  });

  it('ad-hoc SQL with --format csv', async () => {
    const r = await query(`SELECT metric, COUNT(*) AS n FROM \`${projectId}.telemetry.readings\` GROUP BY metric ORDER BY metric`, '--format', 'csv');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'metric,n\nhumidity,40\ntemperature,34');
  });

  it('a bad query exits 1 with the error; a usage error exits 2', async () => {
    const bad = await query('SELECT nope FROM `' + projectId + '.telemetry.readings`');
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /query failed/);
    const usage = await query('--example', 'no-such-example');
    assert.equal(usage.code, 2);
  });

  it('a stack that is not running exits 1 with a clear message', async () => {
    const port = await freePort();
    const r = await runCli('query', ['--example', 'hourly-avg'], { ...process.env, BIGQUERY_EMULATOR_HOST: `http://127.0.0.1:${port}` });
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`BigQuery emulator not reachable at 127\\.0\\.0\\.1:${port} — start the local stack with \`npm run emulate\``));
  });
});
