// DDL in SQL through jobs.query and the Node client: what each statement
// leaves in the catalog is read back through the tables API (schema,
// partitioning, clustering, options) and the rows through queries.
import assert from 'node:assert/strict';
import { BigQuery, type Dataset } from '@google-cloud/bigquery';
import { startBigQueryEmulator, type BigQueryEmulator } from '../../../emulators/bigquery/server.js';
import { rejects } from './api-error.js';

type Meta = { schema: { fields: { name: string; type: string; mode: string; fields?: unknown[]; description?: string }[] }; type: string; timePartitioning?: unknown; clustering?: unknown; description?: string; labels?: unknown };

describe('integration: BigQuery emulator DDL in SQL (CREATE/DROP/ALTER/TRUNCATE)', function () {
  this.timeout(60_000);
  let emu: BigQueryEmulator;
  let bq: BigQuery;
  let ds: Dataset;

  const q = async (query: string): Promise<Record<string, unknown>[]> => (await bq.query({ query, useLegacySql: false }))[0] as Record<string, unknown>[];
  const meta = async (table: string): Promise<Meta> => (await ds.table(table).getMetadata())[0] as Meta;
  const statement = async (query: string): Promise<{ statementType?: string }> => {
    const [job] = await bq.createQueryJob({ query, useLegacySql: false });
    await job.getQueryResults();
    const [m] = await job.getMetadata();
    return (m as { statistics: { query: { statementType?: string } } }).statistics.query;
  };

  before(async () => {
    emu = await startBigQueryEmulator({ port: 0 });
    bq = new BigQuery({ projectId: 'demo-iot', apiEndpoint: emu.url });
    [ds] = await bq.createDataset('ddl');
  });
  after(async () => {
    await emu?.close();
  });

  it('CREATE TABLE with columns, PARTITION BY, CLUSTER BY and OPTIONS makes the table the tables API shows', async () => {
    const s = await statement(`CREATE TABLE ddl.readings (
        device_id STRING NOT NULL OPTIONS(description = 'the sending device'),
        event_time TIMESTAMP NOT NULL,
        value FLOAT64,
        tags ARRAY<STRING>,
        pos STRUCT<lat FLOAT64, lon FLOAT64>,
        note STRING(40)
      )
      PARTITION BY DATE(event_time)
      CLUSTER BY device_id
      OPTIONS(description = 'sensor readings', labels = [('team', 'iot')], partition_expiration_days = 30)`);
    assert.equal(s.statementType, 'CREATE_TABLE');
    const m = await meta('readings');
    assert.equal(m.type, 'TABLE');
    assert.deepEqual(
      m.schema.fields.map((f) => [f.name, f.type, f.mode]),
      [
        ['device_id', 'STRING', 'REQUIRED'],
        ['event_time', 'TIMESTAMP', 'REQUIRED'],
        ['value', 'FLOAT', 'NULLABLE'],
        ['tags', 'STRING', 'REPEATED'],
        ['pos', 'RECORD', 'NULLABLE'],
        ['note', 'STRING', 'NULLABLE'],
      ],
    );
    assert.equal(m.schema.fields[0]!.description, 'the sending device');
    assert.deepEqual(m.timePartitioning, { type: 'DAY', field: 'event_time', expirationMs: String(30 * 86400000) });
    assert.deepEqual(m.clustering, { fields: ['device_id'] });
    assert.equal(m.description, 'sensor readings');
    assert.deepEqual(m.labels, { team: 'iot' });

    await q(`INSERT INTO ddl.readings (device_id, event_time, value, tags) VALUES ('d1', TIMESTAMP '2026-01-01 00:00:00+00', 1.5, ['a'])`);
    assert.deepEqual(await q('SELECT device_id, value, tags FROM ddl.readings'), [{ device_id: 'd1', value: 1.5, tags: ['a'] }]);
  });

  it('IF NOT EXISTS skips an existing table, a plain CREATE of one is 409, OR REPLACE ... AS SELECT replaces it with the rows', async () => {
    await q('CREATE TABLE IF NOT EXISTS ddl.readings (x INT64)');
    assert.equal((await meta('readings')).schema.fields.length, 6);
    const dup = await rejects(q('CREATE TABLE ddl.readings (x INT64)'));
    assert.equal(dup.code, 409);
    const s = await statement(`CREATE OR REPLACE TABLE ddl.readings PARTITION BY DATE(t) AS
        SELECT n AS id, TIMESTAMP_ADD(TIMESTAMP '2026-01-01 00:00:00+00', INTERVAL n HOUR) AS t FROM UNNEST(GENERATE_ARRAY(1, 3)) AS n`);
    assert.equal(s.statementType, 'CREATE_TABLE_AS_SELECT');
    const m = await meta('readings');
    assert.deepEqual(m.schema.fields.map((f) => [f.name, f.type]), [['id', 'INTEGER'], ['t', 'TIMESTAMP']]);
    assert.deepEqual(m.timePartitioning, { type: 'DAY', field: 't' });
    assert.deepEqual((await q('SELECT id FROM ddl.readings ORDER BY id')).map((r) => r.id), [1, 2, 3]);
  });

  it('refuses partitioning on a non-time column, clustering on a missing one, and unknown options, naming them', async () => {
    assert.match((await rejects(q('CREATE TABLE ddl.bad (x INT64) PARTITION BY x'))).message, /PARTITION BY .*DATE, TIMESTAMP or DATETIME/);
    assert.match((await rejects(q('CREATE TABLE ddl.bad (x INT64) CLUSTER BY y'))).message, /CLUSTER BY column y/);
    assert.match((await rejects(q("CREATE TABLE ddl.bad (x INT64) OPTIONS(kms_key_name = 'k')"))).message, /OPTIONS\(kms_key_name\)/);
    assert.match((await rejects(q('CREATE TEMP TABLE bad (x INT64)'))).message, /script/);
    await assert.rejects(ds.table('bad').getMetadata(), /Not found/);
  });

  it('CREATE [OR REPLACE] VIEW, DROP VIEW / DROP TABLE [IF EXISTS], and the wrong DROP for the kind', async () => {
    assert.equal((await statement('CREATE VIEW ddl.v AS SELECT id * 10 AS x FROM ddl.readings')).statementType, 'CREATE_VIEW');
    assert.equal((await meta('v')).type, 'VIEW');
    assert.deepEqual((await q('SELECT x FROM ddl.v ORDER BY x')).map((r) => r.x), [10, 20, 30]);
    await q('CREATE OR REPLACE VIEW ddl.v AS SELECT id FROM ddl.readings WHERE id > 2');
    assert.deepEqual(await q('SELECT * FROM ddl.v'), [{ id: 3 }]);
    assert.match((await rejects(q('DROP TABLE ddl.v'))).message, /is a view: use DROP VIEW/);
    assert.equal((await statement('DROP VIEW ddl.v')).statementType, 'DROP_VIEW');
    await assert.rejects(ds.table('v').getMetadata(), /Not found/);
    await q('DROP VIEW IF EXISTS ddl.v');
    assert.equal((await rejects(q('DROP TABLE ddl.nope'))).code, 404);
  });

  it('ALTER TABLE ADD COLUMN [IF NOT EXISTS] adds NULLABLE and REPEATED columns, refuses NOT NULL; TRUNCATE TABLE empties it', async () => {
    assert.equal((await statement('ALTER TABLE ddl.readings ADD COLUMN note STRING, ADD COLUMN IF NOT EXISTS id INT64, ADD COLUMN tags ARRAY<INT64>')).statementType, 'ALTER_TABLE');
    assert.deepEqual((await meta('readings')).schema.fields.map((f) => [f.name, f.mode]), [['id', 'NULLABLE'], ['t', 'NULLABLE'], ['note', 'NULLABLE'], ['tags', 'REPEATED']]);
    await q("UPDATE ddl.readings SET note = 'n' WHERE id = 1");
    assert.deepEqual(await q('SELECT id, note, tags FROM ddl.readings WHERE id = 1'), [{ id: 1, note: 'n', tags: [] }]);
    assert.match((await rejects(q('ALTER TABLE ddl.readings ADD COLUMN must STRING NOT NULL'))).message, /REQUIRED/);
    assert.match((await rejects(q('ALTER TABLE ddl.readings ADD COLUMN note STRING'))).message, /already exists/);
    assert.match((await rejects(q('ALTER TABLE ddl.readings DROP COLUMN note'))).message, /not supported/);
    assert.equal((await statement('TRUNCATE TABLE ddl.readings')).statementType, 'TRUNCATE_TABLE');
    assert.deepEqual(await q('SELECT COUNT(*) AS n FROM ddl.readings'), [{ n: 0 }]);
    await q('DROP TABLE ddl.readings');
    await assert.rejects(ds.table('readings').getMetadata(), /Not found/);
  });

  it('INFORMATION_SCHEMA.TABLES, COLUMNS and JOBS describe the catalog and the job store', async () => {
    await q('CREATE TABLE ddl.t1 (id INT64 NOT NULL, at TIMESTAMP, tags ARRAY<STRING>, pos STRUCT<lat FLOAT64, ok BOOL>) PARTITION BY DATE(at) CLUSTER BY id');
    await q('CREATE VIEW ddl.v1 AS SELECT id FROM ddl.t1');
    const tables = await q('SELECT table_catalog, table_schema, table_name, table_type, is_insertable_into FROM ddl.INFORMATION_SCHEMA.TABLES ORDER BY table_name');
    assert.deepEqual(tables, [
      { table_catalog: 'demo-iot', table_schema: 'ddl', table_name: 't1', table_type: 'BASE TABLE', is_insertable_into: 'YES' },
      { table_catalog: 'demo-iot', table_schema: 'ddl', table_name: 'v1', table_type: 'VIEW', is_insertable_into: 'NO' },
    ]);
    const cols = await q("SELECT column_name, ordinal_position, is_nullable, data_type, is_partitioning_column, clustering_ordinal_position FROM `demo-iot.ddl.INFORMATION_SCHEMA.COLUMNS` WHERE table_name = 't1' ORDER BY ordinal_position");
    assert.deepEqual(cols, [
      { column_name: 'id', ordinal_position: 1, is_nullable: 'NO', data_type: 'INT64', is_partitioning_column: 'NO', clustering_ordinal_position: 1 },
      { column_name: 'at', ordinal_position: 2, is_nullable: 'YES', data_type: 'TIMESTAMP', is_partitioning_column: 'YES', clustering_ordinal_position: null },
      { column_name: 'tags', ordinal_position: 3, is_nullable: 'YES', data_type: 'ARRAY<STRING>', is_partitioning_column: 'NO', clustering_ordinal_position: null },
      { column_name: 'pos', ordinal_position: 4, is_nullable: 'YES', data_type: 'STRUCT<lat FLOAT64, ok BOOL>', is_partitioning_column: 'NO', clustering_ordinal_position: null },
    ]);
    const jobs = await q("SELECT job_type, statement_type, state, query FROM `region-us`.INFORMATION_SCHEMA.JOBS WHERE query LIKE 'CREATE VIEW ddl.v1%'");
    assert.deepEqual(jobs, [{ job_type: 'QUERY', statement_type: 'CREATE_VIEW', state: 'DONE', query: 'CREATE VIEW ddl.v1 AS SELECT id FROM ddl.t1' }]);
    assert.match((await rejects(q('SELECT * FROM ddl.INFORMATION_SCHEMA.JOBS'))).message, /region/);
    assert.match((await rejects(q('SELECT * FROM ddl.INFORMATION_SCHEMA.ROUTINES'))).message, /ROUTINES is not supported/);
  });
});
