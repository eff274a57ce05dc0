// Conventions every command-line tool shares: flags parsed with node:util
// parseArgs from one declarative spec (which also renders --help), exit codes
// that scripts can rely on, and colour only where a human is watching.
import { parseArgs } from 'node:util';

/** 0 ok, 1 the work failed (stack down, query error...), 2 the command line was wrong. */
export const EXIT = { ok: 0, failure: 1, usage: 2, interrupted: 130 } as const;

export type OptionSpec =
  | { type: 'string'; description: string; short?: string; default?: string; valueName?: string; multiple?: false }
  | { type: 'boolean'; description: string; short?: string; default?: boolean };

export interface CommandSpec {
  /** As the user types it, e.g. "npm run query --". */
  command: string;
  summary: string;
  /** Lines after the command name, e.g. '[options] "<GoogleSQL>"'. */
  usage: string;
  options: Record<string, OptionSpec>;
  /** Positional arguments allowed (0 = none). */
  maxPositionals?: number;
  /** Extra help text (examples, notes). */
  epilog?: string;
}

/** A wrong command line: printed with a pointer to --help, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** The work could not be done (a stack that is not running, a failed query): exit code 1, no stack trace. */
export class CliError extends Error {
  override readonly name = 'CliError';
}

export type ParsedValues = Record<string, string | boolean | undefined>;

export interface Parsed {
  values: ParsedValues;
  positionals: string[];
  help: boolean;
}

const HELP: OptionSpec = { type: 'boolean', short: 'h', description: 'show this help and exit' };

/** Parses argv against the spec; throws UsageError on unknown flags, missing values or extra positionals. */
export function parseCli(spec: CommandSpec, argv: string[]): Parsed {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = {};
  for (const [name, o] of Object.entries({ ...spec.options, help: HELP })) {
    options[name] = { type: o.type, ...(o.short ? { short: o.short } : {}) };
  }
  let result: ReturnType<typeof parseArgs>;
  try {
    result = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError(cleanParseError(err));
  }
  const values: ParsedValues = {};
  for (const [name, o] of Object.entries(spec.options)) {
    const v = result.values[name];
    if (Array.isArray(v)) throw new UsageError(`--${name} given more than once`);
    values[name] = v ?? o.default;
  }
  const help = result.values.help === true;
  const max = spec.maxPositionals ?? 0;
  if (!help && result.positionals.length > max) {
    const extra = result.positionals.slice(max).map((p) => JSON.stringify(p)).join(' ');
    throw new UsageError(max === 0 ? `unexpected argument ${extra}` : `too many arguments: ${extra}`);
  }
  return { values, positionals: result.positionals, help };
}

function cleanParseError(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  // node's messages end with a hint about "--" that does not fit npm scripts; keep the first sentence.
  return msg.split('. To specify')[0]?.replace(/^Unknown option/, 'unknown option').replace(/^Option/, 'option') ?? msg;
}

/** The --help text, rendered from the spec so it never drifts from the parser. */
export function helpText(spec: CommandSpec): string {
  const rows: [string, string][] = [];
  for (const [name, o] of Object.entries({ ...spec.options, help: HELP })) {
    const flag = `${o.short ? `-${o.short}, ` : '    '}--${name}${o.type === 'string' ? ` <${o.valueName ?? 'value'}>` : ''}`;
    const def = o.default !== undefined && o.default !== false ? ` (default: ${String(o.default)})` : '';
    rows.push([flag, o.description + def]);
  }
  const width = Math.max(...rows.map(([f]) => f.length)) + 2;
  const lines = [
    spec.summary,
    '',
    `Usage: ${spec.command} ${spec.usage}`.trimEnd(),
    '',
    'Options:',
    ...rows.map(([f, d]) => `  ${f.padEnd(width)}${d}`),
  ];
  if (spec.epilog) lines.push('', spec.epilog.trimEnd());
  lines.push('', 'Exit codes: 0 ok, 1 failure, 2 usage error.');
  return lines.join('\n') + '\n';
}

// ---- typed accessors: each turns a bad value into a UsageError naming the flag ----

export function stringOpt(values: ParsedValues, name: string): string | undefined {
  const v = values[name];
  return typeof v === 'string' ? v : undefined;
}

export function boolOpt(values: ParsedValues, name: string): boolean {
  return values[name] === true;
}

export function numberOpt(values: ParsedValues, name: string, range: { min?: number; max?: number; integer?: boolean } = {}): number | undefined {
  const raw = stringOpt(values, name);
  if (raw === undefined) return undefined;
  const n = Number(raw.trim());
  if (raw.trim() === '' || !Number.isFinite(n)) throw new UsageError(`--${name}: expected a number, got ${JSON.stringify(raw)}`);
  if (range.integer && !Number.isInteger(n)) throw new UsageError(`--${name}: expected a whole number, got ${raw}`);
  if (range.min !== undefined && n < range.min) throw new UsageError(`--${name}: must be at least ${range.min}, got ${raw}`);
  if (range.max !== undefined && n > range.max) throw new UsageError(`--${name}: must be at most ${range.max}, got ${raw}`);
  return n;
}

/** A share between 0 and 1 (also accepts a percentage like "5%"). */
export function shareOpt(values: ParsedValues, name: string): number | undefined {
  const raw = stringOpt(values, name);
  if (raw === undefined) return undefined;
  const pct = raw.trim().endsWith('%');
  const n = Number(pct ? raw.trim().slice(0, -1) : raw.trim());
  if (raw.trim() === '' || !Number.isFinite(n)) throw new UsageError(`--${name}: expected a share like 0.05 or 5%, got ${JSON.stringify(raw)}`);
  const share = pct ? n / 100 : n;
  if (share < 0 || share > 1) throw new UsageError(`--${name}: must be between 0 and 1 (or 0% and 100%), got ${raw}`);
  return share;
}

export function choiceOpt<T extends string>(values: ParsedValues, name: string, choices: readonly T[]): T | undefined {
  const raw = stringOpt(values, name);
  if (raw === undefined) return undefined;
  if (!(choices as readonly string[]).includes(raw)) throw new UsageError(`--${name}: expected one of ${choices.join(', ')}, got ${JSON.stringify(raw)}`);
  return raw as T;
}

/** A time: RFC 3339, or relative like "15m", "2h", "7d" (that long before now). */
export function timeOpt(values: ParsedValues, name: string, now: Date = new Date()): Date | undefined {
  const raw = stringOpt(values, name);
  if (raw === undefined) return undefined;
  const rel = /^(\d+(?:\.\d+)?)\s*(s|m|h|d)$/.exec(raw.trim());
  if (rel) {
    const mult = { s: 1e3, m: 60e3, h: 3600e3, d: 86400e3 }[rel[2] as 's' | 'm' | 'h' | 'd'];
    return new Date(now.getTime() - Number(rel[1]) * mult);
  }
  const t = new Date(raw);
  if (!/^\d{4}-\d{2}-\d{2}/.test(raw.trim()) || Number.isNaN(t.getTime())) {
    throw new UsageError(`--${name}: expected an RFC 3339 time (2026-11-24T20:00:00Z) or a duration ago (15m, 2h, 7d), got ${JSON.stringify(raw)}`);
  }
  return t;
}

// ---- colour ----

export interface Colors {
  enabled: boolean;
  bold(s: string): string;
  dim(s: string): string;
  red(s: string): string;
  green(s: string): string;
  yellow(s: string): string;
  cyan(s: string): string;
}

/** Colour only on a TTY, never with NO_COLOR set (https://no-color.org), and not for TERM=dumb. */
export function colorsFor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): Colors {
  const enabled = stream.isTTY === true && !('NO_COLOR' in env && env.NO_COLOR !== '') && env.TERM !== 'dumb';
  const wrap = (open: number, close: number) => (s: string) => (enabled ? `\x1b[${open}m${s}\x1b[${close}m` : s);
  return {
    enabled,
    bold: wrap(1, 22),
    dim: wrap(2, 22),
    red: wrap(31, 39),
    green: wrap(32, 39),
    yellow: wrap(33, 39),
    cyan: wrap(36, 39),
  };
}

// ---- running a command ----

export interface Io {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
}

export const processIo = (): Io => ({ stdout: process.stdout, stderr: process.stderr, env: process.env });

/**
 * Maps what a command's body does to an exit code: its own return value,
 * 2 for a UsageError (with a pointer to --help), 1 for anything else (a
 * CliError prints just its message; an unexpected error its stack).
 */
export async function runCommand(spec: CommandSpec, body: () => Promise<number>, io: Io = processIo()): Promise<number> {
  const c = colorsFor(io.stderr, io.env);
  try {
    return await body();
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr.write(`${c.red('error:')} ${err.message}\nRun ${spec.command} --help for usage.\n`);
      return EXIT.usage;
    }
    if (err instanceof CliError) {
      io.stderr.write(`${c.red('error:')} ${err.message}\n`);
      return EXIT.failure;
    }
    const e = err instanceof Error ? err : new Error(String(err));
    io.stderr.write(`${c.red('error:')} ${e.message}\n${io.env.DEBUG ? (e.stack ?? '') + '\n' : ''}`);
    return EXIT.failure;
  }
}

/**
 * Every command's shape: argv parsed against the spec, --help answered from
 * it, then the body; errors become exit codes and messages on `io`
 * (runCommand).
 */
export function runCli(spec: CommandSpec, argv: string[], io: Io, body: (parsed: Parsed) => Promise<number>): Promise<number> {
  return runCommand(
    spec,
    async () => {
      const parsed = parseCli(spec, argv);
      if (parsed.help) {
        io.stdout.write(helpText(spec));
        return EXIT.ok;
      }
      return body(parsed);
    },
    io,
  );
}

/** Entry point for main.ts files: runs the command (already wrapped in runCli), then exits with its code. */
export function main(run: () => Promise<number>): void {
  void run()
    .catch((err: unknown) => {
      process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
      return EXIT.failure;
    })
    .then((code) => {
      process.exitCode = code;
      // Clients (gRPC, HTTP keep-alive) may hold the loop open; leave once output is written.
      process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
    });
}
