// Reading request bodies with bounds: the declared length, the bytes received
// and, for Content-Encoding: gzip, the inflated bytes are all checked against
// one limit, so neither a large upload nor a small gzip bomb can fill memory.
// Overruns are 413 in BigQuery's error JSON.
import type http from 'node:http';
import { createGunzip } from 'node:zlib';
import { BqError, invalid } from './errors.js';
import { isJsonType } from './request-guard.js';

export const DEFAULT_MAX_BODY_BYTES = 10 * 1024 * 1024;
export const DEFAULT_MAX_UPLOAD_BYTES = 256 * 1024 * 1024;

/** A body over the limit (413); the connection is closed after the answer so the rest is not read. */
export class PayloadTooLarge extends BqError {
  constructor(limit: number, what: string) {
    super(413, 'invalid', `Request payload size exceeds the limit: ${limit} bytes${what}.`);
  }
}

function tooLarge(limit: number, what = ''): BqError {
  return new PayloadTooLarge(limit, what);
}

/** Reads the whole body (inflating gzip), at most `limit` bytes after inflation. */
export async function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > limit) throw tooLarge(limit);
  const encoding = String(req.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  if (encoding !== 'identity' && encoding !== 'gzip') throw new BqError(415, 'invalid', `Unsupported Content-Encoding "${encoding.slice(0, 50)}": the BigQuery emulator accepts gzip or none`);
  const gzip = encoding === 'gzip';
  const source: NodeJS.ReadableStream = gzip ? req.pipe(createGunzip()) : req;
  const chunks: Buffer[] = [];
  // Events rather than an async iterator: insertAll bodies pass here on the hot path.
  await new Promise<void>((resolve, reject) => {
    let size = 0;
    let failed = false;
    const fail = (err: unknown): void => {
      if (failed) return;
      failed = true;
      if (gzip) req.unpipe();
      const code = (err as { code?: string }).code;
      if (gzip && !(err instanceof BqError) && typeof code === 'string' && code.startsWith('Z_')) reject(invalid(`Invalid gzip body: ${(err as Error).message}`));
      else reject(err);
    };
    source.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > limit) {
        fail(tooLarge(limit, gzip ? ' (after gzip inflation)' : ''));
        return;
      }
      chunks.push(chunk);
    });
    source.on('end', () => {
      if (!failed) resolve();
    });
    source.on('error', fail);
    if (gzip) req.on('error', fail);
  });
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
}

/** A JSON object body; anything but application/json with content is 415. */
export async function readJsonBody(req: http.IncomingMessage, limit: number): Promise<Record<string, unknown>> {
  const ct = req.headers['content-type'];
  const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
  if (ct !== undefined && ct !== '' && !isJsonType(ct)) {
    throw new BqError(415, 'invalid', `Unsupported Content-Type "${ct.slice(0, 100)}": BigQuery API requests take application/json (media uploads go to /upload/bigquery/v2/...)`);
  }
  if (hasBody && (ct === undefined || ct === '')) throw new BqError(415, 'invalid', 'Missing Content-Type: BigQuery API requests take application/json');
  const buf = await readBody(req, limit);
  if (buf.length === 0) return {};
  try {
    const v = JSON.parse(buf.toString('utf8')) as unknown;
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('not an object');
    return v as Record<string, unknown>;
  } catch {
    throw invalid('Invalid JSON payload received.');
  }
}
