// A local directory standing in for Cloud Storage (--gcs-dir): extract jobs
// write gs://bucket/path to <dir>/bucket/path and load jobs read from there.
// Without the flag, gs:// URIs are refused; a URI can never name a file
// outside the directory.
import path from 'node:path';
import { invalid } from './errors.js';

const GS_RE = /^gs:\/\/([a-z0-9][a-z0-9._-]{1,221}[a-z0-9])\/(.+)$/;

export function localPathOf(dir: string | undefined, uri: unknown): string {
  if (typeof uri !== 'string') throw invalid('Invalid Cloud Storage URI: must be a string');
  const m = GS_RE.exec(uri);
  if (!m) throw invalid(`Invalid Cloud Storage URI "${uri.slice(0, 200)}": expected gs://bucket/path`);
  if (!dir) throw invalid(`Cloud Storage URIs need the emulator's --gcs-dir (a local directory standing in for gs://): ${uri.slice(0, 200)}`);
  const root = path.resolve(dir);
  const target = path.resolve(root, m[1]!, m[2]!);
  if (!target.startsWith(root + path.sep) || m[2]!.split('/').some((p) => p === '..' || p === '.')) throw invalid(`Invalid Cloud Storage URI "${uri.slice(0, 200)}": it leaves the bucket`);
  return target;
}
