// The instance's BigQuery RowSink, created once on first use, chosen by
// BQ_WRITE_API: the Storage Write API's default stream (default) or legacy
// insertAll. Neither knows about emulators: @google-cloud/bigquery reads
// BIGQUERY_EMULATOR_HOST itself (its constructor uses it as the base URL),
// and the Storage Write client takes BQ_STORAGE_ENDPOINT through its standard
// endpoint options (storage-write-client.ts).
import { BigQuery } from '@google-cloud/bigquery';
import { managedwriter } from '@google-cloud/bigquery-storage';
import { config } from '../lib/config.js';
import { InsertAllSink } from './bigquery-insert-all.js';
import { StorageWriteSink } from './bigquery-storage-write.js';
import type { RowSink } from './row-sink.js';
import { endpointOptions, managedWriterBackend } from './storage-write-client.js';

let sink: RowSink | undefined;

export function bigQueryRowSink(): RowSink {
  if (!sink) {
    const cfg = config();
    if (cfg.bqWriteApi === 'insert-all') {
      const dataset = new BigQuery({ projectId: cfg.projectId }).dataset(cfg.dataset);
      sink = new InsertAllSink((name) => dataset.table(name));
    } else {
      const client = new managedwriter.WriterClient({ projectId: cfg.projectId, ...endpointOptions(cfg.bqStorageEndpoint) });
      sink = new StorageWriteSink(managedWriterBackend(client, cfg.projectId, cfg.dataset));
    }
  }
  return sink;
}
