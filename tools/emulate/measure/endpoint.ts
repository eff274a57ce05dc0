// A local push endpoint for the measurement scripts: takes `delayMs` per
// request, answers `status(hit)`, and records every request and the highest
// number in flight at once.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Hit {
  at: number;
  path: string;
  body: { message?: { messageId?: string; data?: string; attributes?: Record<string, string>; orderingKey?: string }; [k: string]: unknown };
}

/** An endpoint that takes `delayMs` per request and answers `status(hit)`; it tracks concurrency. */
export async function endpoint(delayMs: number, status: (h: Hit) => number): Promise<{ url: string; hits: Hit[]; maxInFlight: () => number; close: () => Promise<void> }> {
  const hits: Hit[] = [];
  let inFlight = 0;
  let max = 0;
  const srv = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      inFlight++;
      max = Math.max(max, inFlight);
      const hit: Hit = { at: Date.now(), path: req.url ?? '', body: JSON.parse(raw || '{}') as Hit['body'] };
      hits.push(hit);
      setTimeout(() => {
        inFlight--;
        res.writeHead(status(hit)).end();
      }, delayMs);
    });
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    hits,
    maxInFlight: () => max,
    close: () => new Promise((r) => {
      srv.closeAllConnections();
      srv.close(() => r());
    }),
  };
}
