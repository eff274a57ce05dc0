// insertId de-duplication. BigQuery de-duplicates streaming rows by insertId
// on a best-effort basis for at least one minute; the emulator remembers every
// insertId per table for a fixed window (default 10 minutes), so retries in
// that window never double rows. With --data the window is also kept in the
// DuckDB file (dedup-store.ts) and restored at start.
export const DEFAULT_DEDUP_WINDOW_MS = 10 * 60 * 1000;

/**
 * Expired ids are dropped at most this often per table (a sweep walks the
 * map from its oldest end): check() compares ages itself, so an id past the
 * window is never taken for a duplicate, it only stays in memory a moment
 * longer. Sweeping per row cost an iterator per inserted row.
 */
const SWEEP_EVERY_MS = 1000;

export class Dedup {
  private readonly seen = new Map<string, Map<string, number>>();
  private readonly sweptAt = new Map<string, number>();

  constructor(readonly windowMs = DEFAULT_DEDUP_WINDOW_MS) {}

  /** True when the id was seen within the window; records it otherwise. */
  check(tableKey: string, insertId: string, now = Date.now()): boolean {
    let ids = this.seen.get(tableKey);
    if (!ids) {
      ids = new Map();
      this.seen.set(tableKey, ids);
    }
    const at = ids.get(insertId);
    if (at !== undefined) {
      if (now - at < this.windowMs) return true;
      // Re-inserting moves the key to the end, keeping the map ordered by time.
      ids.delete(insertId);
    }
    ids.set(insertId, now);
    if (now - (this.sweptAt.get(tableKey) ?? 0) >= SWEEP_EVERY_MS) {
      this.sweptAt.set(tableKey, now);
      this.expire(ids, now);
    }
    return false;
  }

  /** Puts back an id recorded at `at` (loaded from the data file; call oldest first). */
  restore(tableKey: string, insertId: string, at: number): void {
    let ids = this.seen.get(tableKey);
    if (!ids) {
      ids = new Map();
      this.seen.set(tableKey, ids);
    }
    ids.delete(insertId);
    ids.set(insertId, at);
  }

  /** Forgets an id (its row was not written after all). */
  forget(tableKey: string, insertId: string): void {
    this.seen.get(tableKey)?.delete(insertId);
  }

  dropTable(tableKey: string): void {
    this.seen.delete(tableKey);
    this.sweptAt.delete(tableKey);
  }

  clear(): void {
    this.seen.clear();
    this.sweptAt.clear();
  }

  private expire(ids: Map<string, number>, now: number): void {
    for (const [id, at] of ids) {
      if (now - at < this.windowMs) break;
      ids.delete(id);
    }
  }
}
