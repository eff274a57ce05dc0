import assert from 'node:assert/strict';
import { ConfigError, loadConfig, parseStorageEndpoint } from '../../functions/lib/config.js';
import { TransientError } from '../../functions/lib/errors.js';
import { StorageWriteSink, type AppendOutcome, type OpenStream, type StorageWriteBackend } from '../../functions/sinks/bigquery-storage-write.js';
import type { RowToInsert } from '../../functions/sinks/row-sink.js';
import { RowShapeError, toProtoRow, type ProtoRow, type StorageField } from '../../functions/sinks/storage-write-rows.js';

const FIELDS: StorageField[] = [
  { name: 'id', type: 'STRING', mode: 'REQUIRED' },
  { name: 'n', type: 'INT64', mode: 'NULLABLE' },
  { name: 'x', type: 'DOUBLE', mode: 'NULLABLE' },
  { name: 'ok', type: 'BOOL', mode: 'NULLABLE' },
  { name: 'ts', type: 'TIMESTAMP', mode: 'NULLABLE' },
  { name: 'raw', type: 'BYTES', mode: 'NULLABLE' },
  { name: 'j', type: 'JSON', mode: 'NULLABLE' },
  { name: 'tags', type: 'STRING', mode: 'REPEATED' },
  { name: 'rec', type: 'STRUCT', mode: 'NULLABLE', fields: [{ name: 'a', type: 'INT64', mode: 'NULLABLE' }] },
];

class FakeBackend implements StorageWriteBackend {
  appends: ProtoRow[][] = [];
  opened = 0;
  closed = 0;
  constructor(private readonly answer: (rows: ProtoRow[], call: number) => AppendOutcome | Error = () => ({})) {}
  async open(): Promise<OpenStream> {
    this.opened++;
    return {
      fields: FIELDS,
      append: async (rows) => {
        this.appends.push(rows);
        const a = this.answer(rows, this.appends.length);
        if (a instanceof Error) throw a;
        return a;
      },
      close: () => void this.closed++,
    };
  }
}

const row = (id: string, extra: Record<string, unknown> = {}): RowToInsert => ({ insertId: id, json: { id, ...extra } });

describe('unit: Storage Write rows (insertAll JSON -> proto values)', () => {
  it('converts TIMESTAMP text to microseconds, base64 to bytes, keeps the rest, leaves NULLs out', () => {
    assert.deepEqual(
      toProtoRow(FIELDS, {
        id: 'a',
        n: 7,
        x: 1.5,
        ok: false,
        ts: '2026-11-24T20:00:00.123456Z',
        raw: Buffer.from('hi').toString('base64'),
        j: '{"k":1}',
        tags: ['p'],
        rec: { a: '9007199254740993' },
        unitless: undefined,
      }),
      {
        id: 'a',
        n: 7,
        x: 1.5,
        ok: false,
        ts: Date.UTC(2026, 10, 24, 20, 0, 0) * 1000 + 123456,
        raw: Buffer.from('hi'),
        j: '{"k":1}',
        tags: ['p'],
        rec: { a: '9007199254740993' },
      },
    );
    assert.deepEqual(toProtoRow(FIELDS, { id: 'b', n: null, ts: null }), { id: 'b' });
  });

  it('refuses what proto encoding would drop or mangle, naming the column', () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ id: 'a', surprise: 1 }, 'surprise'],
      [{ id: 'a', x: 'not a number' }, 'x'],
      [{ id: 'a', n: 1.5 }, 'n'],
      [{ id: 'a', n: '99999999999999999999' }, 'n'],
      [{ id: 'a', ok: 'true' }, 'ok'],
      [{ id: 'a', ts: 'yesterday' }, 'ts'],
      [{ id: 'a', raw: 'not base64!' }, 'raw'],
      [{ id: 'a', tags: 'p' }, 'tags'],
      [{ id: 'a', rec: { b: 1 } }, 'rec.b'],
      [{ id: 7 }, 'id'],
    ];
    for (const [json, location] of cases) {
      assert.throws(
        () => toProtoRow(FIELDS, json),
        (err: unknown) => err instanceof RowShapeError && err.location === location,
        JSON.stringify(json),
      );
    }
  });
});

describe('unit: StorageWriteSink', () => {
  it('opens each table once and appends proto rows; an empty insert sends nothing', async () => {
    const b = new FakeBackend();
    const sink = new StorageWriteSink(b);
    assert.deepEqual(await sink.insert('t', []), { rejected: [] });
    assert.deepEqual(await sink.insert('t', [row('a'), row('b', { n: 2 })]), { rejected: [] });
    await sink.insert('t', [row('c')]);
    assert.equal(b.opened, 1);
    assert.deepEqual(b.appends, [[{ id: 'a' }, { id: 'b', n: 2 }], [{ id: 'c' }]]);
  });

  it('rows BigQuery blames are rejected with its code and the column it names; the others are sent again', async () => {
    const b = new FakeBackend((_rows, call) =>
      call === 1
        ? { error: { code: 3, message: 'row errors' }, rowErrors: [{ index: '1', code: 'FIELDS_ERROR', message: 'Required field n is missing; value "secret" was...' }] }
        : {},
    );
    const sink = new StorageWriteSink(b);
    const res = await sink.insert('t', [row('a'), row('b', { x: 'bad' }), row('c'), row('d')]);
    // b never reaches the backend (a string in a DOUBLE column); d is blamed by index 1 of what was sent (a, c, d -> c).
    assert.deepEqual(res.rejected, [
      { index: 1, reason: 'invalid', location: 'x' },
      { index: 2, reason: 'FIELDS_ERROR', location: 'n' },
    ]);
    assert.deepEqual(b.appends, [[{ id: 'a' }, { id: 'c' }, { id: 'd' }], [{ id: 'a' }, { id: 'd' }]]);
  });

  it('any other error is transient; a request-level INVALID_ARGUMENT also reopens the stream (the schema may have changed)', async () => {
    const unavailable = new FakeBackend(() => ({ error: { code: 14, message: 'unavailable' } }));
    await assert.rejects(new StorageWriteSink(unavailable).insert('t', [row('a')]), TransientError);
    assert.equal(unavailable.closed, 0);
    const broken = new FakeBackend(() => Object.assign(new Error('Connection failure'), { code: 14 }));
    await assert.rejects(new StorageWriteSink(broken).insert('t', [row('a')]), TransientError);

    const schema = new FakeBackend((_r, call) => (call === 1 ? { error: { code: 3, message: "extra fields: 'x'" } } : {}));
    const sink = new StorageWriteSink(schema);
    await assert.rejects(sink.insert('t', [row('a')]), TransientError);
    await new Promise((r) => setImmediate(r));
    assert.equal(schema.closed, 1);
    await sink.insert('t', [row('a')]);
    assert.equal(schema.opened, 2, 'reopened with a fresh schema');
  });

  it('a stream that cannot be opened, or an append not answered in time, is transient', async () => {
    const failing: StorageWriteBackend = { open: async () => Promise.reject(new Error('NOT_FOUND: table')) };
    await assert.rejects(new StorageWriteSink(failing).insert('t', [row('a')]), TransientError);
    const slow = new FakeBackend();
    slow.open = async (): Promise<OpenStream> => ({ fields: FIELDS, append: () => new Promise(() => undefined), close: () => undefined });
    await assert.rejects(new StorageWriteSink(slow, { requestTimeoutMs: 20 }).insert('t', [row('a')]), /timed out after 20 ms/);
  });

  it('splits rows into appends under maxBytesPerRequest, in order', async () => {
    const b = new FakeBackend();
    const big = 'A'.repeat(4000);
    const rows = Array.from({ length: 6 }, (_, i) => row(`r${i}`, { raw: big }));
    await new StorageWriteSink(b, { maxBytesPerRequest: 10_000 }).insert('t', rows);
    assert.deepEqual(
      b.appends.map((a) => a.map((r) => r.id)),
      [
        ['r0', 'r1'],
        ['r2', 'r3'],
        ['r4', 'r5'],
      ],
    );
  });
});

describe('unit: config for the BigQuery write API', () => {
  const base = { GOOGLE_CLOUD_PROJECT: 'demo-iot' };
  it('defaults to the Storage Write API; insert-all is the other choice; anything else is a ConfigError', () => {
    assert.equal(loadConfig(base).bqWriteApi, 'storage-write');
    assert.equal(loadConfig({ ...base, BQ_WRITE_API: 'insert-all' }).bqWriteApi, 'insert-all');
    assert.throws(() => loadConfig({ ...base, BQ_WRITE_API: 'insertAll' }), (e: unknown) => e instanceof ConfigError && e.variable === 'BQ_WRITE_API');
  });
  it('BQ_STORAGE_ENDPOINT: https (TLS, default 443) or http with a port (plaintext)', () => {
    assert.equal(parseStorageEndpoint(undefined), undefined);
    assert.deepEqual(parseStorageEndpoint('https://bigquerystorage.googleapis.com'), { host: 'bigquerystorage.googleapis.com', port: 443, plaintext: false });
    assert.deepEqual(parseStorageEndpoint('http://127.0.0.1:9060'), { host: '127.0.0.1', port: 9060, plaintext: true });
    assert.deepEqual(parseStorageEndpoint('http://[::1]:9060'), { host: '::1', port: 9060, plaintext: true });
    for (const bad of ['127.0.0.1:9060', 'http://127.0.0.1', 'grpc://h:1', 'https://h/path', 'nonsense']) {
      assert.throws(() => loadConfig({ ...base, BQ_STORAGE_ENDPOINT: bad }), (e: unknown) => e instanceof ConfigError && e.variable === 'BQ_STORAGE_ENDPOINT', bad);
    }
  });
});
