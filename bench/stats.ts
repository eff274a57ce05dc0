// Small statistics for side-by-side measurements. The machines are shared and
// noisy, so A and B are measured alternately (A B A B ...) and compared by
// their medians: a burst of noise hits one round of each, not one side.

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

export interface Paired {
  a: number[];
  b: number[];
}

/**
 * Runs `a` and `b` alternately for `rounds` rounds, swapping which goes first
 * every round so neither always gets the warmer (or noisier) slot.
 */
export async function interleave(rounds: number, a: (round: number) => Promise<number> | number, b: (round: number) => Promise<number> | number, onRound?: (round: number, p: Paired) => void): Promise<Paired> {
  const out: Paired = { a: [], b: [] };
  for (let i = 0; i < rounds; i++) {
    if (i % 2 === 0) {
      out.a.push(await a(i));
      out.b.push(await b(i));
    } else {
      out.b.push(await b(i));
      out.a.push(await a(i));
    }
    onRound?.(i, out);
  }
  return out;
}
