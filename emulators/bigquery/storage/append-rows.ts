// One AppendRows connection (a bidirectional stream). Requests are handled in
// the order they arrive and answered in that order, as the client matches
// responses to its pending writes first in, first out. The first request
// names the stream and carries the writer schema; later ones may omit both.
// Every failure is answered in-band (AppendRowsResponse.error), so the
// connection stays usable, as BigQuery's does.
import { status, type ServerDuplexStream } from '@grpc/grpc-js';
import type protobuf from 'protobufjs';
import type { EmulatorState } from '../state.js';
import { decodeRows, rowPlan, SchemaMismatch, writerType } from './proto-rows.js';
import { invalidArgument, StorageApiError } from './storage-error.js';
import type { WriteStreams } from './write-streams.js';

interface AppendRowsRequest {
  writeStream?: string;
  offset?: { value?: string };
  protoRows?: { writerSchema?: { protoDescriptor?: unknown }; rows?: { serializedRows?: Buffer[] } };
  arrowRows?: unknown;
  traceId?: string;
}

interface AppendRowsResponse {
  appendResult?: { offset?: { value: string } };
  error?: { code: number; message: string };
  rowErrors?: { index: string; code: 'FIELDS_ERROR'; message: string }[];
  writeStream: string;
}

/** Rows per request: a 10 MB request of 1-byte rows would be 10M rows; BigQuery caps the request, not the count. */
const MAX_ROWS_PER_REQUEST = 1_000_000;

export function handleAppendRows(state: EmulatorState, streams: WriteStreams, call: ServerDuplexStream<AppendRowsRequest, AppendRowsResponse>): void {
  let streamName = '';
  let type: protobuf.Type | undefined;
  let chain = Promise.resolve();
  let closed = false;
  call.on('cancelled', () => (closed = true));
  call.on('error', () => (closed = true));

  const answer = async (req: AppendRowsRequest): Promise<AppendRowsResponse> => {
    if (req.writeStream) {
      if (req.writeStream !== streamName) type = undefined;
      streamName = req.writeStream;
    }
    try {
      if (!streamName) throw invalidArgument('The first AppendRows request must name write_stream');
      const s = streams.get(streamName);
      if (req.arrowRows) throw new StorageApiError(status.UNIMPLEMENTED, 'STORAGE_ERROR_CODE_UNSPECIFIED', streamName, 'The emulator accepts proto rows only (arrow_rows is not implemented)');
      const proto = req.protoRows;
      if (!proto) throw invalidArgument('AppendRows request has no rows (proto_rows)');
      if (proto.writerSchema?.protoDescriptor) type = writerType(proto.writerSchema.protoDescriptor);
      if (!type) throw invalidArgument('The first AppendRows request on a connection (or for a new stream) must carry writer_schema');
      const serialized = proto.rows?.serializedRows ?? [];
      if (serialized.length === 0) throw invalidArgument('AppendRows request has no rows');
      if (serialized.length > MAX_ROWS_PER_REQUEST) throw invalidArgument(`Too many rows in one request: ${serialized.length}`);
      const offset = req.offset?.value !== undefined ? Number(req.offset.value) : undefined;
      if (offset !== undefined && (!Number.isSafeInteger(offset) || offset < 0)) throw invalidArgument(`Invalid offset ${req.offset?.value}`);
      const t = streams.table(s);
      const plan = rowPlan(type, t.fields);
      state.stats.storageAppendRequests++;
      const { rows, failures } = decodeRows(type, plan, serialized);
      if (failures.length > 0) {
        state.stats.storageRowErrors += failures.length;
        return {
          error: { code: status.INVALID_ARGUMENT, message: `Errors found while processing rows. Please refer to the row_errors field for details. The list may not be complete because of the size limitations. Entity: ${streamName}` },
          rowErrors: failures.map((f) => ({ index: String(f.index), code: 'FIELDS_ERROR', message: f.message })),
          writeStream: streamName,
        };
      }
      const at = await streams.append(s, rows, offset);
      state.stats.storageRowsAppended += rows.length;
      return { appendResult: at === undefined ? {} : { offset: { value: String(at) } }, writeStream: streamName };
    } catch (err) {
      if (err instanceof StorageApiError) return { error: { code: err.grpcCode, message: err.message }, writeStream: streamName };
      if (err instanceof SchemaMismatch) return { error: { code: status.INVALID_ARGUMENT, message: err.message }, writeStream: streamName };
      state.log(`AppendRows error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      return { error: { code: status.INTERNAL, message: err instanceof Error ? err.message : String(err) }, writeStream: streamName };
    }
  };

  call.on('data', (req: AppendRowsRequest) => {
    chain = chain.then(async () => {
      const res = await answer(req);
      if (!closed) call.write(res);
    });
  });
  call.on('end', () => {
    chain = chain.then(() => {
      if (!closed) call.end();
    });
  });
}
