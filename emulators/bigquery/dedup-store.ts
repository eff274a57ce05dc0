// The insertId de-dup window kept in the DuckDB file (--data only), so a retry
// that reaches a restarted emulator is still recognised. insertAll records a
// request's ids as one row (a JSON array) in the same transaction as its rows:
// either both are stored or neither. The in-memory default skips all of this.
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Dedup } from './dedup.js';
import { qstr } from './sql/quote.js';

const SCHEMA = '__bq_meta';
const TABLE = 'insert_id_batches';
const IDS = `${SCHEMA}.${TABLE}`;
// Expired ids are deleted at most this often (a DELETE per request would scan the window each time).
const PRUNE_EVERY_MS = 60_000;

/** Created by the catalog next to its own metadata tables (also in memory, where it stays empty). */
export const INSERT_IDS_DDL = `CREATE TABLE IF NOT EXISTS ${IDS} (table_key VARCHAR, at_ms BIGINT, ids VARCHAR)`;

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
    const rows = (await conn.runAndReadAll(`SELECT table_key, at_ms, ids FROM ${IDS} ORDER BY at_ms`)).getRows();
    let n = 0;
    for (const [tableKey, at, ids] of rows) {
      const list = JSON.parse(String(ids)) as string[];
      for (const id of list) dedup.restore(String(tableKey), id, Number(at));
      n += list.length;
    }
    this.lastPrune = now;
    return n;
  }

  /** Inside the caller's transaction: appends the request's ids as one row and prunes now and then. */
  async record(conn: DuckDBConnection, tableKey: string, ids: string[], now: number): Promise<void> {
    const app = await conn.createAppender(TABLE, SCHEMA);
    try {
      app.appendVarchar(tableKey);
      app.appendBigInt(BigInt(now));
      app.appendVarchar(JSON.stringify(ids));
      app.endRow();
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
