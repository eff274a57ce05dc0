// The Storage Write backend on @google-cloud/bigquery-storage's managed
// writer: a table's default stream, its schema from GetWriteStream (view
// FULL), the proto descriptor the client derives from it, and a JSONWriter on
// one StreamConnection. The endpoint comes from the client's standard options:
// unset is bigquerystorage.googleapis.com with Application Default
// Credentials; BQ_STORAGE_ENDPOINT=https://host[:port] another TLS endpoint;
// http://host:port a plaintext one (a local gRPC server such as the
// project's BigQuery emulator), as PUBSUB_EMULATOR_HOST does for Pub/Sub.
import { adapt, managedwriter, protos } from '@google-cloud/bigquery-storage';
import { credentials } from '@grpc/grpc-js';
import type { StorageEndpoint } from '../lib/config.js';
import type { OpenStream, StorageWriteBackend } from './bigquery-storage-write.js';
import type { ProtoRow, StorageField } from './storage-write-rows.js';

type ClientOptions = ConstructorParameters<typeof managedwriter.WriterClient>[0];
type JSONRows = Parameters<managedwriter.JSONWriter['appendRows']>[0];

/** WriterClient options for the configured endpoint (undefined: Google's, with Application Default Credentials). */
export function endpointOptions(endpoint: StorageEndpoint | undefined): ClientOptions {
  if (!endpoint) return {};
  return { apiEndpoint: endpoint.host, port: endpoint.port, ...(endpoint.plaintext ? { sslCreds: credentials.createInsecure() } : {}) };
}

const TYPE_NAMES = protos.google.cloud.bigquery.storage.v1.TableFieldSchema.Type;
const MODE_NAMES = protos.google.cloud.bigquery.storage.v1.TableFieldSchema.Mode;
type IField = protos.google.cloud.bigquery.storage.v1.ITableFieldSchema;

/** The storage TableSchema's fields with type and mode as names (the client may hand either names or numbers). */
export function storageFields(fields: IField[] | null | undefined): StorageField[] {
  return (fields ?? []).map((f) => {
    const type = typeof f.type === 'number' ? TYPE_NAMES[f.type] : String(f.type ?? '');
    const mode = typeof f.mode === 'number' ? MODE_NAMES[f.mode] : String(f.mode ?? 'NULLABLE');
    const out: StorageField = { name: String(f.name ?? ''), type: String(type), mode: mode === 'MODE_UNSPECIFIED' ? 'NULLABLE' : String(mode) };
    if (f.fields && f.fields.length > 0) out.fields = storageFields(f.fields);
    return out;
  });
}

export function managedWriterBackend(client: managedwriter.WriterClient, projectId: string, dataset: string): StorageWriteBackend {
  return {
    async open(table: string, timeoutMs: number): Promise<OpenStream> {
      const destinationTable = `projects/${projectId}/datasets/${dataset}/tables/${table}`;
      const streamId = `${destinationTable}/streams/_default`;
      // gax retries UNAVAILABLE for minutes by default: bound it by the sink's timeout.
      const ws = await client.getWriteStream({ streamId, view: protos.google.cloud.bigquery.storage.v1.WriteStreamView.FULL }, { timeout: timeoutMs });
      if (!ws.tableSchema) throw new Error(`GetWriteStream returned no table schema for ${destinationTable}`);
      const protoDescriptor = adapt.convertStorageSchemaToProto2Descriptor(ws.tableSchema, 'root');
      const connection = await client.createStreamConnection({ streamId, destinationTable });
      // Connection errors already fail the pending writes (and a later write
      // reconnects); without a listener a non-retryable one would be thrown
      // as an unhandled 'error' event and end the process.
      connection.onConnectionError(() => undefined);
      const writer = new managedwriter.JSONWriter({ connection, protoDescriptor });
      return {
        fields: storageFields(ws.tableSchema.fields),
        append: (rows: ProtoRow[]) => writer.appendRows(rows as unknown as JSONRows).getResult(),
        close: () => writer.close(),
      };
    },
  };
}
