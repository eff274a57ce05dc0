// Bounded memory per instance, before the functions-framework reads a body.
// The framework parses every request body up to 1 GiB (its fixed limit) and
// keeps both the raw bytes and the parsed JSON, before any function code
// runs: a 10 MB Pub/Sub message (the largest Pub/Sub takes) costs ~27 MB
// there, and Cloud Run hands one instance up to 80-500 requests at once. So
// in front of the framework's request listener:
//   - a body whose Content-Length exceeds MAX_REQUEST_BYTES is answered 413
//     without being read (the default fits a push of Pub/Sub's largest
//     message, so every real push can still be dead-lettered by name);
//   - bodies are admitted against a budget of REQUEST_BYTES_IN_FLIGHT: a
//     request that does not fit waits, its body unread (TCP backpressure holds
//     it at the sender), until earlier requests have answered. A request
//     alone is always admitted, so nothing waits for ever;
//   - once a request is answered its body is dropped (see done() below).
// The budget is charged from Content-Length; a body without one (chunked) is
// charged at MAX_REQUEST_BYTES.
import http from 'node:http';
import { config } from './config.js';
import { logger } from './logger.js';

export interface RequestLimits {
  maxRequestBytes: number;
  bytesInFlight: number;
}

type Listener = (req: http.IncomingMessage, res: http.ServerResponse) => void;

export interface GuardStats {
  inFlightBytes: number;
  waiting: number;
  rejected: number;
}

/** Wraps every 'request' listener of `server` (the framework's Express app) in the size cap and the budget. */
export function guardServer(server: http.Server, limits: RequestLimits): GuardStats {
  const listeners = server.listeners('request') as Listener[];
  server.removeAllListeners('request');
  const stats: GuardStats = { inFlightBytes: 0, waiting: 0, rejected: 0 };
  const queue: { bytes: number; run: () => void }[] = [];
  const fits = (bytes: number): boolean => stats.inFlightBytes === 0 || stats.inFlightBytes + bytes <= limits.bytesInFlight;
  const admit = (bytes: number, run: () => void): void => {
    stats.inFlightBytes += bytes;
    run();
  };
  const release = (bytes: number): void => {
    stats.inFlightBytes -= bytes;
    // First come, first served: a big body at the head is not overtaken for ever by small ones.
    while (queue.length && fits(queue[0]!.bytes)) {
      const next = queue.shift()!;
      stats.waiting--;
      admit(next.bytes, next.run);
    }
  };
  server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    const declared = req.headers['content-length'];
    const length = declared === undefined ? null : Number(declared);
    if (length !== null && Number.isFinite(length) && length > limits.maxRequestBytes) {
      stats.rejected++;
      logger.warn('request body over MAX_REQUEST_BYTES, answered 413 unread', { stage: 'http', bytes: length, limit: limits.maxRequestBytes });
      res.writeHead(413, { 'content-type': 'text/plain', connection: 'close' });
      res.end(`request body of ${length} bytes exceeds MAX_REQUEST_BYTES (${limits.maxRequestBytes})\n`);
      // Not read: drop the connection rather than drain megabytes.
      res.once('finish', () => req.destroy());
      return;
    }
    const bytes = length !== null && Number.isFinite(length) ? length : limits.maxRequestBytes;
    let released = false;
    const done = (): void => {
      if (released) return;
      released = true;
      // The framework runs each request in a domain, and timers armed during
      // it (the keep-alive socket's idle timer) keep that domain, its error
      // handler and so this request alive until the connection closes: the
      // body would stay in memory per open connection. Drop it once answered.
      const r = req as http.IncomingMessage & { rawBody?: unknown; body?: unknown };
      r.rawBody = undefined;
      r.body = undefined;
      release(bytes);
    };
    const run = (): void => {
      res.once('close', done);
      for (const l of listeners) l.call(server, req, res);
    };
    if (fits(bytes) && queue.length === 0) {
      admit(bytes, run);
      return;
    }
    stats.waiting++;
    const entry = { bytes, run };
    queue.push(entry);
    // A client that gives up while waiting frees its place.
    res.once('close', () => {
      const i = queue.indexOf(entry);
      if (i >= 0) {
        queue.splice(i, 1);
        stats.waiting--;
      }
    });
  });
  return stats;
}

export function limitsFromConfig(): RequestLimits {
  const cfg = config();
  return { maxRequestBytes: cfg.maxRequestBytes, bytesInFlight: cfg.requestBytesInFlight };
}

let installed = false;

/**
 * Under the functions-framework's own CLI (Cloud Run functions, `npm start`)
 * the framework creates and starts its server after loading this build, and
 * exposes no hook for it: guard the first HTTP server this process starts
 * listening. Elsewhere (tests that load the functions in-process, our own
 * function host, which guards its server itself) nothing is patched.
 */
export function installForFrameworkCli(): void {
  if (installed) return;
  const main = require.main?.filename ?? '';
  if (!/[\\/]@google-cloud[\\/]functions-framework[\\/]build[\\/]src[\\/]main\.js$/.test(main)) return;
  installed = true;
  const listen = http.Server.prototype.listen;
  http.Server.prototype.listen = function (this: http.Server, ...args: unknown[]) {
    http.Server.prototype.listen = listen;
    guardServer(this, limitsFromConfig());
    return (listen as (...a: unknown[]) => http.Server).apply(this, args);
  } as typeof listen;
}
