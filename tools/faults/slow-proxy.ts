// A loopback TCP proxy that can be made slow: the functions reach the
// BigQuery emulator through it, so "BigQuery answers slowly" is a switch the
// fault harness flips without touching the emulator. While slow, every chunk
// in either direction waits `latencyMs` before it is forwarded (order kept),
// which is what a congested or overloaded backend looks like to a client.
import net from 'node:net';
import { LOOPBACK } from '../lib/ports.js';

export interface SlowProxy {
  readonly port: number;
  /** 0 turns the delay off. */
  setLatency(ms: number): void;
  /** Connections accepted and chunks delayed so far (for the report). */
  stats(): { connections: number; delayedChunks: number };
  close(): Promise<void>;
}

export async function startSlowProxy(opts: { listenPort: number; targetPort: number }): Promise<SlowProxy> {
  let latencyMs = 0;
  let connections = 0;
  let delayedChunks = 0;
  const sockets = new Set<net.Socket>();

  // Forwards chunks from one socket to the other through a promise chain, so a
  // delayed chunk never overtakes an earlier one.
  const pipe = (from: net.Socket, to: net.Socket): void => {
    let tail = Promise.resolve();
    from.on('data', (chunk: Buffer) => {
      const delay = latencyMs;
      if (delay > 0) delayedChunks++;
      tail = tail.then(async () => {
        if (delay > 0) await new Promise((r) => setTimeout(r, delay));
        if (!to.destroyed) to.write(chunk);
      });
    });
    from.on('end', () => void tail.then(() => to.end()));
    from.on('error', () => to.destroy());
    from.on('close', () => void tail.then(() => to.destroy()));
  };

  const server = net.createServer((client) => {
    connections++;
    const upstream = net.connect({ host: LOOPBACK, port: opts.targetPort });
    sockets.add(client).add(upstream);
    client.on('close', () => sockets.delete(client));
    upstream.on('close', () => sockets.delete(upstream));
    pipe(client, upstream);
    pipe(upstream, client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.listenPort, LOOPBACK, () => resolve());
  });
  return {
    port: opts.listenPort,
    setLatency(ms: number) {
      latencyMs = Math.max(0, ms);
    },
    stats: () => ({ connections, delayedChunks }),
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
