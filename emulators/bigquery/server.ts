// The BigQuery emulator: an HTTP server speaking the BigQuery REST API v2,
// backed by DuckDB (in memory, or a file with --data).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Catalog } from './catalog.js';
import { Dedup, DEFAULT_DEDUP_WINDOW_MS } from './dedup.js';
import { DedupStore } from './dedup-store.js';
import { Engine } from './engine.js';
import { type BqError, toBqError } from './errors.js';
import { DEFAULT_JOB_LIMITS, JobStore, type JobLimits } from './job-store.js';
import { DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_UPLOAD_BYTES, PayloadTooLarge, readJsonBody } from './request-body.js';
import { checkRequestSource, type GuardOptions } from './request-guard.js';
import { match } from './router.js';
import { Stats } from './stats.js';
import { startStorageGrpcServer } from './storage/grpc-server.js';
import { UploadSessions } from './upload-sessions.js';
import type { EmulatorState, Reply, RequestContext } from './state.js';

export interface BigQueryEmulatorOptions {
  host?: string;
  /** 0 (default) picks a free port. */
  port?: number;
  /** DuckDB file to persist to; in memory when absent. */
  dataFile?: string;
  log?: (line: string) => void;
  /** insertId de-duplication window (default 10 minutes). */
  dedupWindowMs?: number;
  /** How long close() lets in-flight requests finish before dropping connections (default 3 s). */
  drainMs?: number;
  /** Host names accepted besides IP addresses and localhost (default none). */
  allowedHosts?: string[];
  /** Largest JSON request body, after gzip inflation (default 10 MiB, BigQuery's request limit). */
  maxBodyBytes?: number;
  /** Largest media upload (load jobs), after gzip inflation (default 256 MiB). */
  maxUploadBytes?: number;
  /** Jobs kept, query result bytes held, longest job (defaults: 1000, 256 MiB, 5 min). */
  jobLimits?: Partial<JobLimits>;
  /** Directory standing in for Cloud Storage: extract jobs write gs://b/p to <dir>/b/p, load jobs read from it. */
  gcsDir?: string;
  /** Port of the Storage Write API (gRPC, always on 127.0.0.1); 0 (default) picks a free port. */
  grpcPort?: number;
}

export interface BigQueryEmulator {
  url: string;
  port: number;
  /** The Storage Write API's gRPC port on 127.0.0.1 (point the client at it with apiEndpoint 127.0.0.1 and this port). */
  grpcPort: number;
  close(): Promise<void>;
}

// Below the 5 s a process-group stop waits before SIGKILL, leaving time for the checkpoint.
const DEFAULT_DRAIN_MS = 3000;

function send(res: http.ServerResponse, reply: Reply): void {
  if (reply.status === 204 || reply.body === undefined) {
    res.writeHead(reply.status, reply.headers);
    res.end();
    return;
  }
  const text = JSON.stringify(reply.body);
  res.writeHead(reply.status, { ...reply.headers, 'content-type': reply.contentType ?? 'application/json; charset=UTF-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

interface ServerConfig {
  guard: GuardOptions;
  maxBodyBytes: number;
}

async function handle(state: EmulatorState, config: ServerConfig, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const started = Date.now();
  const url = new URL(req.url ?? '/', 'http://localhost');
  const method = (req.method ?? 'GET').toUpperCase();
  const origin = `http://${req.headers.host ?? 'localhost'}`;
  let reply: Reply;
  try {
    checkRequestSource(req, method, config.guard);
    if (url.pathname === '/' && method === 'GET') reply = { status: 200, body: { status: 'ok' } };
    else if (url.pathname === '/emulator/v1/stats' && method === 'GET') reply = { status: 200, body: state.stats };
    else if (url.pathname === '/emulator/v1/reset' && method === 'POST') {
      await readJsonBody(req, config.maxBodyBytes);
      await state.jobs.clear();
      state.uploads.clear();
      await state.catalog.reset();
      state.dedup.clear();
      state.writeStreams?.clear();
      state.clearReadSessions?.();
      state.stats.reset();
      reply = { status: 200, body: { status: 'reset' } };
    } else {
      const m = match(method, url.pathname);
      state.stats.count(m.label);
      const body = m.rawBody || method === 'GET' || method === 'DELETE' ? {} : await readJsonBody(req, config.maxBodyBytes);
      const ctx: RequestContext = { method, params: m.params, query: url.searchParams, path: url.pathname, body, origin, request: req };
      reply = await m.handler(state, ctx);
    }
  } catch (err) {
    const e: BqError = toBqError(err);
    if (e.code >= 500) state.log(`error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    // The unread rest of an oversized body is not worth reading: close after the answer.
    reply = { status: e.code, body: e.toBody(), ...(err instanceof PayloadTooLarge ? { headers: { connection: 'close' } } : {}) };
  }
  send(res, reply);
  state.log(`${method} ${url.pathname}${url.search} ${reply.status} ${Date.now() - started}ms`);
}

export async function startBigQueryEmulator(opts: BigQueryEmulatorOptions = {}): Promise<BigQueryEmulator> {
  const host = opts.host ?? '127.0.0.1';
  const engine = await Engine.open(opts.dataFile);
  const catalog = new Catalog(engine);
  await catalog.load();
  const windowMs = opts.dedupWindowMs ?? DEFAULT_DEDUP_WINDOW_MS;
  const dedup = new Dedup(windowMs);
  let dedupStore: DedupStore | undefined;
  if (opts.dataFile !== undefined) {
    const store = new DedupStore(windowMs);
    const restored = await engine.write((c) => store.load(c, dedup));
    if (restored > 0) opts.log?.(`restored ${restored} insertIds of the de-dup window from ${opts.dataFile}`);
    dedupStore = store;
  }
  const log = opts.log ?? (() => undefined);
  const config: ServerConfig = { guard: { allowedHosts: opts.allowedHosts ?? [] }, maxBodyBytes: opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES };
  const state: EmulatorState = {
    engine,
    catalog,
    jobs: new JobStore({ ...DEFAULT_JOB_LIMITS, ...opts.jobLimits }, log),
    dedup,
    dedupStore,
    stats: new Stats(),
    log,
    maxUploadBytes: opts.maxUploadBytes ?? DEFAULT_MAX_UPLOAD_BYTES,
    uploads: new UploadSessions(),
    ...(opts.gcsDir !== undefined ? { gcsDir: opts.gcsDir } : {}),
  };
  // In-flight requests, so close() can let them answer before the connections go.
  let inFlight = 0;
  let draining = false;
  let drained: (() => void) | undefined;
  const server = http.createServer((req, res) => {
    inFlight++;
    res.once('close', () => {
      if (--inFlight === 0) drained?.();
    });
    if (draining) res.setHeader('connection', 'close');
    handle(state, config, req, res).catch((err: unknown) => {
      state.log(`fatal: ${String(err)}`);
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  let grpc: Awaited<ReturnType<typeof startStorageGrpcServer>>;
  try {
    grpc = await startStorageGrpcServer(state, opts.grpcPort ?? 0);
  } catch (err) {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await engine.close();
    throw err;
  }
  state.writeStreams = grpc.streams;
  state.clearReadSessions = () => grpc.readSessions.clear();
  const hostForUrl = host.includes(':') ? `[${host}]` : host;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${hostForUrl}:${port}`,
    port,
    grpcPort: grpc.port,
    close(): Promise<void> {
      closing ??= (async () => {
        // Stop accepting, let the requests under way answer (bounded), then checkpoint and close.
        draining = true;
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        if (inFlight > 0) {
          let timer: NodeJS.Timeout | undefined;
          await Promise.race([
            new Promise<void>((resolve) => (drained = resolve)),
            new Promise<void>((resolve) => (timer = setTimeout(resolve, opts.drainMs ?? DEFAULT_DRAIN_MS))),
          ]);
          clearTimeout(timer);
        }
        server.closeAllConnections();
        await closed;
        await grpc.close();
        // Jobs still running are interrupted, so the checkpoint does not wait on them.
        await state.jobs.cancelAll(1000);
        await engine.close();
      })();
      return closing;
    },
  };
}
