// The DuckDB side: one instance (in memory or a file), one writer connection
// behind a lock, fresh reader connections for queries, and the SQL macros the
// GoogleSQL translation relies on.
//
// The instance is locked down before any request reaches it: no file or
// network access from SQL (read_csv, COPY, ATTACH, httpfs...), no extension
// installs or loads, and the configuration locked so no statement can undo
// that. Load and extract jobs read and write files in JS instead
// (load-job.ts, extract-job.ts). The database file itself is the instance's
// own, opened before the lock, so --data still works.
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { Mutex } from './mutex.js';
import { MACROS } from './sql/macros.js';

// json, parquet, icu and core_functions are built into @duckdb/node-api;
// nothing else may be fetched or loaded.
const INSTANCE_CONFIG = {
  autoinstall_known_extensions: 'false',
  autoload_known_extensions: 'false',
  // BigQuery orders NULLs first ascending, last descending.
  default_null_order: 'nulls_first_on_asc_last_on_desc',
};
// Set after the macros (the ICU time zone setting still reads the extension
// directory), then locked: every connection inherits these GLOBAL values.
const LOCKDOWN = [`SET GLOBAL TimeZone = 'UTC'`, 'SET GLOBAL enable_external_access = false', 'SET GLOBAL lock_configuration = true'];

/** Aborting the signal interrupts the statement running on the connection. */
async function interruptible<T>(conn: DuckDBConnection, signal: AbortSignal | undefined, fn: (conn: DuckDBConnection) => Promise<T>): Promise<T> {
  if (!signal) return fn(conn);
  signal.throwIfAborted();
  const onAbort = (): void => conn.interrupt();
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    return await fn(conn);
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

export class Engine {
  private readonly writeLock = new Mutex();
  private closed = false;

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly writer: DuckDBConnection,
    private readonly dataFile: string | undefined,
  ) {}

  static async open(dataFile?: string): Promise<Engine> {
    const instance = await DuckDBInstance.create(dataFile ?? ':memory:', INSTANCE_CONFIG);
    const writer = await instance.connect();
    for (const m of MACROS) await writer.run(m);
    for (const s of LOCKDOWN) await writer.run(s);
    return new Engine(instance, writer, dataFile);
  }

  /** Runs fn with the writer connection, one caller at a time; an abort interrupts it (or skips it while it waits). */
  write<T>(fn: (conn: DuckDBConnection) => Promise<T>, signal?: AbortSignal): Promise<T> {
    return this.writeLock.run(() => interruptible(this.writer, signal, fn));
  }

  /** Runs fn on a fresh connection (reads see committed data); an abort interrupts it. */
  async read<T>(fn: (conn: DuckDBConnection) => Promise<T>, signal?: AbortSignal): Promise<T> {
    signal?.throwIfAborted();
    const conn = await this.instance.connect();
    try {
      return await interruptible(conn, signal, fn);
    } finally {
      conn.closeSync();
    }
  }

  /**
   * Checkpoints (with --data: writes the WAL into the file) and closes. A
   * failed checkpoint is reported, not swallowed: the rows are still in the
   * WAL next to the file, which DuckDB replays on the next open.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.writeLock.run(async () => {
      let failure: unknown;
      try {
        await this.writer.run('CHECKPOINT');
      } catch (err) {
        failure = err;
      }
      this.writer.closeSync();
      this.instance.closeSync();
      if (failure !== undefined) {
        const where = this.dataFile ?? 'the in-memory database';
        const why = failure instanceof Error ? failure.message : String(failure);
        throw new Error(`CHECKPOINT of ${where} failed: ${why} (the WAL, ${where}.wal, keeps what was not checkpointed; DuckDB replays it on the next open)`);
      }
    });
  }
}
