// What every handler needs: the engine, the catalog, jobs, de-dup and stats.
import type { IncomingMessage } from 'node:http';
import type { Catalog } from './catalog.js';
import type { Dedup } from './dedup.js';
import type { DedupStore } from './dedup-store.js';
import type { Engine } from './engine.js';
import type { JobStore } from './job-store.js';
import type { Stats } from './stats.js';
import type { UploadSessions } from './upload-sessions.js';
import type { WriteStreams } from './storage/write-streams.js';

export interface EmulatorState {
  engine: Engine;
  catalog: Catalog;
  jobs: JobStore;
  dedup: Dedup;
  /** Set with --data: insertAll also stores its insertIds in the file. */
  dedupStore?: DedupStore;
  stats: Stats;
  log: (line: string) => void;
  /** Largest media upload a load job takes (bytes, after gzip inflation). */
  maxUploadBytes: number;
  uploads: UploadSessions;
  /** Local directory standing in for Cloud Storage (gs://bucket/path = <dir>/bucket/path); unset: gs:// refused. */
  gcsDir?: string;
  /** The Storage Write API's streams (set once its gRPC server is up). */
  writeStreams?: WriteStreams;
  /** Forgets the Storage Read API's sessions (reset). */
  clearReadSessions?: () => void;
}

export interface RequestContext {
  method: string;
  /** Path parameters by name (projectId, datasetId, tableId, jobId). */
  params: Record<string, string>;
  query: URLSearchParams;
  /** The request path as sent (with its /bigquery/v2 or /upload prefix). */
  path: string;
  body: Record<string, unknown>;
  /** Scheme://host:port the client used, for selfLinks and the discovery document. */
  origin: string;
  /** The raw request, for routes that read their own body (media uploads). */
  request: IncomingMessage;
}

export interface Reply {
  status: number;
  body?: unknown;
  contentType?: string;
  headers?: Record<string, string>;
}

export type Handler = (state: EmulatorState, ctx: RequestContext) => Promise<Reply>;

export const ok = (body: unknown): Reply => ({ status: 200, body });
