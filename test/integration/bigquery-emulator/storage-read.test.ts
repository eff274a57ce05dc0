// The emulator's Storage Read API (gRPC, Arrow) through the official client
// (@google-cloud/bigquery-storage's ReadClient and BigQueryReadClient): every
// scalar type read back exactly, selected fields, a GoogleSQL row restriction,
// offsets, and BigQuery's errors for what it does not read.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { BigQuery, type Dataset } from '@google-cloud/bigquery';
import { BigQueryReadClient, protos, reader } from '@google-cloud/bigquery-storage';
import { credentials } from '@grpc/grpc-js';
import { RecordBatchReader } from 'apache-arrow';
import { startBigQueryEmulator, type BigQueryEmulator } from '../../../emulators/bigquery/server.js';

describe('integration: BigQuery emulator Storage Read API through the official client', function () {
  this.timeout(60_000);
  let emu: BigQueryEmulator;
  let bq: BigQuery;
  let ds: Dataset;
  let low: BigQueryReadClient;
  let client: reader.ReadClient;
  const projectId = `demo-iot-${randomBytes(3).toString('hex')}`;
  const endpoint = (): { apiEndpoint: string; port: number; sslCreds: ReturnType<typeof credentials.createInsecure>; projectId: string } => ({
    projectId,
    apiEndpoint: '127.0.0.1',
    port: emu.grpcPort,
    sslCreds: credentials.createInsecure(),
  });

  before(async () => {
    emu = await startBigQueryEmulator({ port: 0, grpcPort: 0 });
    bq = new BigQuery({ projectId, apiEndpoint: emu.url });
    [ds] = await bq.createDataset('rd');
    await ds.createTable('t', {
      schema: {
        fields: [
          { name: 'id', type: 'STRING', mode: 'REQUIRED' },
          { name: 'n', type: 'INTEGER' },
          { name: 'f', type: 'FLOAT' },
          { name: 'b', type: 'BOOLEAN' },
          { name: 'num', type: 'NUMERIC' },
          { name: 'ts', type: 'TIMESTAMP' },
          { name: 'd', type: 'DATE' },
          { name: 'dt', type: 'DATETIME' },
          { name: 'tm', type: 'TIME' },
          { name: 'raw', type: 'BYTES' },
          { name: 'j', type: 'JSON' },
          { name: 'tags', type: 'STRING', mode: 'REPEATED' },
        ],
      },
    });
    const rows = Array.from({ length: 2500 }, (_, i) => ({
      insertId: `r${i}`,
      json: {
        id: `r${String(i).padStart(4, '0')}`,
        n: i === 1 ? '-9007199254740993' : i,
        f: i / 4,
        b: i % 2 === 0,
        num: i === 1 ? '-12345.000000001' : `${i}.5`,
        ts: i === 1 ? '2026-11-24T20:00:00.123456Z' : new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString(),
        d: '2026-11-24',
        dt: '2026-11-24 20:00:00.25',
        tm: '23:59:59.999999',
        raw: Buffer.from([i % 256, 0, 255]).toString('base64'),
        j: '{"k":[1,2]}',
      },
    }));
    rows.push({ insertId: 'nulls', json: { id: 'zzzz' } as never });
    await ds.table('t').insert(rows, { raw: true });
    low = new BigQueryReadClient(endpoint());
    client = new reader.ReadClient(endpoint());
  });

  after(async () => {
    await low?.close();
    client?.close();
    await emu?.close();
  });

  async function readAll(session: protos.google.cloud.bigquery.storage.v1.IReadSession, offset = 0): Promise<Record<string, unknown>[]> {
    const schema = Buffer.from(session.arrowSchema!.serializedSchema as Uint8Array);
    const out: Record<string, unknown>[] = [];
    for await (const res of low.readRows({ readStream: session.streams![0]!.name!, offset })) {
      const batch = Buffer.from(res.arrowRecordBatch!.serializedRecordBatch as Uint8Array);
      for (const b of RecordBatchReader.from(Buffer.concat([schema, batch])).readAll()) for (const row of b.toArray()) out.push(row.toJSON() as Record<string, unknown>);
    }
    return out;
  }

  it('reads every scalar type exactly (Arrow: int64, decimal128, timestamp[us, UTC], date32, time64[us], binary)', async () => {
    const [session] = await low.createReadSession({
      parent: `projects/${projectId}`,
      readSession: { table: `projects/${projectId}/datasets/rd/tables/t`, dataFormat: 'ARROW', readOptions: { selectedFields: ['id', 'n', 'f', 'b', 'num', 'ts', 'd', 'dt', 'tm', 'raw', 'j'], rowRestriction: "id IN ('r0001', 'zzzz')" } },
      maxStreamCount: 1,
    });
    assert.equal(session.streams?.length, 1);
    const rows = await readAll(session);
    assert.equal(rows.length, 2);
    const r1 = rows.find((r) => r.id === 'r0001')!;
    assert.equal(r1.n, -9007199254740993n);
    assert.equal(r1.f, 0.25);
    assert.equal(r1.b, false);
    // decimal128(38, 9): the unscaled value in four 32-bit words, little-endian.
    const words = Array.from(r1.num as Uint32Array);
    const unscaled = BigInt.asIntN(128, words.reduceRight((acc, w) => (acc << 32n) | BigInt(w), 0n));
    assert.equal(unscaled, -12345000000001n);
    // apache-arrow hands timestamps and times back as (fractional) milliseconds: micros survive.
    assert.ok(Math.abs((r1.ts as number) - (Date.UTC(2026, 10, 24, 20, 0, 0, 123) + 0.456)) < 1e-3, String(r1.ts));
    assert.equal(r1.d, Date.UTC(2026, 10, 24), 'date32 as epoch milliseconds (apache-arrow)');
    assert.equal(r1.dt, Date.UTC(2026, 10, 24, 20, 0, 0, 250));
    assert.equal(Number(r1.tm), 86399999999, 'time64[us]');
    assert.deepEqual(Buffer.from(r1.raw as Uint8Array), Buffer.from([1, 0, 255]));
    assert.equal(r1.j, '{"k":[1,2]}');
    assert.deepEqual(rows.find((r) => r.id === 'zzzz'), { id: 'zzzz', n: null, f: null, b: null, num: null, ts: null, d: null, dt: null, tm: null, raw: null, j: null });
  });

  it('streams a whole table in batches through the ReadClient, and resumes at an offset', async () => {
    const [session] = await low.createReadSession({
      parent: `projects/${projectId}`,
      readSession: { table: `projects/${projectId}/datasets/rd/tables/t`, dataFormat: 'ARROW', readOptions: { selectedFields: ['id', 'n'], rowRestriction: 'n >= 100' } },
    });
    const all = await readAll(session);
    assert.equal(all.length, 2400);
    assert.deepEqual(new Set(all.map((r) => Number(r.n))).size, 2400);
    assert.equal((await readAll(session, 2000)).length, 400, 'from offset 2000');

    const tr = await client.createArrowTableReader({ table: { projectId, datasetId: 'rd', tableId: 't' } });
    const stream = await tr.getRecordBatchStream({ selectedFields: 'id,f' } as never);
    let n = 0;
    let batches = 0;
    for await (const b of stream) {
      batches++;
      n += (b as { numRows: number }).numRows;
    }
    tr.close();
    assert.equal(n, 2501);
    assert.ok(batches >= 3, `${batches} record batches`);
  });

  it('answers BigQuery errors: unknown table, unknown column, a bad restriction, REPEATED columns, Avro', async () => {
    const create = (readSession: Record<string, unknown>) =>
      low.createReadSession({ parent: `projects/${projectId}`, readSession }).then(
        () => null,
        (e: { code?: number; details?: string }) => e,
      );
    assert.equal((await create({ table: `projects/${projectId}/datasets/rd/tables/nope`, dataFormat: 'ARROW' }))?.code, 5);
    assert.match(String((await create({ table: `projects/${projectId}/datasets/rd/tables/t`, dataFormat: 'ARROW', readOptions: { selectedFields: ['nope'] } }))?.details), /no column nope/);
    assert.match(String((await create({ table: `projects/${projectId}/datasets/rd/tables/t`, dataFormat: 'ARROW', readOptions: { selectedFields: ['id'], rowRestriction: 'missing_col = 1' } }))?.details), /missing_col/);
    assert.equal((await create({ table: `projects/${projectId}/datasets/rd/tables/t`, dataFormat: 'ARROW' }))?.code, 12, 'REPEATED tags: UNIMPLEMENTED, named');
    assert.equal((await create({ table: `projects/${projectId}/datasets/rd/tables/t`, dataFormat: 'AVRO', readOptions: { selectedFields: ['id'] } }))?.code, 12);
  });
});
