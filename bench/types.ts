// One line of the benchmark table. A ratio is always ours / baseline measured
// side by side in the same run (the machines are shared and noisy).
export interface BenchRow {
  /** Section, e.g. "bigquery-emulator". */
  group: string;
  name: string;
  unit: string;
  value: number;
  baselineName?: string;
  baseline?: number;
  /** value / baseline (or baseline / value where lower is better; say so in target). */
  ratio?: number;
  target?: string;
  pass?: boolean;
}

export type Progress = (message: string) => void;
