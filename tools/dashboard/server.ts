// The live dashboard's HTTP server (loopback only): the page, its bundled
// browser code, and a small JSON API over BigQuery and the device registry.
// Live device state does not pass through here: the page listens to
// Firestore itself (Web SDK, emulator connection, tenant-scoped tokens).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { LOOPBACK } from '../lib/ports.js';
import { bigqueryClient, firestoreClient } from '../lib/emulator-clients.js';
import { DEVICE_ID, SPARK_WINDOWS, deadLetters, loadTenants, sparklines, type SparkWindow } from './api.js';
import { bundleWeb, type Bundle } from './bundle.js';
import { pageHtml } from './page.js';

export interface DashboardOptions {
  /** 0 = a free port. */
  port: number;
  host?: string;
  projectId: string;
  /** host:port of the Firestore emulator (the browser connects to it directly). */
  firestoreHost: string;
  /** http://host:port of the BigQuery emulator. */
  bigqueryUrl: string;
  log?: (line: string) => void;
}

export interface Dashboard {
  url: string;
  close(): Promise<void>;
}

/** Browser-side settings the page fetches first. */
export interface DashboardConfig {
  projectId: string;
  firestoreHost: string;
  firestorePort: number;
  tenants: { tenantId: string; devices: { deviceId: string; site: string | null; model: string | null; status: string; units: Record<string, string> }[] }[];
}

class TtlCache<T> {
  private readonly entries = new Map<string, { at: number; value: Promise<T> }>();
  constructor(private readonly ttlMs: number) {}
  get(key: string, load: () => Promise<T>): Promise<T> {
    const now = Date.now();
    const hit = this.entries.get(key);
    if (hit && now - hit.at < this.ttlMs) return hit.value;
    const value = load();
    this.entries.set(key, { at: now, value });
    // A failure is not cached: the next request tries again.
    value.catch(() => this.entries.delete(key));
    if (this.entries.size > 500) this.entries.clear();
    return value;
  }
}

function send(res: http.ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
  res.end(body);
}

const json = (res: http.ServerResponse, status: number, body: unknown): void => send(res, status, 'application/json; charset=utf-8', JSON.stringify(body));

export async function startDashboard(opts: DashboardOptions): Promise<Dashboard> {
  const host = opts.host ?? LOOPBACK;
  const log = opts.log ?? (() => undefined);
  const [fsHost, fsPortRaw] = opts.firestoreHost.split(':');
  const firestorePort = Number(fsPortRaw);
  if (!fsHost || !Number.isInteger(firestorePort)) throw new Error(`firestoreHost must be host:port, got ${JSON.stringify(opts.firestoreHost)}`);
  const endpoints = { projectId: opts.projectId, firestoreHost: opts.firestoreHost, bigqueryUrl: opts.bigqueryUrl, pubsubHost: '' };
  const fs = firestoreClient(endpoints);
  const bq = bigqueryClient(endpoints);
  const bundle: Bundle = await bundleWeb();
  const sparkCache = new TtlCache<unknown>(10_000);
  const dlCache = new TtlCache<unknown>(5_000);

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://dashboard');
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain', 'method not allowed');
    switch (url.pathname) {
      case '/':
        return send(res, 200, 'text/html; charset=utf-8', pageHtml(opts.projectId));
      case '/app.js':
        return send(res, 200, 'text/javascript; charset=utf-8', bundle.js);
      case '/app.css':
        return send(res, 200, 'text/css; charset=utf-8', bundle.css);
      case '/healthz':
        return send(res, 200, 'text/plain', 'ok');
      case '/api/config': {
        const tenants = await loadTenants(fs);
        const config: DashboardConfig = { projectId: opts.projectId, firestoreHost: fsHost, firestorePort, tenants };
        return json(res, 200, config);
      }
      case '/api/sparklines': {
        const devices = url.searchParams.getAll('device').flatMap((d) => d.split(',')).filter(Boolean);
        if (devices.length === 0 || devices.length > 500 || !devices.every((d) => DEVICE_ID.test(d))) {
          return json(res, 400, { error: 'device: give 1 to 500 device ids (device=a,b or device=a&device=b)' });
        }
        const window = (url.searchParams.get('window') ?? 'hour') as SparkWindow;
        if (!(window in SPARK_WINDOWS)) return json(res, 400, { error: `window: one of ${Object.keys(SPARK_WINDOWS).join(', ')}` });
        const key = `${window}|${[...devices].sort().join(',')}`;
        return json(res, 200, await sparkCache.get(key, () => sparklines(bq, opts.projectId, devices, window)));
      }
      case '/api/deadletters':
        return json(res, 200, await dlCache.get('all', () => deadLetters(bq, opts.projectId)));
      default:
        return send(res, 404, 'text/plain', 'not found');
    }
  };

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      const message = err instanceof Error ? err.message : String(err);
      log(`${req.url ?? ''}: ${message}`);
      // The page shows this and keeps its live Firestore view working.
      if (!res.headersSent) json(res, 502, { error: message.slice(0, 300) });
      else res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${port}`,
    // A connected browser holds keep-alive (and any streaming) sockets open,
    // and close() alone waits for every one of them: they are cut first. A
    // Firestore client that does not terminate in time is left to the exit.
    close: async () => {
      const closed = new Promise<void>((r) => server.close(() => r()));
      server.closeAllConnections();
      await Promise.race([Promise.all([closed, fs.terminate().catch(() => undefined)]), new Promise((r) => setTimeout(r, 500).unref())]);
    },
  };
}
