// What both BigQuery write paths (insertAll and the Storage Write API) need
// around a call to Google: a deadline that turns a hung call into a
// TransientError (so Pub/Sub redelivers), and a short, log-safe description
// of what failed.
import { TransientError } from '../lib/errors.js';

export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TransientError(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** Error name, gRPC/HTTP code when present and the first 200 characters of the message. */
export function describeError(err: unknown): string {
  if (!(err instanceof Error)) return 'unknown error';
  const code = (err as { code?: unknown }).code;
  return `${err.name}${code !== undefined ? ` ${String(code)}` : ''}: ${err.message.slice(0, 200)}`;
}
