import assert from 'node:assert/strict';
import type { InsertRowsOptions, RowMetadata } from '@google-cloud/bigquery';
import { TransientError } from '../../functions/lib/errors.js';
import { boundedInsertId, InsertAllSink, splitRows, type InsertAllTable } from '../../functions/sinks/bigquery-insert-all.js';
import type { RowToInsert } from '../../functions/sinks/row-sink.js';

const rows = (n: number, pad = 0): RowToInsert[] => Array.from({ length: n }, (_, i) => ({ insertId: `e:${i}`, json: { i, pad: 'x'.repeat(pad) } }));

/** The client's PartialFailureError, as far as the sink reads it. */
function partialFailure(insertErrors: { index: number; errors: { reason: string; location?: string }[] }[]): Error {
  const err = new Error('partial failure') as Error & { response: unknown };
  err.name = 'PartialFailureError';
  err.response = { insertErrors };
  return err;
}

class FakeTable implements InsertAllTable {
  calls: { rows: RowMetadata[]; options: InsertRowsOptions }[] = [];
  constructor(private readonly answer: (rows: RowMetadata[], call: number) => Error | null = () => null) {}
  async insert(rows: RowMetadata[], options: InsertRowsOptions): Promise<unknown> {
    this.calls.push({ rows, options });
    const err = this.answer(rows, this.calls.length);
    if (err) throw err;
    return {};
  }
}

describe('unit: InsertAllSink (insertAll through the client)', () => {
  it('sends raw rows with our insertIds, partialRetries 0 and skipInvalidRows', async () => {
    const t = new FakeTable();
    const res = await new InsertAllSink(() => t).insert('readings', rows(3));
    assert.deepEqual(res, { rejected: [] });
    assert.equal(t.calls.length, 1);
    assert.deepEqual(t.calls[0]!.rows[1], { insertId: 'e:1', json: { i: 1, pad: '' } });
    assert.equal(t.calls[0]!.options.raw, true);
    assert.equal(t.calls[0]!.options.partialRetries, 0);
    assert.equal(t.calls[0]!.options.skipInvalidRows, true);
  });

  it('splits above 500 rows: 1201 rows -> 3 requests of 500, 500, 201', async () => {
    const t = new FakeTable();
    await new InsertAllSink(() => t).insert('readings', rows(1201));
    assert.deepEqual(t.calls.map((c) => c.rows.length).sort((a, b) => b - a), [500, 500, 201]);
  });

  it('splits by bytes: 30 rows of ~1 MB -> at most 9 MB per request', async () => {
    const parts = splitRows(rows(30, 1024 * 1024), 500, 9 * 1024 * 1024);
    assert.deepEqual(parts.map((p) => p.rows.length), [8, 8, 8, 6]);
    assert.deepEqual(parts.map((p) => p.offset), [0, 8, 16, 24]);
  });

  it('rows reported invalid are returned with their index in the caller\'s array (across split requests)', async () => {
    const t = new FakeTable((r) => (r.length === 2 ? partialFailure([{ index: 1, errors: [{ reason: 'invalid', location: 'value' }] }]) : null));
    const res = await new InsertAllSink(() => t, { maxRowsPerRequest: 3 }).insert('readings', rows(5));
    assert.deepEqual(res.rejected, [{ index: 4, reason: 'invalid', location: 'value' }]);
  });

  it('rows `stopped` by an invalid neighbour are sent once more without it', async () => {
    const t = new FakeTable((_, call) =>
      call === 1
        ? partialFailure([
            { index: 0, errors: [{ reason: 'stopped' }] },
            { index: 1, errors: [{ reason: 'invalid', location: 'event_time' }] },
            { index: 2, errors: [{ reason: 'stopped' }] },
          ])
        : null,
    );
    const res = await new InsertAllSink(() => t).insert('readings', rows(3));
    assert.deepEqual(res.rejected, [{ index: 1, reason: 'invalid', location: 'event_time' }]);
    assert.equal(t.calls.length, 2);
    assert.deepEqual(t.calls[1]!.rows.map((r) => (r as RowToInsert).insertId), ['e:0', 'e:2']);
  });

  for (const [name, err] of [
    ['a 503', Object.assign(new Error('backend'), { code: 503 })],
    ['a network error', Object.assign(new Error('ECONNREFUSED'), { code: 'ECONNREFUSED' })],
    ['a per-row backendError', partialFailure([{ index: 0, errors: [{ reason: 'backendError' }] }])],
    ['a per-row timeout', partialFailure([{ index: 0, errors: [{ reason: 'timeout' }] }])],
  ] as const) {
    it(`${name} is transient (TransientError thrown)`, async () => {
      await assert.rejects(new InsertAllSink(() => new FakeTable(() => err)).insert('readings', rows(2)), TransientError);
    });
  }

  it('a request that does not answer in time is transient', async () => {
    const hung: InsertAllTable = { insert: () => new Promise(() => undefined) };
    await assert.rejects(new InsertAllSink(() => hung, { requestTimeoutMs: 20 }).insert('readings', rows(1)), (err: unknown) => err instanceof TransientError && /timed out after 20 ms/.test(err.message));
  });

  it('insertIds longer than 128 characters become a stable hash', () => {
    const long = `${'d'.repeat(128)}:h:${'a'.repeat(64)}:temperature`;
    assert.equal(boundedInsertId('dev:1:t'), 'dev:1:t');
    assert.equal(boundedInsertId(long), boundedInsertId(long));
    assert.ok(boundedInsertId(long).length <= 128);
    assert.notEqual(boundedInsertId(long), boundedInsertId(long + 'x'));
  });
});
