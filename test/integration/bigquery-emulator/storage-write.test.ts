// The emulator's Storage Write API (gRPC) through the official client's
// managed writer (@google-cloud/bigquery-storage): every column type, nested
// and repeated fields, offsets (ALREADY_EXISTS, OUT_OF_RANGE), committed,
// pending and buffered streams, finalize and batch commit, row errors and
// schema mismatches. What was written is read back through the REST API.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { BigQuery, type Dataset } from '@google-cloud/bigquery';
import { adapt, managedwriter, protos } from '@google-cloud/bigquery-storage';
import { credentials } from '@grpc/grpc-js';
import { startBigQueryEmulator, type BigQueryEmulator } from '../../../emulators/bigquery/server.js';

type IDescriptorProto = protos.google.protobuf.IDescriptorProto;
type AppendRowsResponse = protos.google.cloud.bigquery.storage.v1.IAppendRowsResponse;
type StreamConnection = Awaited<ReturnType<managedwriter.WriterClient['createStreamConnection']>>;
type StreamType = Parameters<managedwriter.WriterClient['createWriteStream']>[0]['streamType'];
/** Rows as the JSONWriter takes them (its JSONList type is not exported); Buffers go to BYTES as they are. */
type Rows = Parameters<managedwriter.JSONWriter['appendRows']>[0];
const asRows = (rows: Record<string, unknown>[]): Rows => rows as Rows;

const ALL_TYPES = [
  { name: 'id', type: 'STRING', mode: 'REQUIRED' },
  { name: 'n', type: 'INTEGER' },
  { name: 'f', type: 'FLOAT' },
  { name: 'b', type: 'BOOLEAN' },
  { name: 'num', type: 'NUMERIC' },
  { name: 'bignum', type: 'BIGNUMERIC' },
  { name: 'ts', type: 'TIMESTAMP' },
  { name: 'd', type: 'DATE' },
  { name: 'dt', type: 'DATETIME' },
  { name: 't', type: 'TIME' },
  { name: 'raw', type: 'BYTES' },
  { name: 'j', type: 'JSON' },
  { name: 'tags', type: 'STRING', mode: 'REPEATED' },
  {
    name: 'rec',
    type: 'RECORD',
    fields: [
      { name: 'label', type: 'STRING' },
      { name: 'points', type: 'RECORD', mode: 'REPEATED', fields: [{ name: 'x', type: 'FLOAT' }, { name: 'at', type: 'TIMESTAMP' }] },
    ],
  },
];

const SIMPLE = [
  { name: 'k', type: 'STRING', mode: 'REQUIRED' },
  { name: 'v', type: 'INTEGER' },
];

describe('integration: BigQuery emulator Storage Write API through the managed writer', function () {
  this.timeout(60_000);
  let emu: BigQueryEmulator;
  let bq: BigQuery;
  let ds: Dataset;
  let writeClient: managedwriter.WriterClient;
  const projectId = `demo-iot-${randomBytes(3).toString('hex')}`;
  const tablePath = (table: string): string => `projects/${projectId}/datasets/sw/tables/${table}`;

  before(async () => {
    emu = await startBigQueryEmulator({ port: 0, grpcPort: 0 });
    bq = new BigQuery({ projectId, apiEndpoint: emu.url });
    [ds] = await bq.createDataset('sw');
    // The client's standard endpoint options; plaintext, as for any local gRPC emulator.
    writeClient = new managedwriter.WriterClient({ projectId, apiEndpoint: '127.0.0.1', port: emu.grpcPort, sslCreds: credentials.createInsecure() });
  });

  after(async () => {
    writeClient?.close();
    await emu?.close();
  });

  async function table(name: string, fields: object[]): Promise<string> {
    await ds.createTable(name, { schema: { fields: fields as never } });
    return tablePath(name);
  }

  /** The writer's descriptor from the stream's own table schema (the documented flow). */
  async function descriptorFor(streamId: string): Promise<IDescriptorProto> {
    const ws = await writeClient.getWriteStream({ streamId, view: protos.google.cloud.bigquery.storage.v1.WriteStreamView.FULL });
    assert.ok(ws.tableSchema, 'GetWriteStream FULL returns the table schema');
    return adapt.convertStorageSchemaToProto2Descriptor(ws.tableSchema, 'root');
  }

  async function jsonWriter(destinationTable: string, streamType?: StreamType): Promise<{ writer: managedwriter.JSONWriter; streamId: string; connection: StreamConnection }> {
    const streamId = streamType ? await writeClient.createWriteStream({ streamType, destinationTable }) : `${destinationTable}/streams/_default`;
    const connection = await writeClient.createStreamConnection({ streamId });
    const writer = new managedwriter.JSONWriter({ connection, protoDescriptor: await descriptorFor(streamId) });
    return { writer, streamId, connection };
  }

  async function rows(name: string, orderBy: string): Promise<Record<string, unknown>[]> {
    const [r] = await bq.query({ query: `SELECT * FROM sw.${name} ORDER BY ${orderBy}` });
    return JSON.parse(JSON.stringify(r)) as Record<string, unknown>[];
  }

  const okOffset = (res: AppendRowsResponse): string | undefined => {
    assert.equal(res.error ?? undefined, undefined, `append failed: ${JSON.stringify(res.error)}`);
    const v = res.appendResult?.offset?.value;
    return v === undefined || v === null ? undefined : String(v);
  };

  it('writes every column type, nested and repeated fields, to the default stream', async () => {
    const dest = await table('all_types', ALL_TYPES);
    const { writer, streamId, connection } = await jsonWriter(dest);
    assert.equal(connection.getStreamId(), streamId);
    const tsMicros = Date.UTC(2026, 10, 24, 20, 0, 0, 125) * 1000 + 456;
    const res = await writer
      .appendRows(asRows([
        {
          id: 'r1',
          // Beyond 2^53: int64 as text, which protobufjs encodes exactly.
          n: '9007199254740993',
          f: 21.5,
          b: true,
          num: '123.456789',
          bignum: '-0.000000000000000001',
          ts: tsMicros,
          d: new Date('2026-11-24T00:00:00Z'),
          dt: '2026-11-24 20:00:00.5',
          t: '23:59:59.999999',
          raw: Buffer.from([0, 1, 254, 255]),
          j: '{"door":"open","n":[1,2]}',
          tags: ['a', 'b'],
          rec: { label: 'L', points: [{ x: 1.5, at: tsMicros }, { x: -2 }] },
        },
        { id: 'r2' },
      ]))
      .getResult();
    assert.equal(okOffset(res), undefined, 'the default stream reports no offset');
    assert.equal(res.writeStream, streamId);
    writer.close();
    assert.deepEqual(await rows('all_types', 'id'), [
      {
        id: 'r1',
        // The REST client reads INT64 as a JS number (checked exactly below).
        n: 9007199254740992,
        f: 21.5,
        b: true,
        num: '123.456789',
        bignum: '-1e-18',
        ts: { value: '2026-11-24T20:00:00.125456000Z' },
        d: { value: '2026-11-24' },
        dt: { value: '2026-11-24T20:00:00.500000' },
        t: { value: '23:59:59.999999' },
        raw: { type: 'Buffer', data: [0, 1, 254, 255] },
        j: '{"door":"open","n":[1,2]}',
        tags: ['a', 'b'],
        rec: { label: 'L', points: [{ x: 1.5, at: { value: '2026-11-24T20:00:00.125456000Z' } }, { x: -2, at: null }] },
      },
      { id: 'r2', n: null, f: null, b: null, num: null, bignum: null, ts: null, d: null, dt: null, t: null, raw: null, j: null, tags: [], rec: null },
    ]);
    const [exact] = await bq.query({ query: "SELECT CAST(n AS STRING) AS n FROM sw.all_types WHERE id = 'r1'" });
    assert.deepEqual(exact, [{ n: '9007199254740993' }]);
  });

  it('tracks offsets on a COMMITTED stream: ALREADY_EXISTS below the end, OUT_OF_RANGE beyond it, rows visible at once', async () => {
    const dest = await table('committed', SIMPLE);
    const { writer, streamId } = await jsonWriter(dest, managedwriter.CommittedStream);
    assert.equal(okOffset(await writer.appendRows([{ k: 'a', v: 1 }, { k: 'b', v: 2 }], 0).getResult()), '0');
    assert.equal(okOffset(await writer.appendRows([{ k: 'c', v: 3 }], 2).getResult()), '2');
    // A retry of rows already written (offset 1) is refused, and writes nothing.
    const dup = await writer.appendRows([{ k: 'b-again', v: 2 }], 1).getResult();
    assert.equal(dup.error?.code, 6, 'ALREADY_EXISTS');
    const gap = await writer.appendRows([{ k: 'z', v: 9 }], 10).getResult();
    assert.equal(gap.error?.code, 11, 'OUT_OF_RANGE');
    // Without an offset the append lands at the end.
    assert.equal(okOffset(await writer.appendRows([{ k: 'd', v: 4 }]).getResult()), '3');
    assert.deepEqual(await rows('committed', 'k'), [
      { k: 'a', v: 1 },
      { k: 'b', v: 2 },
      { k: 'c', v: 3 },
      { k: 'd', v: 4 },
    ]);
    const fin = await writeClient.finalizeWriteStream({ name: streamId });
    assert.equal(String(fin.rowCount), '4');
    const after = await writer.appendRows([{ k: 'late' }]).getResult();
    assert.equal(after.error?.code, 3, 'a finalized stream takes no rows');
    assert.match(String(after.error?.message), /finalized/);
    writer.close();
  });

  it('holds PENDING rows until finalize and BatchCommitWriteStreams, then shows all of them at once', async () => {
    const dest = await table('pending', SIMPLE);
    const a = await jsonWriter(dest, managedwriter.PendingStream);
    const b = await jsonWriter(dest, managedwriter.PendingStream);
    assert.equal(okOffset(await a.writer.appendRows([{ k: 'a1', v: 1 }, { k: 'a2', v: 2 }], 0).getResult()), '0');
    assert.equal(okOffset(await b.writer.appendRows([{ k: 'b1', v: 3 }]).getResult()), '0');
    assert.deepEqual(await rows('pending', 'k'), [], 'nothing visible before the commit');
    // Not finalized: the commit is refused for every stream.
    await writeClient.finalizeWriteStream({ name: a.streamId });
    const early = await writeClient.batchCommitWriteStream({ parent: dest, writeStreams: [a.streamId, b.streamId] });
    assert.equal(early.commitTime ?? null, null);
    assert.deepEqual(
      early.streamErrors?.map((e) => [e.code, e.entity]),
      [['INVALID_STREAM_STATE', b.streamId]],
    );
    assert.deepEqual(await rows('pending', 'k'), []);
    await writeClient.finalizeWriteStream({ name: b.streamId });
    const done = await writeClient.batchCommitWriteStream({ parent: dest, writeStreams: [a.streamId, b.streamId] });
    assert.ok(done.commitTime?.seconds, 'commit time set');
    assert.deepEqual(done.streamErrors ?? [], []);
    assert.deepEqual(await rows('pending', 'k'), [
      { k: 'a1', v: 1 },
      { k: 'a2', v: 2 },
      { k: 'b1', v: 3 },
    ]);
    const ws = await writeClient.getWriteStream({ streamId: a.streamId });
    assert.ok(ws.commitTime?.seconds, 'the stream reports its commit time');
    const again = await writeClient.batchCommitWriteStream({ parent: dest, writeStreams: [a.streamId] });
    assert.deepEqual(again.streamErrors?.map((e) => e.code), ['STREAM_ALREADY_COMMITTED']);
    assert.equal((await rows('pending', 'k')).length, 3, 'a second commit adds nothing');
    a.writer.close();
    b.writer.close();
  });

  it('shows BUFFERED rows up to the flushed offset only', async () => {
    const dest = await table('buffered', SIMPLE);
    const { writer, streamId, connection } = await jsonWriter(dest, managedwriter.BufferedStream);
    assert.equal(okOffset(await writer.appendRows([{ k: 'a' }, { k: 'b' }, { k: 'c' }], 0).getResult()), '0');
    assert.deepEqual(await rows('buffered', 'k'), []);
    const flushed = await connection.flushRows({ offset: 1 });
    assert.equal(String(flushed?.offset), '1');
    assert.deepEqual(await rows('buffered', 'k'), [
      { k: 'a', v: null },
      { k: 'b', v: null },
    ]);
    const beyond = await writeClient.flushRows({ writeStream: streamId, offset: { value: 5 } }).then(
      () => null,
      (err: { code?: number }) => err,
    );
    assert.equal(beyond?.code, 11, 'OUT_OF_RANGE');
    await writeClient.finalizeWriteStream({ name: streamId });
    assert.equal((await rows('buffered', 'k')).length, 2, 'rows never flushed stay invisible');
    writer.close();
  });

  it('answers row errors for bad rows and writes none of that request; the good rows then go through', async () => {
    const dest = await table('row_errors', [
      { name: 'k', type: 'STRING', mode: 'REQUIRED' },
      { name: 'j', type: 'JSON' },
      { name: 'ts', type: 'TIMESTAMP' },
    ]);
    const streamId = `${dest}/streams/_default`;
    const connection = await writeClient.createStreamConnection({ streamId });
    // The descriptor marks k optional, so the client encodes a row without it and the server must catch it.
    const descriptor = adapt.convertStorageSchemaToProto2Descriptor(
      adapt.convertBigQuerySchemaToStorageTableSchema({ fields: [{ name: 'k', type: 'STRING' }, { name: 'j', type: 'JSON' }, { name: 'ts', type: 'TIMESTAMP' }] }),
      'root',
    );
    const writer = new managedwriter.JSONWriter({ connection, protoDescriptor: descriptor });
    const batch: Record<string, unknown>[] = [{ k: 'good1' }, { j: '{}' }, { k: 'bad-json', j: '{nope' }, { k: 'bad-ts', ts: 253402300800000000 }, { k: 'good2', ts: 0 }];
    const res = await writer.appendRows(asRows(batch)).getResult();
    assert.equal(res.error?.code, 3, 'INVALID_ARGUMENT');
    assert.deepEqual(
      res.rowErrors?.map((e) => [Number(e.index), e.code]),
      [
        [1, 'FIELDS_ERROR'],
        [2, 'FIELDS_ERROR'],
        [3, 'FIELDS_ERROR'],
      ],
    );
    assert.match(String(res.rowErrors?.[0]?.message), /k/);
    assert.deepEqual(await rows('row_errors', 'k'), [], 'a request with a bad row writes nothing');
    const retry = await writer.appendRows(asRows(batch.filter((_, i) => ![1, 2, 3].includes(i)))).getResult();
    assert.equal(retry.error ?? undefined, undefined);
    assert.deepEqual(await rows('row_errors', 'k'), [
      { k: 'good1', j: null, ts: null },
      { k: 'good2', j: null, ts: { value: '1970-01-01T00:00:00.000Z' } },
    ]);
    writer.close();
  });

  it('refuses a writer schema with a field the table lacks or a type the column cannot take, on a connection that stays usable', async () => {
    const dest = await table('mismatch', SIMPLE);
    const streamId = `${dest}/streams/_default`;
    const connection = await writeClient.createStreamConnection({ streamId });
    const extra = adapt.convertStorageSchemaToProto2Descriptor(
      adapt.convertBigQuerySchemaToStorageTableSchema({ fields: [...SIMPLE, { name: 'surprise', type: 'STRING' }] }),
      'root',
    );
    const w1 = new managedwriter.JSONWriter({ connection, protoDescriptor: extra });
    const res = await w1.appendRows([{ k: 'x', surprise: 'y' }]).getResult();
    assert.equal(res.error?.code, 3);
    assert.match(String(res.error?.message), /extra fields: 'surprise'/);
    const wrongType = adapt.convertStorageSchemaToProto2Descriptor(adapt.convertBigQuerySchemaToStorageTableSchema({ fields: [{ name: 'k', type: 'STRING' }, { name: 'v', type: 'STRING' }] }), 'root');
    const w2 = new managedwriter.JSONWriter({ connection, protoDescriptor: wrongType });
    const res2 = await w2.appendRows([{ k: 'x', v: 'seven' }]).getResult();
    assert.equal(res2.error?.code, 3);
    assert.match(String(res2.error?.message), /v of type string cannot be written to .* INTEGER/);
    const good = new managedwriter.JSONWriter({ connection, protoDescriptor: await descriptorFor(streamId) });
    assert.equal((await good.appendRows([{ k: 'ok', v: 1 }]).getResult()).error ?? undefined, undefined);
    assert.deepEqual(await rows('mismatch', 'k'), [{ k: 'ok', v: 1 }]);
    good.close();
  });

  it('fails unary calls with BigQuery status codes and StorageError details', async () => {
    const dest = await table('unary', SIMPLE);
    const missing = `${dest}/streams/nope`;
    const err = await writeClient.getWriteStream({ streamId: missing }).then(
      () => null,
      (e: unknown) => e as { code?: number },
    );
    assert.equal(err?.code, 5, 'NOT_FOUND');
    assert.deepEqual(
      managedwriter.parseStorageErrors(err as Parameters<typeof managedwriter.parseStorageErrors>[0]).map((e) => [e.code, e.entity]),
      [[protos.google.cloud.bigquery.storage.v1.StorageError.StorageErrorCode.STREAM_NOT_FOUND, missing]],
    );
    const noTable = await writeClient.createWriteStream({ streamType: managedwriter.PendingStream, destinationTable: tablePath('absent') }).then(
      () => null,
      (e: { code?: number }) => e,
    );
    assert.equal(noTable?.code, 5);
    const finDefault = await writeClient.finalizeWriteStream({ name: `${dest}/streams/_default` }).then(
      () => null,
      (e: { code?: number }) => e,
    );
    assert.equal(finDefault?.code, 3, 'the default stream cannot be finalized');
    const ws = await writeClient.getWriteStream({ streamId: `${dest}/streams/_default` });
    assert.equal(ws.type, 'COMMITTED');
    assert.equal(ws.tableSchema ?? null, null, 'the BASIC view has no schema');
  });

  it('counts Storage Write requests and rows in the emulator stats', async () => {
    const res = await fetch(`${emu.url}/emulator/v1/stats`);
    const stats = (await res.json()) as { storageWrite: { appendRequests: number; rowsAppended: number; rowErrors: number } };
    assert.ok(stats.storageWrite.appendRequests >= 10);
    assert.ok(stats.storageWrite.rowsAppended >= 14);
    assert.equal(stats.storageWrite.rowErrors, 3);
  });
});
