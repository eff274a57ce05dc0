// The discovery document bq fetches first: the copy shipped with the gcloud
// SDK, with its root and base URLs pointed at this emulator.
import { readFile } from 'node:fs/promises';
import { BqError } from './errors.js';
import type { Handler } from './state.js';

export const DISCOVERY_PATH = '/usr/lib/google-cloud-sdk/platform/bq/discovery_next/bigquery.json';
const CANDIDATES = [
  process.env['BQ_EMULATOR_DISCOVERY_FILE'],
  DISCOVERY_PATH,
  process.env['CLOUDSDK_ROOT_DIR'] ? `${process.env['CLOUDSDK_ROOT_DIR']}/platform/bq/discovery_next/bigquery.json` : undefined,
].filter((p): p is string => !!p);

let cached: Record<string, unknown> | undefined;

async function load(): Promise<Record<string, unknown> | undefined> {
  if (cached) return cached;
  for (const p of CANDIDATES) {
    try {
      cached = JSON.parse(await readFile(p, 'utf8')) as Record<string, unknown>;
      return cached;
    } catch {
      // try the next location
    }
  }
  return undefined;
}

export const discoveryDocument: Handler = async (_state, ctx) => {
  const doc = await load();
  if (!doc) {
    throw new BqError(404, 'notFound', `BigQuery discovery document not found (looked in ${CANDIDATES.join(', ')}); install the gcloud SDK's bq component or set BQ_EMULATOR_DISCOVERY_FILE`);
  }
  const root = `${ctx.origin}/`;
  return {
    status: 200,
    body: { ...doc, rootUrl: root, mtlsRootUrl: root, baseUrl: `${root}bigquery/v2/`, servicePath: 'bigquery/v2/' },
  };
};
