// The one seam between the BigQuery sinks and the BigQuery write API. Cores
// and the group commit see only this, so insertAll today can become the
// Storage Write API later without touching them.

export interface RowToInsert {
  /** Deduplication key: a redelivered event reuses it. */
  insertId: string;
  /** Column name -> value, in the JSON shape the table's REST API accepts. */
  json: Record<string, unknown>;
}

/** A row the backend rejected for good (retrying the same bytes cannot succeed). */
export interface RowRejection {
  /** Index into the rows passed to insert(). */
  index: number;
  /** Backend reason, e.g. `invalid`. */
  reason: string;
  /** Column the backend blamed, when it said (its message may echo row data, so it is not kept). */
  location: string;
}

export interface InsertResult {
  /** Every row not listed here is durable once insert() resolves. */
  rejected: RowRejection[];
}

export interface RowSink {
  /**
   * Writes rows to `table`. Resolves when every row is either durable or
   * listed in `rejected`; rejects (throws) on anything transient (429, 5xx,
   * network, timeout), and then no row may be assumed written.
   */
  insert(table: string, rows: RowToInsert[]): Promise<InsertResult>;
}
