// The simulator's paced loop: publishes at the requested total rate until the
// duration or count is reached or the run is aborted (Ctrl-C), keeps a
// bounded number of publishes in flight, and counts outcomes by kind.
import { KINDS, type Kind } from './mix.js';
import type { MessageFactory, OutMessage } from './messages.js';

export interface RunStats {
  /** Messages Pub/Sub accepted, by kind. */
  published: Record<Kind, number>;
  /** Events inside the accepted messages (batches hold several, invalid ones none). */
  events: number;
  invalidByVariant: Record<string, number>;
  faults: Record<string, number>;
  errors: number;
  firstError?: string;
  attempted: number;
  elapsedMs: number;
  aborted: boolean;
}

export interface RunOptions {
  factory: Pick<MessageFactory, 'next'>;
  publish(m: OutMessage): Promise<unknown>;
  /** Messages per second, all devices together. */
  rate: number;
  durationMs?: number;
  count?: number;
  signal?: AbortSignal;
  maxInFlight?: number;
  /** Called about every `tickMs` with the stats so far (progress line). */
  onTick?: (stats: RunStats) => void;
  tickMs?: number;
}

export function emptyStats(): RunStats {
  const published = Object.fromEntries(KINDS.map((k) => [k, 0])) as Record<Kind, number>;
  return { published, events: 0, invalidByVariant: {}, faults: {}, errors: 0, attempted: 0, elapsedMs: 0, aborted: false };
}

export function totalPublished(s: RunStats): number {
  return KINDS.reduce((n, k) => n + s.published[k], 0);
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function runSimulation(opts: RunOptions): Promise<RunStats> {
  if (opts.durationMs === undefined && opts.count === undefined) throw new Error('a run needs a duration or a count');
  const stats = emptyStats();
  const maxInFlight = opts.maxInFlight ?? 5000;
  const inFlight = new Set<Promise<void>>();
  const start = performance.now();
  let lastTick = start;
  const tickMs = opts.tickMs ?? 250;

  const send = (m: OutMessage): void => {
    stats.attempted++;
    const p = opts.publish(m).then(
      () => {
        stats.published[m.kind]++;
        stats.events += m.events;
        if (m.invalidVariant) stats.invalidByVariant[m.invalidVariant] = (stats.invalidByVariant[m.invalidVariant] ?? 0) + 1;
        if (m.fault) stats.faults[m.fault] = (stats.faults[m.fault] ?? 0) + 1;
      },
      (err: unknown) => {
        stats.errors++;
        stats.firstError ??= err instanceof Error ? err.message : String(err);
      },
    );
    const tracked = p.finally(() => inFlight.delete(tracked));
    inFlight.add(tracked);
  };

  for (;;) {
    const now = performance.now();
    const elapsed = now - start;
    stats.elapsedMs = elapsed;
    if (opts.signal?.aborted) {
      stats.aborted = true;
      break;
    }
    if (opts.durationMs !== undefined && elapsed >= opts.durationMs) break;
    if (opts.count !== undefined && stats.attempted >= opts.count) break;
    if (opts.onTick && now - lastTick >= tickMs) {
      lastTick = now;
      opts.onTick(stats);
    }
    // The first message goes at once, then one every 1/rate seconds on average.
    let due = Math.floor((opts.rate * elapsed) / 1000) + 1;
    if (opts.count !== undefined) due = Math.min(due, opts.count);
    while (stats.attempted < due && inFlight.size < maxInFlight) send(opts.factory.next());
    if (inFlight.size >= maxInFlight) {
      // Back-pressure: Pub/Sub (or the emulator) is slower than the asked rate.
      await Promise.race([...inFlight, sleep(50)]);
    } else {
      // Message i (0-based) is due at i / rate seconds.
      const nextDueMs = (stats.attempted * 1000) / opts.rate - elapsed;
      await sleep(Math.max(1, Math.min(20, nextDueMs)));
    }
  }
  await Promise.allSettled([...inFlight]);
  stats.elapsedMs = performance.now() - start;
  opts.onTick?.(stats);
  return stats;
}
