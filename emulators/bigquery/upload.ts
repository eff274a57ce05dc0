// Media uploads for load jobs, as Google's upload protocol defines them on
// /upload/bigquery/v2/projects/{projectId}/jobs (and bq's
// /resumable/upload/... path):
// - uploadType=multipart: one multipart/related body, the job resource (JSON)
//   then the file (what the Node client's table.load / createLoadJob sends);
// - uploadType=resumable: a POST with the job resource answers a session URI
//   (Location), then PUTs carry the file, whole or in Content-Range chunks
//   (308 with Range until the last one), and the last answers the job.
// The file is read with the --max-upload-bytes bound (after gzip inflation)
// and the load runs as a job like any other.
import { BqError, invalid, notFound } from './errors.js';
import { jobResource } from './job-resource.js';
import { JobStore } from './job-store.js';
import { startLoadJob } from './other-jobs.js';
import { readBody, readJsonBody } from './request-body.js';
import { isJsonType } from './request-guard.js';
import { ok, type EmulatorState, type Handler, type Reply, type RequestContext } from './state.js';

/** How long an upload answer waits for its load job before answering it RUNNING (as jobs.insert). */
const UPLOAD_WAIT_MS = 2000;

function boundaryOf(contentType: string): string {
  const m = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  if (!/^multipart\/related/i.test(contentType) || !m) throw new BqError(415, 'invalid', `uploadType=multipart takes multipart/related with a boundary, got "${contentType.slice(0, 100)}"`);
  return m[1] ?? m[2]!;
}

/** The parts of a multipart/related body: headers and bytes of each. */
export function multipartParts(body: Buffer, boundary: string): { headers: Record<string, string>; data: Buffer }[] {
  const delim = Buffer.from(`--${boundary}`);
  const parts: { headers: Record<string, string>; data: Buffer }[] = [];
  let at = body.indexOf(delim);
  if (at < 0) throw invalid('Invalid multipart body: boundary not found');
  for (;;) {
    let start = at + delim.length;
    if (body.subarray(start, start + 2).toString() === '--') break;
    if (body[start] === 0x0d) start++;
    if (body[start] === 0x0a) start++;
    const next = body.indexOf(delim, start);
    if (next < 0) throw invalid('Invalid multipart body: no closing boundary');
    let end = next;
    if (body[end - 1] === 0x0a) end--;
    if (body[end - 1] === 0x0d) end--;
    const part = body.subarray(start, end);
    const split = part.indexOf('\r\n\r\n');
    const headerText = split < 0 ? '' : part.subarray(0, split).toString('utf8');
    const headers: Record<string, string> = {};
    for (const line of headerText.split('\r\n')) {
      const c = line.indexOf(':');
      if (c > 0) headers[line.slice(0, c).trim().toLowerCase()] = line.slice(c + 1).trim();
    }
    parts.push({ headers, data: split < 0 ? part : part.subarray(split + 4) });
    at = next;
  }
  return parts;
}

function jobOf(raw: unknown): Record<string, unknown> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw invalid('Invalid JSON payload received: the job resource must be an object');
  const job = raw as Record<string, unknown>;
  const conf = job['configuration'] as Record<string, unknown> | undefined;
  if (!conf || typeof conf['load'] !== 'object' || conf['load'] === null) throw invalid('Media uploads take load jobs: configuration.load is required');
  return job;
}

async function startUploadedLoad(state: EmulatorState, ctx: RequestContext, project: string, job: Record<string, unknown>, data: Buffer): Promise<Reply> {
  const ref = (job['jobReference'] ?? {}) as { jobId?: unknown };
  const jobId = ref.jobId === undefined ? state.jobs.newJobId() : JobStore.checkJobId(ref.jobId);
  const started = startLoadJob(state, project, jobId, job['configuration'] as Record<string, unknown>, async () => [data]);
  await state.jobs.wait(started, UPLOAD_WAIT_MS);
  return ok(jobResource(started, ctx));
}

export const uploadJob: Handler = async (state, ctx) => {
  const project = ctx.params['projectId']!;
  const type = ctx.query.get('uploadType') ?? (ctx.query.get('upload_id') ? 'resumable' : '');
  if (type === 'multipart') {
    const boundary = boundaryOf(String(ctx.request.headers['content-type'] ?? ''));
    const parts = multipartParts(await readBody(ctx.request, state.maxUploadBytes), boundary);
    if (parts.length !== 2) throw invalid(`A multipart upload has two parts (the job resource, then the file); got ${parts.length}`);
    if (!isJsonType(parts[0]!.headers['content-type'])) throw new BqError(415, 'invalid', 'The first part of a multipart upload must be application/json');
    let meta: unknown;
    try {
      meta = JSON.parse(parts[0]!.data.toString('utf8'));
    } catch {
      throw invalid('Invalid JSON payload received.');
    }
    return startUploadedLoad(state, ctx, project, jobOf(meta), parts[1]!.data);
  }
  if (type === 'resumable' && ctx.method === 'POST' && !ctx.query.get('upload_id')) {
    const job = jobOf(await readJsonBody(ctx.request, 10 * 1024 * 1024));
    const id = state.uploads.open(project, job);
    const location = `${ctx.origin}${ctx.path}?uploadType=resumable&upload_id=${id}`;
    return { status: 200, body: {}, headers: { location } };
  }
  if (type === 'resumable') return resumableChunk(state, ctx, project);
  throw invalid(`uploadType must be multipart or resumable for BigQuery load jobs (got "${type.slice(0, 50)}")`);
};

async function resumableChunk(state: EmulatorState, ctx: RequestContext, project: string): Promise<Reply> {
  const id = ctx.query.get('upload_id') ?? '';
  const session = state.uploads.get(id);
  if (!session || session.project !== project) throw notFound(`Not found: upload session ${id.slice(0, 64)} (unknown or expired)`);
  const range = String(ctx.request.headers['content-range'] ?? '');
  const chunk = await readBody(ctx.request, state.maxUploadBytes - session.received);
  // "bytes 0-99/1000", "bytes 0-99/*", "bytes */1000" (a status query), or no header: the whole file.
  const m = /^bytes (?:(\d+)-(\d+)|\*)\/(\d+|\*)$/.exec(range.trim());
  if (range !== '' && !m) throw invalid(`Invalid Content-Range: ${range.slice(0, 100)}`);
  if (m?.[1] !== undefined && Number(m[1]) !== session.received) throw invalid(`Content-Range starts at ${m[1]} but ${session.received} bytes were received`);
  if (chunk.length > 0) {
    session.chunks.push(chunk);
    session.received += chunk.length;
  }
  const total = m && m[3] !== '*' ? Number(m[3]) : range === '' ? session.received : undefined;
  if (total === undefined || session.received < total) {
    return { status: 308, headers: session.received > 0 ? { range: `bytes=0-${session.received - 1}` } : {} };
  }
  state.uploads.close(id);
  return startUploadedLoad(state, ctx, project, session.job, Buffer.concat(session.chunks));
}
