// Command-line flags of `npm run bench` (node:util parseArgs), pure so the
// unit tests cover them.
import { parseArgs } from 'node:util';
import type { Section } from './section.js';

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export interface BenchArgs {
  sections: Section[];
  quick: boolean;
  help: boolean;
}

export function parseBenchArgs(argv: string[], sections: readonly Section[]): BenchArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: { only: { type: 'string' }, quick: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } },
      allowPositionals: false,
      strict: true,
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const { only, quick, help } = parsed.values;
  let chosen = [...sections];
  if (only !== undefined) {
    const names = only.split(',').map((s) => s.trim()).filter(Boolean);
    const unknown = names.filter((n) => !sections.some((s) => s.name === n));
    if (names.length === 0 || unknown.length > 0) {
      throw new UsageError(`--only: unknown section ${unknown.join(', ') || '(none given)'}; sections: ${sections.map((s) => s.name).join(', ')}`);
    }
    // Keep the documented order whatever order they were given in.
    chosen = sections.filter((s) => names.includes(s.name));
  }
  return { sections: chosen, quick: quick ?? false, help: help ?? false };
}
