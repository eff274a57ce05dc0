// RowSink over BigQuery's legacy streaming API (tabledata.insertAll) through
// @google-cloud/bigquery. Requests are split to stay under the API's limits;
// rows BigQuery calls `invalid` are reported back (permanent for those rows),
// everything else that fails is thrown (transient: the delivery is retried and
// the insertIds make the retry idempotent).
import { createHash } from 'node:crypto';
import type { InsertRowsOptions, RowMetadata } from '@google-cloud/bigquery';
import { TransientError } from '../lib/errors.js';
import type { InsertResult, RowRejection, RowSink, RowToInsert } from './row-sink.js';
import { describeError, withTimeout } from './bounded-call.js';

/** The part of @google-cloud/bigquery's Table this sink uses (a seam for tests). */
export interface InsertAllTable {
  insert(rows: RowMetadata[], options: InsertRowsOptions): Promise<unknown>;
}

export interface InsertAllOptions {
  /** BigQuery recommends at most 500 rows per insertAll request. */
  maxRowsPerRequest?: number;
  /** The HTTP request limit is 10 MB: keep headroom for the envelope. */
  maxBytesPerRequest?: number;
  /**
   * A request not answered by then is a transient failure (the deliveries are
   * retried; the insertIds absorb a late success). The client itself has no
   * per-call timeout for insertAll.
   */
  requestTimeoutMs?: number;
}

export const INSERT_ALL_LIMITS = { maxRowsPerRequest: 500, maxBytesPerRequest: 9 * 1024 * 1024, requestTimeoutMs: 30_000 } as const;

/** insertIds above this length are replaced by a hash of themselves (still deterministic, so still deduplicated). */
export const MAX_INSERT_ID_LENGTH = 128;

export function boundedInsertId(id: string): string {
  return id.length <= MAX_INSERT_ID_LENGTH ? id : `h:${createHash('sha256').update(id).digest('hex')}`;
}

interface InsertError {
  index?: number | null;
  errors?: { reason?: string | null; location?: string | null }[] | null;
}

/** Shape of the client's PartialFailureError (not exported as a type by the client). */
interface PartialFailure {
  name: string;
  response?: { insertErrors?: InsertError[] | null };
}

function isPartialFailure(err: unknown): err is PartialFailure {
  return err instanceof Error && err.name === 'PartialFailureError';
}

export class InsertAllSink implements RowSink {
  private readonly maxRows: number;
  private readonly maxBytes: number;
  private readonly timeoutMs: number;

  constructor(
    private readonly table: (name: string) => InsertAllTable,
    opts: InsertAllOptions = {},
  ) {
    this.maxRows = Math.min(opts.maxRowsPerRequest ?? INSERT_ALL_LIMITS.maxRowsPerRequest, INSERT_ALL_LIMITS.maxRowsPerRequest);
    this.maxBytes = opts.maxBytesPerRequest ?? INSERT_ALL_LIMITS.maxBytesPerRequest;
    this.timeoutMs = opts.requestTimeoutMs ?? INSERT_ALL_LIMITS.requestTimeoutMs;
  }

  async insert(tableName: string, rows: RowToInsert[]): Promise<InsertResult> {
    if (rows.length === 0) return { rejected: [] };
    const chunks = splitRows(rows, this.maxRows, this.maxBytes);
    const results = await Promise.all(chunks.map((c) => this.insertChunk(tableName, c.rows, c.offset)));
    return { rejected: results.flat() };
  }

  private async insertChunk(tableName: string, rows: RowToInsert[], offset: number): Promise<RowRejection[]> {
    const rejected: RowRejection[] = [];
    let pending = rows.map((row, i) => ({ row, index: offset + i }));
    // A backend that ignores skipInvalidRows fails the valid rows of a request
    // with reason `stopped` (nothing written): send those once more without
    // the invalid ones.
    for (let attempt = 0; attempt < 2 && pending.length > 0; attempt++) {
      const stopped: typeof pending = [];
      try {
        await withTimeout(
          this.table(tableName).insert(
            pending.map((p) => ({ insertId: boundedInsertId(p.row.insertId), json: p.row.json })),
            // raw: our own insertIds (else the client invents random ones);
            // partialRetries 0: the client would resend invalid rows as if transient.
            { raw: true, skipInvalidRows: true, ignoreUnknownValues: false, partialRetries: 0 },
          ),
          this.timeoutMs,
          `insertAll into ${tableName}`,
        );
        return rejected;
      } catch (err) {
        if (!isPartialFailure(err)) throw new TransientError(`insertAll into ${tableName} failed: ${describeError(err)}`, { cause: err });
        for (const ie of err.response?.insertErrors ?? []) {
          const p = typeof ie.index === 'number' ? pending[ie.index] : undefined;
          if (!p) throw new TransientError(`insertAll into ${tableName}: unexpected insertErrors index ${String(ie.index)}`, { cause: err });
          const reasons = (ie.errors ?? []).map((e) => e.reason ?? '');
          const invalid = (ie.errors ?? []).find((e) => e.reason === 'invalid');
          if (invalid) rejected.push({ index: p.index, reason: 'invalid', location: (invalid.location ?? '').slice(0, 300) });
          else if (reasons.length > 0 && reasons.every((r) => r === 'stopped')) stopped.push(p);
          else throw new TransientError(`insertAll into ${tableName}: row failed with ${reasons.join(',') || 'no reason'}`, { cause: err });
        }
      }
      pending = stopped;
    }
    if (pending.length > 0) throw new TransientError(`insertAll into ${tableName}: ${pending.length} rows still stopped`);
    return rejected;
  }
}

/** Consecutive slices of at most maxRows rows and about maxBytes of JSON each. */
export function splitRows(rows: RowToInsert[], maxRows: number, maxBytes: number): { offset: number; rows: RowToInsert[] }[] {
  const out: { offset: number; rows: RowToInsert[] }[] = [];
  let cur: RowToInsert[] = [];
  let curOffset = 0;
  let curBytes = 0;
  rows.forEach((row, i) => {
    // +32: the row's own braces, keys and comma in the request body.
    const bytes = Buffer.byteLength(JSON.stringify(row.json)) + Buffer.byteLength(row.insertId) + 32;
    if (cur.length > 0 && (cur.length >= maxRows || curBytes + bytes > maxBytes)) {
      out.push({ offset: curOffset, rows: cur });
      cur = [];
      curBytes = 0;
      curOffset = i;
    }
    cur.push(row);
    curBytes += bytes;
  });
  if (cur.length > 0) out.push({ offset: curOffset, rows: cur });
  return out;
}
