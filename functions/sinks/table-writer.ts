// One table's rows through a group commit onto a RowSink: concurrent
// deliveries share insert requests, and each delivery learns which of its
// own rows (if any) the backend rejected.
import { GroupCommit, type Timers } from '../lib/group-commit.js';
import type { RowSink, RowToInsert } from './row-sink.js';

/** null: durable; otherwise why the backend rejected the row for good. */
export type RowOutcome = { reason: string; location: string } | null;

export interface TableWriter {
  write(rows: readonly RowToInsert[]): Promise<RowOutcome[]>;
  readonly batcher: GroupCommit<RowToInsert, RowOutcome>;
}

export interface TableWriterOptions {
  maxRows: number;
  maxWaitMs: number;
  /** A lone delivery is inserted at once (functions/lib/group-commit.ts). */
  earlyFlush?: boolean;
  maxInFlight?: number;
  timers?: Timers;
}

export function tableWriter(sink: RowSink, table: string, opts: TableWriterOptions): TableWriter {
  const batcher = new GroupCommit<RowToInsert, RowOutcome>({
    maxItems: opts.maxRows,
    maxWaitMs: opts.maxWaitMs,
    ...(opts.earlyFlush !== undefined ? { earlyFlush: opts.earlyFlush } : {}),
    ...(opts.maxInFlight !== undefined ? { maxInFlight: opts.maxInFlight } : {}),
    ...(opts.timers ? { timers: opts.timers } : {}),
    flush: async (rows) => {
      const result = await sink.insert(table, rows);
      const outcomes: RowOutcome[] = rows.map(() => null);
      for (const r of result.rejected) outcomes[r.index] = { reason: r.reason, location: r.location };
      return outcomes;
    },
  });
  return { batcher, write: (rows) => batcher.add(rows) };
}
