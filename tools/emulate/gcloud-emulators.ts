// The gcloud CLI's Pub/Sub and Firestore emulators, started directly (not via
// `gcloud beta emulators ...`, whose wrapper leaves the Java child running when
// it is killed), each in its own process group so stop() ends all of it.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { startProcess, type ManagedProcess } from '../lib/process-group.js';
import { LOOPBACK, freePort, httpOk, portInUse, waitUntil } from '../lib/ports.js';

export class MissingComponentError extends Error {
  override readonly name = 'MissingComponentError';
}

let sdkRoot: string | undefined;
export function gcloudSdkRoot(): string {
  if (sdkRoot) return sdkRoot;
  const candidates = [process.env.CLOUDSDK_ROOT_DIR, '/usr/lib/google-cloud-sdk', '/usr/share/google-cloud-sdk'];
  for (const c of candidates) if (c && existsSync(path.join(c, 'platform'))) return (sdkRoot = c);
  try {
    sdkRoot = execFileSync('gcloud', ['info', '--format=value(installation.sdk_root)'], { encoding: 'utf8' }).trim();
    return sdkRoot;
  } catch {
    throw new MissingComponentError('gcloud CLI not found: install the Google Cloud CLI (https://cloud.google.com/sdk/docs/install)');
  }
}

function requireJava(): void {
  try {
    execFileSync('java', ['-version'], { stdio: 'ignore' });
  } catch {
    throw new MissingComponentError('java not found: the gcloud emulators need Java 17 or newer (Debian: apt-get install openjdk-17-jre-headless)');
  }
}

export interface RunningEmulator {
  readonly name: string;
  readonly host: string; // host:port, the form *_EMULATOR_HOST variables take
  readonly port: number;
  readonly process: ManagedProcess;
  stop(): Promise<void>;
}

export interface EmulatorOptions {
  port?: number;
  onLine?: (line: string) => void;
  /** Called as soon as the process exists (before it is ready). */
  onSpawn?: (p: ManagedProcess) => void;
  timeoutMs?: number;
}

async function ensureFree(name: string, port: number): Promise<void> {
  if (await portInUse(port)) {
    throw new Error(`${name}: port ${port} on ${LOOPBACK} is already in use (another emulator or a previous run?). Find it with: ss -ltnp 'sport = :${port}'`);
  }
}

export async function startPubSubEmulator(opts: EmulatorOptions = {}): Promise<RunningEmulator> {
  requireJava();
  const bin = path.join(gcloudSdkRoot(), 'platform/pubsub-emulator/bin/cloud-pubsub-emulator');
  if (!existsSync(bin)) throw new MissingComponentError('Pub/Sub emulator not installed: gcloud components install pubsub-emulator (or apt-get install google-cloud-cli-pubsub-emulator)');
  const port = opts.port ?? (await freePort());
  await ensureFree('pubsub', port);
  const proc = startProcess({
    name: 'pubsub',
    command: bin,
    args: [`--host=${LOOPBACK}`, `--port=${port}`],
    ...(opts.onLine ? { onLine: opts.onLine } : {}),
  });
  opts.onSpawn?.(proc);
  const emu: RunningEmulator = { name: 'pubsub', host: `${LOOPBACK}:${port}`, port, process: proc, stop: async () => { await proc.stop(); } };
  await waitReady(emu, `http://${LOOPBACK}:${port}/`, opts.timeoutMs ?? 60_000);
  return emu;
}

export async function startFirestoreEmulator(opts: EmulatorOptions & { projectId?: string } = {}): Promise<RunningEmulator> {
  requireJava();
  const bin = path.join(gcloudSdkRoot(), 'platform/cloud-firestore-emulator/cloud_firestore_emulator');
  if (!existsSync(bin)) throw new MissingComponentError('Firestore emulator not installed: gcloud components install cloud-firestore-emulator (or apt-get install google-cloud-cli-firestore-emulator)');
  const port = opts.port ?? (await freePort());
  await ensureFree('firestore', port);
  // Its WebSocket port would default to a fixed number: take a free one so
  // several emulators (tests beside `npm run emulate`) can run at once.
  const wsPort = await freePort();
  const proc = startProcess({
    name: 'firestore',
    command: bin,
    args: ['start', `--host=${LOOPBACK}`, `--port=${port}`, `--websocket_port=${wsPort}`],
    ...(opts.onLine ? { onLine: opts.onLine } : {}),
  });
  opts.onSpawn?.(proc);
  const emu: RunningEmulator = { name: 'firestore', host: `${LOOPBACK}:${port}`, port, process: proc, stop: async () => { await proc.stop(); } };
  await waitReady(emu, `http://${LOOPBACK}:${port}/`, opts.timeoutMs ?? 60_000);
  return emu;
}

async function waitReady(emu: RunningEmulator, url: string, timeoutMs: number): Promise<void> {
  let exited = false;
  void emu.process.exited.then(() => (exited = true));
  try {
    await waitUntil(async () => {
      if (exited) throw new Error('exited');
      return httpOk(url);
    }, timeoutMs, `${emu.name} emulator at ${url}`);
  } catch (err) {
    await emu.stop();
    throw exited ? new Error(`${emu.name} emulator exited before it was ready (see its log lines)`) : err;
  }
}

/** Firestore emulator admin: wipe all documents of a project (between tests). */
export async function clearFirestore(host: string, projectId: string): Promise<void> {
  const res = await fetch(`http://${host}/emulator/v1/projects/${projectId}/databases/(default)/documents`, { method: 'DELETE' });
  if (!res.ok) throw new Error(`clearing Firestore failed: ${res.status}`);
}

/** Firestore emulator admin: load security rules (they are not reloaded from disk). */
export async function loadFirestoreRules(host: string, projectId: string, rules: string): Promise<void> {
  const res = await fetch(`http://${host}/emulator/v1/projects/${projectId}:securityRules`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ rules: { files: [{ name: 'firestore.rules', content: rules }] } }),
  });
  if (!res.ok) throw new Error(`loading Firestore rules failed: ${res.status} ${await res.text()}`);
}
