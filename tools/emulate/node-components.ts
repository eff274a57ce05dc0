// The stack's Node children: the project's BigQuery emulator (its CLI, so a
// fault-injection harness can kill and restart it) and one process per
// function. Each runs in its own process group (tools/lib/process-group.ts).
import { existsSync } from 'node:fs';
import { startProcess, type ManagedProcess } from '../lib/process-group.js';
import { LOOPBACK, portInUse, waitUntil } from '../lib/ports.js';
import { FUNCTION_HEAP_MIB } from '../../functions/lib/names.js';
import { buildPath } from './repo-root.js';

export interface NodeComponent {
  readonly name: string;
  readonly port: number;
  readonly url: string;
  readonly process: ManagedProcess;
  stop(): Promise<void>;
}

/** Thrown when a build output the stack needs is not there (run `npm run build`, or it has not landed yet). */
export class MissingBuildError extends Error {
  override readonly name = 'MissingBuildError';
}

function requireBuild(file: string, what: string): void {
  if (!existsSync(file)) throw new MissingBuildError(`${what} not built: ${file} is missing (run npm run build)`);
}

/** Resolves true when anything answers HTTP on the URL (any status: the server is up). */
async function answers(url: string): Promise<boolean> {
  const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
  await res.arrayBuffer();
  return true;
}

/** A TCP connect: an HTTP probe would reach the function's own middleware and log an error. */
export async function listening(port: number): Promise<boolean> {
  return portInUse(port);
}

async function waitAnswering(c: NodeComponent, path: string | null, timeoutMs: number): Promise<void> {
  let exited: number | string | undefined;
  void c.process.exited.then((code) => (exited = code));
  try {
    await waitUntil(async () => {
      if (exited !== undefined) throw new Error('exited');
      return path === null ? listening(c.port) : answers(`${c.url}${path}`);
    }, timeoutMs, `${c.name} at ${c.url}`);
  } catch (err) {
    await c.stop();
    if (exited !== undefined) throw new Error(`${c.name} exited (${exited}) before it was ready (see its log lines)`);
    throw err;
  }
}

export const BIGQUERY_CLI = buildPath('emulators', 'bigquery', 'cli.js');
export const FUNCTIONS_SOURCE = buildPath('functions', 'index.js');
const FUNCTION_HOST = buildPath('tools', 'emulate', 'function-host.js');

export async function startBigQueryProcess(opts: {
  port: number;
  /** Storage Write API (gRPC) port; without it the CLI's default (9060). */
  grpcPort?: number;
  /** Another CLI with the same flags (default: the project's build). */
  cli?: string;
  dataFile?: string;
  onLine: (line: string) => void;
  onSpawn?: (p: ManagedProcess) => void;
  timeoutMs?: number;
}): Promise<NodeComponent> {
  const cli = opts.cli ?? BIGQUERY_CLI;
  requireBuild(cli, 'BigQuery emulator');
  const args = [cli, '--port', String(opts.port)];
  if (opts.grpcPort !== undefined) args.push('--grpc-port', String(opts.grpcPort));
  if (opts.dataFile) args.push('--data', opts.dataFile);
  const proc = startProcess({ name: 'bigquery', command: process.execPath, args, onLine: opts.onLine });
  opts.onSpawn?.(proc);
  const url = `http://${LOOPBACK}:${opts.port}`;
  const c: NodeComponent = { name: 'bigquery', port: opts.port, url, process: proc, stop: async () => { await proc.stop(); } };
  await waitAnswering(c, '/emulator/v1/stats', opts.timeoutMs ?? 30_000);
  return c;
}

export async function startFunctionProcess(opts: {
  target: string;
  port: number;
  env: Record<string, string>;
  onLine: (line: string) => void;
  onSpawn?: (p: ManagedProcess) => void;
  timeoutMs?: number;
}): Promise<NodeComponent> {
  requireBuild(FUNCTIONS_SOURCE, 'functions');
  const proc = startProcess({
    name: opts.target,
    command: process.execPath,
    // The heap cap the deployed functions run with (infra/ NODE_OPTIONS), so local memory is production-like.
    args: ['--enable-source-maps', `--max-old-space-size=${FUNCTION_HEAP_MIB}`, FUNCTION_HOST, `--source=${FUNCTIONS_SOURCE}`, `--target=${opts.target}`, `--port=${opts.port}`],
    // No K_SERVICE / FUNCTION_NAME: google-auth-library would take them for
    // Cloud Run and ask the metadata server for a token.
    env: { ...process.env, ...opts.env, PORT: String(opts.port) },
    onLine: opts.onLine,
  });
  opts.onSpawn?.(proc);
  const url = `http://${LOOPBACK}:${opts.port}`;
  const c: NodeComponent = { name: opts.target, port: opts.port, url, process: proc, stop: async () => { await proc.stop(); } };
  await waitAnswering(c, null, opts.timeoutMs ?? 30_000);
  return c;
}
