// Paths inside the repository, from the compiled file's place
// (build/tools/emulate/*.js), so tools work from any working directory.
import path from 'node:path';

export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');

export function repoPath(...parts: string[]): string {
  return path.join(REPO_ROOT, ...parts);
}

/** The compiled JS of a repository source path (e.g. emulators/bigquery/cli.ts). */
export function buildPath(...parts: string[]): string {
  return path.join(REPO_ROOT, 'build', ...parts);
}
