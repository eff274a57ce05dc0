// Load, copy and extract jobs started by jobs.insert (a load with sourceUris
// under --gcs-dir; uploads start theirs in upload.ts).
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { runCopyJob } from './copy-job.js';
import { invalid } from './errors.js';
import { runExtractJob } from './extract-job.js';
import type { Job } from './job-store.js';
import { runLoadJob } from './load-job.js';
import { localPathOf } from './local-storage.js';
import { jobTimeoutOf } from './query-job.js';
import type { EmulatorState } from './state.js';

/** The files a load's sourceUris name: exact paths, or one `*` in the file name. */
async function sourceFiles(state: EmulatorState, uris: unknown): Promise<Buffer[]> {
  if (!Array.isArray(uris) || uris.length === 0) throw invalid('Required parameter is missing: sourceUris (or upload the file through /upload/bigquery/v2/projects/{projectId}/jobs)');
  const out: Buffer[] = [];
  let total = 0;
  for (const uri of uris) {
    const file = localPathOf(state.gcsDir, uri);
    const base = path.basename(file);
    const names = base.includes('*')
      ? (await readdir(path.dirname(file)).catch(() => [] as string[])).filter((n) => new RegExp(`^${base.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`).test(n)).sort()
      : [base];
    if (names.length === 0) throw invalid(`Not found: URI ${String(uri)}`);
    for (const n of names) {
      const data = await readFile(path.join(path.dirname(file), n)).catch(() => {
        throw invalid(`Not found: URI ${String(uri)}`);
      });
      total += data.length;
      if (total > state.maxUploadBytes) throw invalid(`Load job input exceeds the emulator's --max-upload-bytes (${state.maxUploadBytes})`);
      out.push(data);
    }
  }
  return out;
}

export function startLoadJob(state: EmulatorState, project: string, jobId: string, conf: Record<string, unknown>, files: () => Promise<Buffer[]>): Job {
  const load = conf['load'] as Record<string, unknown>;
  return state.jobs.start({ project, jobId, jobType: 'LOAD', configuration: { ...conf, jobType: 'LOAD' } }, async (signal) => runLoadJob(state, project, load, await files(), signal), jobTimeoutOf(conf['jobTimeoutMs']));
}

export function startOtherJob(state: EmulatorState, project: string, jobId: string, conf: Record<string, unknown>): Job {
  const timeout = jobTimeoutOf(conf['jobTimeoutMs']);
  if (conf['load']) {
    const load = conf['load'] as Record<string, unknown>;
    return startLoadJob(state, project, jobId, conf, () => sourceFiles(state, load['sourceUris']));
  }
  if (conf['copy']) {
    const copy = conf['copy'] as Record<string, unknown>;
    return state.jobs.start({ project, jobId, jobType: 'COPY', configuration: { ...conf, jobType: 'COPY' } }, (signal) => runCopyJob(state, project, copy, signal), timeout);
  }
  if (conf['extract']) {
    const extract = conf['extract'] as Record<string, unknown>;
    return state.jobs.start({ project, jobId, jobType: 'EXTRACT', configuration: { ...conf, jobType: 'EXTRACT' } }, (signal) => runExtractJob(state, project, extract, signal), timeout);
  }
  throw invalid('Job configuration must have one of query, load, copy or extract');
}
