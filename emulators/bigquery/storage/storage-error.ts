// Storage API failures: a gRPC status code plus the StorageError code BigQuery
// attaches (google.cloud.bigquery.storage.v1.StorageError). Unary calls carry
// the StorageError in the `...storageerror-bin` trailer, where the client's
// managedwriter.parseStorageErrors reads it; AppendRows answers in-band.
import { Metadata, status } from '@grpc/grpc-js';
import protobuf from 'protobufjs';
import { storageProtos } from './protos.js';

export type StorageErrorCode =
  | 'TABLE_NOT_FOUND'
  | 'STREAM_ALREADY_COMMITTED'
  | 'STREAM_NOT_FOUND'
  | 'INVALID_STREAM_TYPE'
  | 'INVALID_STREAM_STATE'
  | 'STREAM_FINALIZED'
  | 'SCHEMA_MISMATCH_EXTRA_FIELDS'
  | 'OFFSET_ALREADY_EXISTS'
  | 'OFFSET_OUT_OF_RANGE'
  | 'STORAGE_ERROR_CODE_UNSPECIFIED';

export class StorageApiError extends Error {
  constructor(
    readonly grpcCode: status,
    readonly storageCode: StorageErrorCode,
    readonly entity: string,
    message: string,
  ) {
    super(message);
  }
}

export const invalidArgument = (message: string, storageCode: StorageErrorCode = 'STORAGE_ERROR_CODE_UNSPECIFIED', entity = ''): StorageApiError =>
  new StorageApiError(status.INVALID_ARGUMENT, storageCode, entity, message);

let storageErrorType: protobuf.Type | undefined;

/** The StorageError message, encoded the way BigQuery sends it in trailers. */
export function encodeStorageError(e: StorageApiError): Buffer {
  storageErrorType ??= protobuf.Root.fromJSON(storageProtos()).lookupType('google.cloud.bigquery.storage.v1.StorageError');
  const msg = storageErrorType.fromObject({ code: e.storageCode, entity: e.entity, errorMessage: e.message });
  return Buffer.from(storageErrorType.encode(msg).finish());
}

/** A unary call's error: status, message and the StorageError trailer. */
export function grpcError(err: unknown): { code: status; details: string; metadata?: Metadata } {
  if (err instanceof StorageApiError) {
    const metadata = new Metadata();
    if (err.storageCode !== 'STORAGE_ERROR_CODE_UNSPECIFIED') metadata.add('google.cloud.bigquery.storage.v1.storageerror-bin', encodeStorageError(err));
    return { code: err.grpcCode, details: err.message, metadata };
  }
  return { code: status.INTERNAL, details: err instanceof Error ? err.message : String(err) };
}
