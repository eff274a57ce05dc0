// One Cloud Run instance under a steady Poisson load, simulated request by
// request with the same batching rule the functions use (functions/lib/
// group-commit.ts): a request's items join the open batch, which is flushed
// when it is full or `windowS` after its first item; with `earlyFlush`, a
// request that finds no batch open and comes a window or more after the one
// before is flushed at once.
// Each request ends when the flush carrying its items returns. The spans come
// out for billBusySpans (bench/cost.ts), and the batches for the next hop.
// Deterministic: a seeded generator, so the model prints the same figures.
import { mulberry32 } from '../tools/lib/prng.js';
import type { Span } from './cost.js';

export interface BatchPolicy {
  kind: 'batch';
  windowS: number;
  /** Most items per flush (a request bigger than that is a flush of its own). */
  maxItems: number;
  earlyFlush: boolean;
  /** How long one flush (publish, insert) takes. */
  flushLatencyS: number;
}

/** Each request handled on its own for a fixed time after its CPU (no cross-request batching). */
export interface FixedPolicy {
  kind: 'fixed';
  holdS: number;
}

export interface InstanceLoad {
  requestsPerS: number;
  itemsPerRequest: number;
  /** CPU before a request's items are ready (parse, check, build). */
  cpuPerRequestS: number;
  policy: BatchPolicy | FixedPolicy;
  /** How many requests to simulate. */
  requests: number;
  seed?: number;
}

export interface InstanceRun {
  spans: Span[];
  /** requests / requestsPerS: the time the spans are spread over. */
  durationS: number;
  flushes: number;
  items: number;
  meanHoldS: number;
}

export function simulateInstance(load: InstanceLoad): InstanceRun {
  if (!(load.requestsPerS > 0) || load.requests < 1) return { spans: [], durationS: 0, flushes: 0, items: 0, meanHoldS: 0 };
  const rnd = mulberry32(load.seed ?? 1);
  const arrivals: number[] = [];
  let t = 0;
  for (let i = 0; i < load.requests; i++) {
    arrivals.push(t);
    t += -Math.log(1 - rnd()) / load.requestsPerS;
  }
  const ends = new Array<number>(arrivals.length).fill(0);
  let flushes = 0;
  const p = load.policy;
  if (p.kind === 'fixed') {
    arrivals.forEach((a, i) => (ends[i] = a + load.cpuPerRequestS + p.holdS));
    flushes = arrivals.length;
  } else {
    let open: { deadline: number; items: number; members: number[] } | undefined;
    let lastReady = Number.NEGATIVE_INFINITY;
    const seal = (b: { members: number[] }, at: number): void => {
      const done = at + p.flushLatencyS;
      for (const m of b.members) ends[m] = done;
      flushes++;
    };
    arrivals.forEach((a, i) => {
      const ready = a + load.cpuPerRequestS;
      const gap = ready - lastReady;
      lastReady = ready;
      if (open && open.deadline <= ready) {
        seal(open, open.deadline);
        open = undefined;
      }
      if (load.itemsPerRequest > p.maxItems) {
        // Too big to share: published on its own, split into maxItems pieces (fractional: a mean).
        if (open) {
          seal(open, ready);
          open = undefined;
        }
        seal({ members: [i] }, ready);
        flushes += load.itemsPerRequest / p.maxItems - 1;
        return;
      }
      if (!open && p.earlyFlush && gap >= p.windowS) {
        seal({ members: [i] }, ready);
        return;
      }
      if (open && open.items + load.itemsPerRequest > p.maxItems) {
        seal(open, ready);
        open = undefined;
      }
      open ??= { deadline: ready + p.windowS, items: 0, members: [] };
      open.items += load.itemsPerRequest;
      open.members.push(i);
      if (open.items >= p.maxItems) {
        seal(open, ready);
        open = undefined;
      }
    });
    if (open) seal(open, open.deadline);
  }
  const spans = arrivals.map((a, i) => ({ start: a, end: ends[i] as number }));
  const hold = spans.reduce((s, x) => s + (x.end - x.start), 0) / spans.length;
  // The expected span of n arrivals, not the sampled one: rates derived from it are exact by construction.
  const durationS = arrivals.length / load.requestsPerS;
  return { spans, durationS, flushes, items: arrivals.length * load.itemsPerRequest, meanHoldS: hold };
}
