// Small statistics for side-by-side measurements. The machines are shared and
// noisy, so variants are measured alternately (A B, B A, ...) and compared by
// their medians: a burst of noise hits one round of each, not one side.

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

export interface Variant {
  name: string;
  /** One measurement (e.g. msg/s over one timed run). */
  run(): Promise<number> | number;
}

/**
 * Measures every variant once per round, rotating which goes first each
 * round (A B C, B C A, C A B, ...), so none always gets the warmest (or the
 * noisiest) slot. Returns every variant's measurements, by name.
 */
export async function rotatingRounds(rounds: number, variants: readonly Variant[], onRound?: (round: number, results: Map<string, number[]>) => void): Promise<Map<string, number[]>> {
  const results = new Map<string, number[]>(variants.map((v) => [v.name, []]));
  for (let i = 0; i < rounds; i++) {
    const k = i % variants.length;
    for (const v of [...variants.slice(k), ...variants.slice(0, k)]) results.get(v.name)?.push(await v.run());
    onRound?.(i, results);
  }
  return results;
}
