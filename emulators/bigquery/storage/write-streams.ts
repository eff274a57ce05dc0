// Write streams and their commit semantics, as the Storage Write API defines
// them:
//  - the default stream (`.../streams/_default`) of every table: rows are
//    visible once appended, no offsets, at-least-once;
//  - COMMITTED: visible once appended, with offsets (exactly-once per offset);
//  - PENDING: held until the stream is finalized and BatchCommitWriteStreams
//    makes every listed stream visible at once;
//  - BUFFERED: held until FlushRows advances the visible offset.
// Streams live in memory: rows already visible are in DuckDB (and in the
// --data file), rows still held are lost with the process, like a stream
// that was never committed.
import type { DuckDBValue } from '@duckdb/node-api';
import { status } from '@grpc/grpc-js';
import { appendRows } from '../append.js';
import type { Catalog, TableMeta } from '../catalog.js';
import type { Engine } from '../engine.js';
import { Mutex } from '../mutex.js';
import { invalidArgument, StorageApiError } from './storage-error.js';

export type StreamType = 'COMMITTED' | 'PENDING' | 'BUFFERED';

export interface WriteStreamRecord {
  name: string;
  project: string;
  dataset: string;
  table: string;
  /** undefined: the table's default stream. */
  type: StreamType | undefined;
  createTime: Date;
  finalizeTime?: Date;
  commitTime?: Date;
  /** Rows appended so far: the offset the next append lands at. */
  rowCount: number;
  /** PENDING and BUFFERED: appended rows not yet visible, from offset `visible` on. */
  held: DuckDBValue[][];
  /** Rows made visible (BUFFERED: flushed; COMMITTED: all of them). */
  visible: number;
  readonly lock: Mutex;
}

const TABLE_RE = /^projects\/([^/]+)\/datasets\/([^/]+)\/tables\/([^/]+)$/;
const STREAM_RE = /^projects\/([^/]+)\/datasets\/([^/]+)\/tables\/([^/]+)\/streams\/([^/]+)$/;
export const DEFAULT_STREAM_ID = '_default';

/** Streams other than default ones kept at once; the oldest settled ones are forgotten first. */
export const MAX_STREAMS = 10_000;
/** Rows held (pending or unflushed) across all streams. */
export const MAX_HELD_ROWS = 2_000_000;

export function parseTableName(name: string): { project: string; dataset: string; table: string } {
  const m = TABLE_RE.exec(name ?? '');
  if (!m) throw invalidArgument(`Invalid table name: "${String(name).slice(0, 300)}" (expected projects/{project}/datasets/{dataset}/tables/{table})`);
  return { project: m[1]!, dataset: m[2]!, table: m[3]! };
}

function streamId(): string {
  // Like BigQuery's: opaque, URL-safe.
  return `s${Date.now().toString(36)}${Math.random().toString(36).slice(2, 12)}`;
}

export class WriteStreams {
  private readonly streams = new Map<string, WriteStreamRecord>();
  private readonly defaults = new Map<string, WriteStreamRecord>();
  private heldRows = 0;

  // The engine and catalog only (not the whole EmulatorState, which holds this registry).
  constructor(private readonly state: { engine: Engine; catalog: Catalog }) {}

  /** The table a stream writes to, as it is now (a deleted table fails the write). */
  table(s: { project: string; dataset: string; table: string; name: string }): TableMeta {
    const t = this.state.catalog.getTable(s.project, s.dataset, s.table);
    if (!t) throw new StorageApiError(status.NOT_FOUND, 'TABLE_NOT_FOUND', `projects/${s.project}/datasets/${s.dataset}/tables/${s.table}`, `Not found: table ${s.project}:${s.dataset}.${s.table}`);
    if (t.view || t.snapshot) throw invalidArgument(`Cannot write to ${s.project}:${s.dataset}.${s.table}: it is a ${t.view ? 'view' : 'table snapshot'}`, 'INVALID_STREAM_TYPE', s.name);
    return t;
  }

  create(parent: string, type: unknown): WriteStreamRecord {
    const ref = parseTableName(parent);
    if (type !== 'COMMITTED' && type !== 'PENDING' && type !== 'BUFFERED') throw invalidArgument(`Invalid write stream type: ${String(type)}`, 'INVALID_STREAM_TYPE', parent);
    this.table({ ...ref, name: parent });
    this.makeRoom();
    const name = `${parent}/streams/${streamId()}`;
    const s: WriteStreamRecord = { name, ...ref, type, createTime: new Date(), rowCount: 0, held: [], visible: 0, lock: new Mutex() };
    this.streams.set(name, s);
    return s;
  }

  get(name: string): WriteStreamRecord {
    const m = STREAM_RE.exec(name ?? '');
    if (!m) throw invalidArgument(`Invalid stream name: "${String(name).slice(0, 300)}"`, 'STREAM_NOT_FOUND', String(name));
    const [, project, dataset, table, id] = m as unknown as [string, string, string, string, string];
    if (id === DEFAULT_STREAM_ID) {
      this.table({ project, dataset, table, name });
      let s = this.defaults.get(name);
      if (!s) this.defaults.set(name, (s = { name, project, dataset, table, type: undefined, createTime: new Date(), rowCount: 0, held: [], visible: 0, lock: new Mutex() }));
      return s;
    }
    const s = this.streams.get(name);
    if (!s) throw new StorageApiError(status.NOT_FOUND, 'STREAM_NOT_FOUND', name, `Requested entity was not found. Entity: ${name}`);
    return s;
  }

  /**
   * Appends converted rows. Resolves to the offset they landed at (undefined
   * on the default stream). With an offset, it must be the stream's current
   * end: lower is ALREADY_EXISTS (a retry of rows already there), higher is
   * OUT_OF_RANGE.
   */
  async append(s: WriteStreamRecord, rows: DuckDBValue[][], offset: number | undefined): Promise<number | undefined> {
    if (s.type === undefined) {
      if (offset !== undefined) throw invalidArgument(`Offset is not supported on the default stream: ${s.name}`, 'STORAGE_ERROR_CODE_UNSPECIFIED', s.name);
      const t = this.table(s);
      await this.state.engine.write((conn) => appendRows(conn, t, rows, Date.now()));
      s.rowCount += rows.length;
      return undefined;
    }
    return s.lock.run(async () => {
      this.checkWritable(s);
      if (offset !== undefined && offset < s.rowCount) {
        throw new StorageApiError(status.ALREADY_EXISTS, 'OFFSET_ALREADY_EXISTS', s.name, `The offset is within stream, expected offset ${s.rowCount}, received ${offset}`);
      }
      if (offset !== undefined && offset > s.rowCount) {
        throw new StorageApiError(status.OUT_OF_RANGE, 'OFFSET_OUT_OF_RANGE', s.name, `The offset is beyond stream, expected offset ${s.rowCount}, received ${offset}`);
      }
      const at = s.rowCount;
      if (s.type === 'COMMITTED') {
        const t = this.table(s);
        await this.state.engine.write((conn) => appendRows(conn, t, rows, Date.now()));
        s.visible += rows.length;
      } else {
        if (this.heldRows + rows.length > MAX_HELD_ROWS) {
          throw new StorageApiError(status.RESOURCE_EXHAUSTED, 'STORAGE_ERROR_CODE_UNSPECIFIED', s.name, `The emulator holds at most ${MAX_HELD_ROWS} uncommitted rows across streams; commit, flush or finalize some`);
        }
        this.table(s);
        for (const r of rows) s.held.push(r);
        this.heldRows += rows.length;
      }
      s.rowCount += rows.length;
      return at;
    });
  }

  /** BUFFERED only: rows up to and including `offset` (default: all appended) become visible. */
  async flush(name: string, offset: number | undefined): Promise<number> {
    const s = this.get(name);
    if (s.type !== 'BUFFERED') throw invalidArgument(`FlushRows is only supported on BUFFERED streams; ${name} is ${s.type ?? 'the default stream'}`, 'INVALID_STREAM_TYPE', name);
    return s.lock.run(async () => {
      if (s.commitTime) throw invalidArgument(`Stream ${name} is already committed`, 'STREAM_ALREADY_COMMITTED', name);
      const end = offset ?? s.rowCount - 1;
      if (end >= s.rowCount) throw new StorageApiError(status.OUT_OF_RANGE, 'OFFSET_OUT_OF_RANGE', name, `Flush offset ${end} is beyond the end of the stream (${s.rowCount} rows)`);
      if (end < 0) throw new StorageApiError(status.OUT_OF_RANGE, 'OFFSET_OUT_OF_RANGE', name, `Flush offset ${end} is not a row of the stream`);
      const n = end + 1 - s.visible;
      if (n > 0) {
        const t = this.table(s);
        const rows = s.held.slice(0, n);
        await this.state.engine.write((conn) => appendRows(conn, t, rows, Date.now()));
        s.held.splice(0, n);
        this.heldRows -= n;
        s.visible += n;
      }
      return end;
    });
  }

  /** No more appends; returns the stream's row count. BUFFERED rows never flushed are dropped. */
  async finalize(name: string): Promise<number> {
    const s = this.get(name);
    if (s.type === undefined) throw invalidArgument(`FinalizeWriteStream is not supported on the default stream: ${name}`, 'INVALID_STREAM_TYPE', name);
    return s.lock.run(async () => {
      if (!s.finalizeTime) {
        s.finalizeTime = new Date();
        if (s.type === 'BUFFERED') this.drop(s);
      }
      return s.rowCount;
    });
  }

  /**
   * Makes every listed PENDING stream's rows visible in one transaction, or
   * none: streams that cannot be committed are returned as errors and then
   * nothing is committed.
   */
  async batchCommit(parent: string, names: string[]): Promise<{ commitTime?: Date; errors: StorageApiError[] }> {
    const ref = parseTableName(parent);
    const t = this.table({ ...ref, name: parent });
    if (names.length === 0) throw invalidArgument('No write streams given to commit');
    const errors: StorageApiError[] = [];
    const list: WriteStreamRecord[] = [];
    for (const name of new Set(names)) {
      let s: WriteStreamRecord;
      try {
        s = this.get(name);
      } catch (err) {
        if (err instanceof StorageApiError) errors.push(err);
        else throw err;
        continue;
      }
      if (s.project !== ref.project || s.dataset !== ref.dataset || s.table !== ref.table) errors.push(invalidArgument(`Stream ${name} does not belong to ${parent}`, 'INVALID_STREAM_STATE', name));
      else if (s.type !== 'PENDING') errors.push(invalidArgument(`Stream ${name} is not a PENDING stream`, 'INVALID_STREAM_TYPE', name));
      else if (s.commitTime) errors.push(invalidArgument(`Stream ${name} is already committed`, 'STREAM_ALREADY_COMMITTED', name));
      else if (!s.finalizeTime) errors.push(invalidArgument(`Stream ${name} is not finalized`, 'INVALID_STREAM_STATE', name));
      else list.push(s);
    }
    if (errors.length > 0) return { errors };
    const rows = list.flatMap((s) => s.held);
    await this.state.engine.write(async (conn) => {
      await conn.run('BEGIN TRANSACTION');
      try {
        if (rows.length > 0) await appendRows(conn, t, rows, Date.now());
        await conn.run('COMMIT');
      } catch (err) {
        await conn.run('ROLLBACK').catch(() => undefined);
        throw err;
      }
    });
    const commitTime = new Date();
    for (const s of list) {
      s.visible = s.rowCount;
      this.drop(s);
      s.commitTime = commitTime;
    }
    return { commitTime, errors: [] };
  }

  /** Rows held by uncommitted streams (for the stats endpoint). */
  get held(): number {
    return this.heldRows;
  }

  clear(): void {
    this.streams.clear();
    this.defaults.clear();
    this.heldRows = 0;
  }

  private checkWritable(s: WriteStreamRecord): void {
    if (s.commitTime) throw invalidArgument(`Stream ${s.name} is already committed`, 'STREAM_ALREADY_COMMITTED', s.name);
    if (s.finalizeTime) throw invalidArgument(`Stream ${s.name} is finalized`, 'STREAM_FINALIZED', s.name);
  }

  private drop(s: WriteStreamRecord): void {
    this.heldRows -= s.held.length;
    s.held = [];
  }

  private makeRoom(): void {
    if (this.streams.size < MAX_STREAMS) return;
    // Oldest first (Map order is insertion order): settled streams hold nothing worth keeping.
    for (const [name, s] of this.streams) {
      if (s.commitTime || (s.finalizeTime && s.held.length === 0)) {
        this.drop(s);
        this.streams.delete(name);
        return;
      }
    }
    throw new StorageApiError(status.RESOURCE_EXHAUSTED, 'STORAGE_ERROR_CODE_UNSPECIFIED', '', `The emulator keeps at most ${MAX_STREAMS} open write streams; finalize or commit some`);
  }
}
