// The instance's BigQuery RowSink, created once on first use. The client
// reads BIGQUERY_EMULATOR_HOST itself (checked in @google-cloud/bigquery 9.3:
// its constructor uses that variable as the base URL, e.g.
// BIGQUERY_EMULATOR_HOST=http://127.0.0.1:9050), so nothing here knows about
// emulators.
import { BigQuery } from '@google-cloud/bigquery';
import { config } from '../lib/config.js';
import { InsertAllSink } from './bigquery-insert-all.js';
import type { RowSink } from './row-sink.js';

let sink: RowSink | undefined;

export function bigQueryRowSink(): RowSink {
  if (!sink) {
    const cfg = config();
    const dataset = new BigQuery({ projectId: cfg.projectId }).dataset(cfg.dataset);
    sink = new InsertAllSink((name) => dataset.table(name));
  }
  return sink;
}
