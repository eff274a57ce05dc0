// The DuckDB side: one instance (in memory or a file), one writer connection
// behind a lock, fresh reader connections for queries, and the SQL macros the
// GoogleSQL translation relies on.
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { Mutex } from './mutex.js';
import { MACROS } from './sql/macros.js';

// BigQuery semantics the whole engine needs: UTC wall clock for TIMESTAMP and
// NULLs first when ascending / last when descending.
const SESSION_SETTINGS = [`SET TimeZone = 'UTC'`, `SET default_null_order = 'nulls_first_on_asc_last_on_desc'`];

export class Engine {
  private readonly writeLock = new Mutex();
  private closed = false;

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly writer: DuckDBConnection,
  ) {}

  static async open(dataFile?: string): Promise<Engine> {
    const instance = await DuckDBInstance.create(dataFile ?? ':memory:', { default_null_order: 'nulls_first_on_asc_last_on_desc' });
    const writer = await instance.connect();
    for (const s of SESSION_SETTINGS) await writer.run(s);
    for (const m of MACROS) await writer.run(m);
    return new Engine(instance, writer);
  }

  /** Runs fn with the writer connection, one caller at a time. */
  write<T>(fn: (conn: DuckDBConnection) => Promise<T>): Promise<T> {
    return this.writeLock.run(() => fn(this.writer));
  }

  /** Runs fn on a fresh connection (reads see committed data). */
  async read<T>(fn: (conn: DuckDBConnection) => Promise<T>): Promise<T> {
    const conn = await this.instance.connect();
    try {
      for (const s of SESSION_SETTINGS) await conn.run(s);
      return await fn(conn);
    } finally {
      conn.closeSync();
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.writeLock.run(async () => {
      try {
        await this.writer.run('CHECKPOINT');
      } catch {
        // in-memory databases have nothing to checkpoint
      }
      this.writer.closeSync();
      this.instance.closeSync();
    });
  }
}

/** Quotes an identifier for DuckDB. */
export function qid(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Quotes a string literal for DuckDB. */
export function qstr(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}
