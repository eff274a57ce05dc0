// Where a command-line tool sends its calls: the local emulators (default,
// ports from firebase.json) or a real Google Cloud project (--project). Only
// the standard *_EMULATOR_HOST variables decide it for the client libraries,
// so tools never special-case the emulators beyond setting them here.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { LOCAL_PROJECT_ID } from '../../functions/lib/names.js';
import { CliError, UsageError } from './cli.js';

export interface LocalPorts {
  pubsub: number;
  firestore: number;
  bigquery: number;
  dashboard: number;
}

const DEFAULT_PORTS: LocalPorts = { pubsub: 8085, firestore: 8080, bigquery: 9050, dashboard: 8070 };

/** The local ports in firebase.json (the repository's single place for them). */
export function localPorts(file = path.resolve(__dirname, '..', '..', '..', 'firebase.json')): LocalPorts {
  try {
    const json = JSON.parse(readFileSync(file, 'utf8')) as { emulators?: Record<string, { port?: unknown }> };
    const port = (k: keyof LocalPorts): number => {
      const p = json.emulators?.[k]?.port;
      return typeof p === 'number' && Number.isInteger(p) ? p : DEFAULT_PORTS[k];
    };
    return { pubsub: port('pubsub'), firestore: port('firestore'), bigquery: port('bigquery'), dashboard: port('dashboard') };
  } catch {
    return { ...DEFAULT_PORTS };
  }
}

export const EMULATOR_VARS = ['PUBSUB_EMULATOR_HOST', 'FIRESTORE_EMULATOR_HOST', 'BIGQUERY_EMULATOR_HOST'] as const;

export interface Target {
  mode: 'emulator' | 'cloud';
  projectId: string;
  /** host:port (emulator mode only). */
  pubsubHost?: string;
  /** host:port (emulator mode only). */
  firestoreHost?: string;
  /** http://host:port (emulator mode only). */
  bigqueryUrl?: string;
}

const PROJECT_ID = /^[a-z][a-z0-9-]{4,61}[a-z0-9]$/;

/**
 * Emulators unless `project` names a real project. A `demo-` project is
 * emulator-only by definition (Firebase's convention), so it stays local.
 * Mutates `env` (normally process.env) so every client library agrees.
 */
export function resolveTarget(project: string | undefined, env: NodeJS.ProcessEnv = process.env, ports: LocalPorts = localPorts()): Target {
  if (project !== undefined && !PROJECT_ID.test(project)) {
    throw new UsageError(`--project: not a valid Google Cloud project id: ${JSON.stringify(project)}`);
  }
  if (project !== undefined && !project.startsWith('demo-')) {
    for (const v of EMULATOR_VARS) delete env[v];
    return { mode: 'cloud', projectId: project };
  }
  quietMetadataLookup();
  env.PUBSUB_EMULATOR_HOST ||= `127.0.0.1:${ports.pubsub}`;
  env.FIRESTORE_EMULATOR_HOST ||= `127.0.0.1:${ports.firestore}`;
  env.BIGQUERY_EMULATOR_HOST ||= `http://127.0.0.1:${ports.bigquery}`;
  const bq = env.BIGQUERY_EMULATOR_HOST;
  return {
    mode: 'emulator',
    projectId: project ?? LOCAL_PROJECT_ID,
    pubsubHost: env.PUBSUB_EMULATOR_HOST,
    firestoreHost: env.FIRESTORE_EMULATOR_HOST,
    bigqueryUrl: /^https?:\/\//.test(bq) ? bq : `http://${bq}`,
  };
}

async function answers(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(3000) });
    await res.arrayBuffer();
    return true;
  } catch {
    return false;
  }
}

const HINT = 'start the local stack with `npm run emulate`';

/** Fails fast with a clear message when an emulator the command needs is not running (no-op for a real project). */
export async function requireEmulators(target: Target, which: readonly ('pubsub' | 'firestore' | 'bigquery')[]): Promise<void> {
  if (target.mode !== 'emulator') return;
  for (const w of which) {
    const [label, where, url] =
      w === 'pubsub'
        ? ['Pub/Sub emulator', target.pubsubHost, `http://${target.pubsubHost}/`]
        : w === 'firestore'
          ? ['Firestore emulator', target.firestoreHost, `http://${target.firestoreHost}/`]
          : ['BigQuery emulator', target.bigqueryUrl?.replace(/^https?:\/\//, ''), `${target.bigqueryUrl}/`];
    if (!(await answers(url))) throw new CliError(`${label} not reachable at ${where} — ${HINT}`);
  }
}

let quieted = false;
/**
 * Against emulators, offline, google-auth's GCE metadata probe always fails
 * and prints a MetadataLookupWarning on every run: noise for a CLI user.
 * Drop just that warning; every other one still prints.
 */
function quietMetadataLookup(): void {
  if (quieted) return;
  quieted = true;
  const original = process.emitWarning.bind(process);
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    const type = typeof rest[0] === 'string' ? rest[0] : (rest[0] as { type?: string } | undefined)?.type;
    const name = warning instanceof Error ? warning.name : type;
    if (name === 'MetadataLookupWarning') return;
    // Forwarded as received: emitWarning has several overloads.
    (original as (...args: unknown[]) => void)(warning, ...rest);
  }) as typeof process.emitWarning;
}
