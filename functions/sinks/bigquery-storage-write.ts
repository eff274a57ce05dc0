// RowSink over the BigQuery Storage Write API: each table's default stream,
// through @google-cloud/bigquery-storage's managed writer (one JSONWriter and
// one gRPC connection per table per instance, shared by every group commit).
//
// The default stream is at-least-once and has no insertId: a retried append
// (a timeout whose rows did land, a connection lost after the server wrote)
// stores the rows twice. The de-dup views (schemas/bigquery-views.ts) keep the
// read side exactly-once; docs/reliability.md says what holds where.
//
// Outcomes: an append BigQuery answers with row_errors wrote nothing, so the
// rows it blamed are rejected for good and the others are sent again; rows
// that do not fit the table's schema are rejected before sending (proto
// encoding would drop or mangle them silently); anything else (UNAVAILABLE,
// INTERNAL, a timeout, a schema mismatch) is thrown as TransientError and the
// deliveries are retried.
import { TransientError } from '../lib/errors.js';
import { splitRows } from './bigquery-insert-all.js';
import type { InsertResult, RowRejection, RowSink, RowToInsert } from './row-sink.js';
import { RowShapeError, toProtoRow, type ProtoRow, type StorageField } from './storage-write-rows.js';
import { describeError, withTimeout } from './bounded-call.js';

/** What an AppendRows response says (the client's IAppendRowsResponse, the fields this sink reads). */
export interface AppendOutcome {
  error?: { code?: number | null; message?: string | null } | null;
  rowErrors?: { index?: number | string | { toString(): string } | null; code?: unknown; message?: string | null }[] | null;
}

/** One table's default stream, open for appends (a seam for tests). */
export interface OpenStream {
  fields: StorageField[];
  append(rows: ProtoRow[]): Promise<AppendOutcome>;
  close(): void;
}

export interface StorageWriteBackend {
  /** Opens the table's default stream; gives up after timeoutMs. */
  open(table: string, timeoutMs: number): Promise<OpenStream>;
}

export interface StorageWriteOptions {
  /** AppendRows requests are limited to 10 MB: keep headroom for the envelope. */
  maxBytesPerRequest?: number;
  /** An append (or opening a stream) not answered by then is transient (the deliveries are retried; at-least-once). */
  requestTimeoutMs?: number;
}

export const STORAGE_WRITE_LIMITS = { maxBytesPerRequest: 9 * 1024 * 1024, requestTimeoutMs: 30_000 } as const;

// gRPC status codes BigQuery answers in AppendRowsResponse.error.
const INVALID_ARGUMENT = 3;

export class StorageWriteSink implements RowSink {
  private readonly streams = new Map<string, Promise<OpenStream>>();
  private readonly maxBytes: number;
  private readonly timeoutMs: number;

  constructor(
    private readonly backend: StorageWriteBackend,
    opts: StorageWriteOptions = {},
  ) {
    this.maxBytes = opts.maxBytesPerRequest ?? STORAGE_WRITE_LIMITS.maxBytesPerRequest;
    this.timeoutMs = opts.requestTimeoutMs ?? STORAGE_WRITE_LIMITS.requestTimeoutMs;
  }

  async insert(tableName: string, rows: RowToInsert[]): Promise<InsertResult> {
    if (rows.length === 0) return { rejected: [] };
    const stream = await this.stream(tableName);
    const rejected: RowRejection[] = [];
    const ready: { index: number; row: ProtoRow }[] = [];
    rows.forEach((r, index) => {
      try {
        ready.push({ index, row: toProtoRow(stream.fields, r.json) });
      } catch (err) {
        if (!(err instanceof RowShapeError)) throw err;
        rejected.push({ index, reason: 'invalid', location: err.location.slice(0, 300) });
      }
    });
    // Split by the JSON size, an upper bound of the proto rows' (no keys, binary numbers and bytes).
    const chunks = splitRows(
      ready.map((r) => rows[r.index]!),
      Number.MAX_SAFE_INTEGER,
      this.maxBytes,
    ).map((c) => ready.slice(c.offset, c.offset + c.rows.length));
    const results = await Promise.all(chunks.map((c) => this.appendChunk(tableName, stream, c)));
    return { rejected: [...rejected, ...results.flat()].sort((a, b) => a.index - b.index) };
  }

  private async appendChunk(tableName: string, stream: OpenStream, chunk: { index: number; row: ProtoRow }[]): Promise<RowRejection[]> {
    const rejected: RowRejection[] = [];
    let pending = chunk;
    // Row errors fail the whole append: resend the rows not blamed, once.
    for (let attempt = 0; attempt < 2 && pending.length > 0; attempt++) {
      let res: AppendOutcome;
      try {
        res = await withTimeout(stream.append(pending.map((p) => p.row)), this.timeoutMs, `AppendRows into ${tableName}`);
      } catch (err) {
        throw new TransientError(`AppendRows into ${tableName} failed: ${describeError(err)}`, { cause: err });
      }
      if (!res.error || !res.error.code) return rejected;
      const rowErrors = res.rowErrors ?? [];
      if (rowErrors.length === 0) {
        // A request-level INVALID_ARGUMENT is most likely a table schema that
        // changed under this writer: reopen (new schema) on the retry.
        if (res.error.code === INVALID_ARGUMENT) this.forget(tableName, stream);
        throw new TransientError(`AppendRows into ${tableName}: ${res.error.code} ${String(res.error.message ?? '').slice(0, 200)}`);
      }
      const blamed = new Set<number>();
      for (const e of rowErrors) {
        const i = Number(String(e.index ?? ''));
        const p = Number.isSafeInteger(i) ? pending[i] : undefined;
        if (!p) throw new TransientError(`AppendRows into ${tableName}: row error for unknown index ${String(e.index)}`);
        blamed.add(i);
        // BigQuery's message may echo row data: keep only a column name it names.
        rejected.push({ index: p.index, reason: String(e.code ?? 'FIELDS_ERROR'), location: columnNamed(stream.fields, e.message ?? '') });
      }
      pending = pending.filter((_, i) => !blamed.has(i));
    }
    if (pending.length > 0) throw new TransientError(`AppendRows into ${tableName}: ${pending.length} rows still refused after resending`);
    return rejected;
  }

  private stream(tableName: string): Promise<OpenStream> {
    let s = this.streams.get(tableName);
    if (!s) {
      s = withTimeout(this.backend.open(tableName, this.timeoutMs), this.timeoutMs, `opening the default stream of ${tableName}`).catch((err: unknown) => {
        this.streams.delete(tableName);
        throw new TransientError(`opening the Storage Write default stream of ${tableName} failed: ${describeError(err)}`, { cause: err });
      });
      this.streams.set(tableName, s);
    }
    return s;
  }

  private forget(tableName: string, stream: OpenStream): void {
    void this.streams.get(tableName)?.then((s) => {
      if (s === stream) {
        this.streams.delete(tableName);
        s.close();
      }
    });
  }
}

/** The first of the table's column names (dotted for nested ones) that the message names as a word, else ''. */
function columnNamed(fields: StorageField[], message: string): string {
  const names: string[] = [];
  const walk = (fs: StorageField[], prefix: string): void => {
    for (const f of fs) {
      names.push(`${prefix}${f.name}`);
      if (f.fields) walk(f.fields, `${prefix}${f.name}.`);
    }
  };
  walk(fields, '');
  // Longest first, so `rec.x` wins over `x`.
  names.sort((a, b) => b.length - a.length);
  return names.find((n) => new RegExp(`(^|[^A-Za-z0-9_.])${n.replace(/\./g, '\\.')}($|[^A-Za-z0-9_])`).test(message)) ?? '';
}
