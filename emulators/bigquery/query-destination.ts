// A query job with configuration.query.destinationTable: the SELECT's rows go
// into the table (created from the result schema when needed, truncated or
// appended per writeDisposition, matched BY NAME), and the same rows are the
// job's result, all in one transaction on the writer.
import type { DuckDBValue } from '@duckdb/node-api';
import { tableSql } from './catalog.js';
import { qid } from './sql/quote.js';
import type { ResultColumn } from './value-format.js';
import type { EmulatorState } from './state.js';
import { prepareDestination, writeInTransaction, type Destination } from './table-write.js';

const RESULT = '__bq_query_result';

export async function selectInto(
  state: EmulatorState,
  sql: string,
  columns: ResultColumn[],
  dest: Destination,
  signal?: AbortSignal,
): Promise<DuckDBValue[][]> {
  const target = await prepareDestination(state, dest, columns.map((c) => c.field));
  return writeInTransaction(
    state,
    target,
    async (conn) => {
      // Columns renamed by position to the result schema's names (f0_ for unnamed expressions).
      await conn.run(`CREATE OR REPLACE TEMP TABLE ${RESULT} AS SELECT * FROM (${sql}) AS __q(${columns.map((c) => qid(c.field.name)).join(', ')})`);
      try {
        await conn.run(`INSERT INTO ${tableSql(target.table)} BY NAME SELECT * FROM ${RESULT}`);
        const r = await conn.runAndReadAll(`SELECT * FROM ${RESULT}`);
        return r.getRows() as DuckDBValue[][];
      } finally {
        await conn.run(`DROP TABLE IF EXISTS ${RESULT}`);
      }
    },
    signal,
  );
}
