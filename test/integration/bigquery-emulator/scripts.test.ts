// Multi-statement scripts through jobs.query and the Node client: variables,
// control flow and temp tables, with the expected rows worked out here.
import assert from 'node:assert/strict';
import { BigQuery } from '@google-cloud/bigquery';
import { startBigQueryEmulator, type BigQueryEmulator } from '../../../emulators/bigquery/server.js';
import { rejects } from './api-error.js';

describe('integration: BigQuery emulator multi-statement scripts', function () {
  this.timeout(60_000);
  let emu: BigQueryEmulator;
  let bq: BigQuery;
  const q = async (query: string, params?: Record<string, unknown>): Promise<Record<string, unknown>[]> =>
    (await bq.query({ query, useLegacySql: false, ...(params ? { params } : {}) }))[0] as Record<string, unknown>[];

  before(async () => {
    emu = await startBigQueryEmulator({ port: 0 });
    bq = new BigQuery({ projectId: 'demo-iot', apiEndpoint: emu.url });
    await bq.createDataset('s');
  });
  after(async () => {
    await emu?.close();
  });

  it('DECLARE, SET, WHILE with CONTINUE, IF, a temp table and a final SELECT as the result', async () => {
    const rows = await q(`
      DECLARE i INT64 DEFAULT 0;
      DECLARE total INT64 DEFAULT 0;
      CREATE TEMP TABLE squares (n INT64, sq INT64);
      WHILE i < 5 DO
        SET i = i + 1;
        IF MOD(i, 2) = 0 THEN
          CONTINUE;
        END IF;
        INSERT INTO squares VALUES (i, i * i);
        SET total = total + i * i;
      END WHILE;
      SELECT n, sq, total FROM squares ORDER BY n;`);
    const odd = [1, 3, 5];
    const total = odd.reduce((a, n) => a + n * n, 0);
    assert.deepEqual(rows, odd.map((n) => ({ n, sq: n * n, total })));
    // The temp table's dataset is gone with the script.
    const [datasets] = await bq.getDatasets();
    assert.deepEqual(datasets.map((d) => d.id), ['s']);
  });

  it('LOOP with BREAK, IF/ELSEIF/ELSE, CASE in a condition, a named parameter, a script ending in DML', async () => {
    const rows = await q(
      `DECLARE n INT64 DEFAULT 0;
       DECLARE label STRING;
       DECLARE day DATE DEFAULT @day;
       LOOP
         SET n = n + 1;
         IF n >= 4 THEN BREAK; END IF;
       END LOOP;
       IF (CASE WHEN n > 10 THEN 'big' ELSE 'small' END) = 'big' THEN SET label = 'big';
       ELSEIF n = 4 THEN SET label = 'four';
       ELSE SET label = 'other';
       END IF;
       SELECT n, label, DATE_ADD(day, INTERVAL n DAY) AS later;`,
      { day: bq.date('2026-01-30') },
    );
    assert.deepEqual(rows.map((r) => [r.n, r.label, (r.later as { value: string }).value]), [[4, 'four', '2026-02-03']]);

    await q('CREATE TABLE s.t (x INT64)');
    const [job] = await bq.createQueryJob({ query: 'DECLARE k INT64 DEFAULT 7; INSERT INTO s.t VALUES (k); INSERT INTO s.t VALUES (k + 1);', useLegacySql: false });
    const [none] = await job.getQueryResults();
    assert.deepEqual(none, []);
    const [m] = await job.getMetadata();
    assert.equal((m as { statistics: { query: { statementType: string } } }).statistics.query.statementType, 'SCRIPT');
    assert.deepEqual((await q('SELECT x FROM s.t ORDER BY x')).map((r) => r.x), [7, 8]);
  });

  it('refuses what it does not run, naming it, and stops a runaway loop', async () => {
    assert.match((await rejects(q('DECLARE x; SELECT 1;'))).message, /type or a DEFAULT/);
    assert.match((await rejects(q('SET y = 1; SELECT 1;'))).message, /Unrecognized variable: y/);
    assert.match((await rejects(q('BEGIN TRANSACTION; SELECT 1; COMMIT TRANSACTION;'))).message, /Transactions/);
    assert.match((await rejects(q('FOR r IN (SELECT 1 AS a) DO SELECT r.a; END FOR;'))).message, /FOR in scripts is not supported/);
    assert.match((await rejects(q('DECLARE i INT64 DEFAULT 0; WHILE TRUE DO SET i = i + 1; END WHILE;'))).message, /more than 1000 times/);
  });
});
