// IoT Core's HTTP bridge (cloudiotdevice v1): stateless, a JWT on every
// request (Authorization: Bearer), camelCase or snake_case fields, Google's
// error JSON. Runs on Cloud Run in production (infra/modules/gateway).
//   POST /v1/projects/{p}/locations/{l}/registries/{r}/devices/{d}:publishEvent  {binaryData, subFolder}
//   POST /v1/.../devices/{d}:setState                                          {state: {binaryData}}
//   GET  /v1/.../devices/{d}/config?local_version=N                            -> {version, binaryData}
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { log } from '../functions/lib/logger.js';
import type { DeviceService } from './device-service.js';
import { GatewayError, isGatewayError } from './errors.js';
import { parseDevicePath, type DevicePath } from './ids.js';
import { LIMITS } from './names.js';

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const BASE64URL = /^[A-Za-z0-9_-]*={0,2}$/;
// Base64 text of the largest event plus room for the JSON around it.
const MAX_BODY = Math.ceil((LIMITS.eventBytes * 4) / 3) + 4096;

type Route = { path: DevicePath; action: 'publishEvent' | 'setState' | 'config' };

export function parseRoute(pathname: string): Route | null {
  const m = /^\/v1\/(.+?)(?::(publishEvent|setState)|\/(config))$/.exec(pathname);
  if (!m) return null;
  let decoded: string;
  try {
    decoded = m[1]!.split('/').map(decodeURIComponent).join('/');
  } catch {
    return null;
  }
  const path = parseDevicePath(decoded);
  if (!path) return null;
  return { path, action: (m[2] ?? m[3]) as Route['action'] };
}

/** Either spelling of a field (IoT Core's JSON mapping accepts both). */
function field(o: Record<string, unknown>, camel: string): unknown {
  const snake = camel.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
  return o[camel] ?? o[snake];
}

function decodeBinary(v: unknown, what: string): Buffer {
  if (typeof v !== 'string') throw new GatewayError('INVALID_ARGUMENT', `${what} is required (base64)`);
  // proto3 JSON accepts standard and URL-safe base64.
  if (!BASE64.test(v) && !BASE64URL.test(v)) throw new GatewayError('INVALID_ARGUMENT', `${what} is not base64`);
  return Buffer.from(v, BASE64.test(v) ? 'base64' : 'base64url');
}

async function readJson(req: http.IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    size += c.length;
    if (size > MAX_BODY) throw new GatewayError('INVALID_ARGUMENT', `request body larger than ${MAX_BODY} bytes`);
    chunks.push(c);
  }
  let body: unknown;
  try {
    body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
  } catch {
    throw new GatewayError('INVALID_ARGUMENT', 'request body is not JSON');
  }
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw new GatewayError('INVALID_ARGUMENT', 'request body must be a JSON object');
  return body as Record<string, unknown>;
}

function send(res: http.ServerResponse, code: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(code, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export async function handleHttp(service: DeviceService, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://bridge');
  if (url.pathname === '/healthz') return send(res, 200, { ok: true });
  const route = parseRoute(url.pathname);
  if (!route) throw new GatewayError('NOT_FOUND', `no such method: ${req.method} ${url.pathname}`);
  const wantMethod = route.action === 'config' ? 'GET' : 'POST';
  if (req.method !== wantMethod) {
    res.setHeader('allow', wantMethod);
    throw new GatewayError('INVALID_ARGUMENT', `${route.action} takes ${wantMethod}`);
  }
  const auth = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  if (!auth) throw new GatewayError('UNAUTHENTICATED', 'missing Authorization: Bearer <device JWT>');
  // Read the body before the registry lookup: a request is judged whole.
  const body = route.action === 'config' ? {} : await readJson(req);
  const dev = await service.authenticate(route.path, auth[1]!, 'http');

  switch (route.action) {
    case 'publishEvent': {
      const data = decodeBinary(field(body, 'binaryData'), 'binaryData');
      const sub = field(body, 'subFolder');
      if (sub !== undefined && sub !== null && typeof sub !== 'string') throw new GatewayError('INVALID_ARGUMENT', 'subFolder must be a string');
      await service.publishEvent(dev, data, typeof sub === 'string' && sub !== '' ? sub : null);
      return send(res, 200, {});
    }
    case 'setState': {
      const state = body.state;
      if (!state || typeof state !== 'object') throw new GatewayError('INVALID_ARGUMENT', 'state.binaryData is required');
      await service.setState(dev, decodeBinary(field(state as Record<string, unknown>, 'binaryData'), 'state.binaryData'));
      return send(res, 200, {});
    }
    case 'config': {
      const raw = url.searchParams.get('local_version') ?? url.searchParams.get('localVersion') ?? '0';
      if (!/^\d{1,15}$/.test(raw)) throw new GatewayError('INVALID_ARGUMENT', 'local_version must be a non-negative integer');
      const cfg = await service.getConfig(dev, Number(raw));
      // int64 fields are strings in Google's JSON.
      return send(res, 200, { version: String(cfg.version), binaryData: cfg.binaryData });
    }
  }
}

export interface RunningHttpBridge {
  server: http.Server;
  port: number;
  close(): Promise<void>;
}

export async function startHttpBridge(service: DeviceService, opts: { host: string; port: number }): Promise<RunningHttpBridge> {
  const server = http.createServer((req, res) => {
    handleHttp(service, req, res).catch((err: unknown) => {
      const ge = isGatewayError(err) ? err : new GatewayError('INTERNAL', 'internal error', { cause: err });
      if (ge.status === 'INTERNAL' || ge.status === 'UNAVAILABLE') log('ERROR', 'http bridge request failed', { stage: 'gateway-http', error: String(ge.cause ?? err) });
      if (!res.headersSent) send(res, ge.httpCode, ge.toJson());
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 65_000; // longer than Google's front end keeps idle connections
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, resolve);
  });
  const port = (server.address() as AddressInfo).port;
  return {
    server,
    port,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
