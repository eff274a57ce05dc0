// The BigQuery Storage API over gRPC (plaintext, loopback only), beside the
// emulator's REST server and on the same DuckDB: the Write API (what
// AppendRows makes visible, queries and tabledata.list see at once) and the
// Read API (CreateReadSession, ReadRows in Arrow).
import { Server, ServerCredentials, type sendUnaryData, type ServerUnaryCall, type ServerWritableStream, type UntypedServiceImplementation } from '@grpc/grpc-js';
import type { EmulatorState } from '../state.js';
import { handleAppendRows } from './append-rows.js';
import { storageServices } from './protos.js';
import { ReadSessions } from './read-sessions.js';
import { grpcError, invalidArgument } from './storage-error.js';
import { storageTableSchema } from './storage-schema.js';
import { WriteStreams, type WriteStreamRecord } from './write-streams.js';

export interface StorageGrpcServer {
  port: number;
  streams: WriteStreams;
  readSessions: ReadSessions;
  close(): Promise<void>;
}

/** AppendRows requests may be 10 MB (BigQuery's limit); keep room for the envelope. */
const MAX_MESSAGE_BYTES = 20 * 1024 * 1024;

type Req = Record<string, unknown>;

function timestamp(d: Date | undefined): { seconds: string; nanos: number } | undefined {
  if (!d) return undefined;
  const ms = d.getTime();
  return { seconds: String(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1e6 };
}

function streamResource(streams: WriteStreams, s: WriteStreamRecord, full: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {
    name: s.name,
    // The default stream reports itself as COMMITTED, as BigQuery's does.
    type: s.type ?? 'COMMITTED',
    createTime: timestamp(s.createTime),
    writeMode: 'INSERT',
    location: 'US',
  };
  if (s.commitTime) out['commitTime'] = timestamp(s.commitTime);
  if (full) out['tableSchema'] = storageTableSchema(streams.table(s).fields);
  return out;
}

/** A unary handler: the answer, or a gRPC error carrying BigQuery's StorageError. */
function unary(state: EmulatorState, method: string, fn: (req: Req) => Promise<unknown>) {
  return (call: ServerUnaryCall<Req, unknown>, callback: sendUnaryData<unknown>): void => {
    state.stats.count(`storage.${method}`);
    fn(call.request).then(
      (res) => callback(null, res),
      (err: unknown) => callback(grpcError(err)),
    );
  };
}

function offsetOf(v: unknown): number | undefined {
  const raw = (v as { value?: string } | undefined)?.value;
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isSafeInteger(n)) throw invalidArgument(`Invalid offset ${raw}`);
  return n;
}

export async function startStorageGrpcServer(state: EmulatorState, port: number): Promise<StorageGrpcServer> {
  const streams = new WriteStreams(state);
  const server = new Server({ 'grpc.max_receive_message_length': MAX_MESSAGE_BYTES, 'grpc.max_send_message_length': MAX_MESSAGE_BYTES });
  const write: UntypedServiceImplementation = {
    CreateWriteStream: unary(state, 'CreateWriteStream', async (req) => {
      const ws = (req['writeStream'] ?? {}) as { type?: unknown };
      return streamResource(streams, streams.create(String(req['parent'] ?? ''), ws.type), true);
    }),
    GetWriteStream: unary(state, 'GetWriteStream', async (req) => streamResource(streams, streams.get(String(req['name'] ?? '')), req['view'] === 'FULL')),
    FinalizeWriteStream: unary(state, 'FinalizeWriteStream', async (req) => ({ rowCount: String(await streams.finalize(String(req['name'] ?? ''))) })),
    FlushRows: unary(state, 'FlushRows', async (req) => ({ offset: String(await streams.flush(String(req['writeStream'] ?? ''), offsetOf(req['offset']))) })),
    BatchCommitWriteStreams: unary(state, 'BatchCommitWriteStreams', async (req) => {
      const names = Array.isArray(req['writeStreams']) ? (req['writeStreams'] as unknown[]).map(String) : [];
      const { commitTime, errors } = await streams.batchCommit(String(req['parent'] ?? ''), names);
      if (errors.length > 0) return { streamErrors: errors.map((e) => ({ code: e.storageCode, entity: e.entity, errorMessage: e.message })) };
      return { commitTime: timestamp(commitTime) };
    }),
    AppendRows: (call: Parameters<typeof handleAppendRows>[2]) => {
      state.stats.count('storage.AppendRows');
      handleAppendRows(state, streams, call);
    },
  };
  server.addService(storageServices().write, write);
  const readSessions = new ReadSessions(state);
  const read: UntypedServiceImplementation = {
    CreateReadSession: unary(state, 'CreateReadSession', (req) => readSessions.create(req)),
    ReadRows: (call: ServerWritableStream<Req, unknown>) => {
      state.stats.count('storage.ReadRows');
      readSessions.read(call).then(
        () => call.end(),
        (err: unknown) => call.destroy(Object.assign(new Error(grpcError(err).details), grpcError(err))),
      );
    },
    SplitReadStream: unary(state, 'SplitReadStream', async () => ({})),
  };
  server.addService(storageServices().read, read);
  // Loopback only: the Storage API has no authentication here.
  const bound = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`127.0.0.1:${port}`, ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  let closing: Promise<void> | undefined;
  return {
    port: bound,
    streams,
    readSessions,
    close(): Promise<void> {
      closing ??= new Promise<void>((resolve) => {
        // Let calls under way finish briefly, then cut them (AppendRows connections stay open otherwise).
        const timer = setTimeout(() => server.forceShutdown(), 1000);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      });
      return closing;
    },
  };
}
