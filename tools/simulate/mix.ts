// The message mix: which kind each published message is. Shares are applied
// exactly (largest-remainder rounding over a bag, then a seeded shuffle), so
// `--count 1000 --invalid-share 0.05` publishes exactly 50 invalid messages,
// and an open-ended run (--duration) stays within one bag of the shares.
import type { Rng } from './rng.js';

export const KINDS = ['single', 'batch', 'late', 'duplicate', 'invalid'] as const;
export type Kind = (typeof KINDS)[number];

export interface MixShares {
  batch: number;
  late: number;
  duplicate: number;
  invalid: number;
}

export const DEFAULT_SHARES: MixShares = { batch: 0.05, late: 0.03, duplicate: 0.02, invalid: 0.02 };

/** Bag size for open-ended runs: shares hold exactly over every 1,000 messages. */
export const OPEN_BAG = 1000;

export function singleShare(s: MixShares): number {
  return 1 - s.batch - s.late - s.duplicate - s.invalid;
}

/** Exact per-kind counts for n messages (largest remainder; they sum to n). */
export function allocate(n: number, s: MixShares): Record<Kind, number> {
  const shares: Record<Kind, number> = { single: Math.max(0, singleShare(s)), batch: s.batch, late: s.late, duplicate: s.duplicate, invalid: s.invalid };
  const counts = {} as Record<Kind, number>;
  const rema: [Kind, number][] = [];
  let used = 0;
  for (const k of KINDS) {
    const exact = n * shares[k];
    counts[k] = Math.floor(exact + 1e-9);
    used += counts[k];
    rema.push([k, exact - counts[k]]);
  }
  rema.sort((a, b) => b[1] - a[1] || KINDS.indexOf(a[0]) - KINDS.indexOf(b[0]));
  for (let i = 0; used < n; i++, used++) {
    const k = rema[i % rema.length]?.[0] ?? 'single';
    counts[k]++;
  }
  return counts;
}

/** A shuffled bag of kinds; the first is never a duplicate (there is nothing to duplicate yet). */
export function bag(n: number, s: MixShares, rng: Rng): Kind[] {
  const counts = allocate(n, s);
  const out: Kind[] = [];
  for (const k of KINDS) for (let i = 0; i < counts[k]; i++) out.push(k);
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    [out[i], out[j]] = [out[j] as Kind, out[i] as Kind];
  }
  const firstOther = out.findIndex((k) => k !== 'duplicate');
  if (firstOther > 0) [out[0], out[firstOther]] = [out[firstOther] as Kind, out[0] as Kind];
  return out;
}

/** Endless kinds: bags of `total` (when the run has a count) or OPEN_BAG. */
export class KindStream {
  private current: Kind[] = [];
  private pos = 0;
  private first = true;
  constructor(
    private readonly shares: MixShares,
    private readonly rng: Rng,
    private readonly total?: number,
  ) {}

  next(): Kind {
    if (this.pos >= this.current.length) {
      const size = this.first && this.total !== undefined ? this.total : OPEN_BAG;
      this.current = bag(Math.max(1, size), this.shares, this.rng);
      this.pos = 0;
      this.first = false;
    }
    return this.current[this.pos++] as Kind;
  }
}
