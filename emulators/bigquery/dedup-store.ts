// The insertId de-dup window kept in the DuckDB file (--data only), so a retry
// that reaches a restarted emulator is still recognised. insertAll records a
// request's ids with one appender in the same transaction as its rows: either
// both are stored or neither. The in-memory default skips all of this.
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Dedup } from './dedup.js';
import { qstr } from './engine.js';

const SCHEMA = '__bq_meta';
const TABLE = 'insert_ids';
const IDS = `${SCHEMA}.${TABLE}`;
// Expired ids are deleted at most this often (a DELETE per request would scan the window each time).
const PRUNE_EVERY_MS = 60_000;

/** Created by the catalog next to its own metadata tables (also in memory, where it stays empty). */
export const INSERT_IDS_DDL = `CREATE TABLE IF NOT EXISTS ${IDS} (table_key VARCHAR, insert_id VARCHAR, at_ms BIGINT)`;

/** Forgets the ids of a dropped table, or of every table of a dropped dataset. */
export function deleteInsertIdsSql(project: string, dataset: string, table?: string): string {
  return table === undefined
    ? `DELETE FROM ${IDS} WHERE starts_with(table_key, ${qstr(`${project}:${dataset}.`)})`
    : `DELETE FROM ${IDS} WHERE table_key = ${qstr(`${project}:${dataset}.${table}`)}`;
}

export class DedupStore {
  private lastPrune = 0;

  constructor(private readonly windowMs: number) {}

  /** At start: drops expired ids and puts the rest back into the in-memory window, oldest first. */
  async load(conn: DuckDBConnection, dedup: Dedup, now = Date.now()): Promise<number> {
    await conn.run(`DELETE FROM ${IDS} WHERE at_ms <= ${now - this.windowMs}`);
    const rows = (await conn.runAndReadAll(`SELECT table_key, insert_id, at_ms FROM ${IDS} ORDER BY at_ms`)).getRows();
    for (const [tableKey, id, at] of rows) dedup.restore(String(tableKey), String(id), Number(at));
    this.lastPrune = now;
    return rows.length;
  }

  /** Inside the caller's transaction: appends the request's ids (one appender flush) and prunes now and then. */
  async record(conn: DuckDBConnection, tableKey: string, ids: string[], now: number): Promise<void> {
    const app = await conn.createAppender(TABLE, SCHEMA);
    try {
      const at = BigInt(now);
      for (const id of ids) {
        app.appendVarchar(tableKey);
        app.appendVarchar(id);
        app.appendBigInt(at);
        app.endRow();
      }
      app.flushSync();
    } finally {
      app.closeSync();
    }
    if (now - this.lastPrune >= PRUNE_EVERY_MS) {
      await conn.run(`DELETE FROM ${IDS} WHERE at_ms <= ${now - this.windowMs}`);
      this.lastPrune = now;
    }
  }
}
