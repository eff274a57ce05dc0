// Typed configuration, read from environment variables once per instance and
// validated at start: a bad value fails fast with a ConfigError that names the
// variable (functions-framework's OptionsError does the same for its flags).
import { DATASET, TOPICS } from './names.js';

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`${variable}: ${problem}`);
  }
}

type Env = Record<string, string | undefined>;

interface IntSpec {
  env: string;
  default: number;
  min: number;
  max: number;
  doc: string;
}

/** Every numeric setting with its safe default; the README's configuration table lists these. */
export const INT_SETTINGS = {
  maxMessageBytes: { env: 'MAX_MESSAGE_BYTES', default: 256 * 1024, min: 1024, max: 10 * 1024 * 1024, doc: 'largest device message accepted (bytes)' },
  maxBatchEvents: { env: 'MAX_BATCH_EVENTS', default: 500, min: 1, max: 10000, doc: 'most events in one batch message' },
  maxMetrics: { env: 'MAX_METRICS', default: 64, min: 1, max: 1000, doc: 'most readings (metrics) in one event' },
  maxStateKeys: { env: 'MAX_STATE_KEYS', default: 64, min: 1, max: 1000, doc: 'most state keys in one event' },
  maxKeyLength: { env: 'MAX_KEY_LENGTH', default: 64, min: 1, max: 1500, doc: 'longest metric or state key (characters)' },
  maxStringLength: { env: 'MAX_STRING_LENGTH', default: 1024, min: 1, max: 1_000_000, doc: 'longest string state value (characters)' },
  maxDepth: { env: 'MAX_JSON_DEPTH', default: 8, min: 2, max: 64, doc: 'deepest JSON nesting accepted' },
  maxFutureSkewSeconds: { env: 'MAX_FUTURE_SKEW_SECONDS', default: 300, min: 0, max: 86400 * 365, doc: 'how far event time may be ahead of receive time' },
  maxEventAgeSeconds: { env: 'MAX_EVENT_AGE_SECONDS', default: 7 * 86400, min: 60, max: 86400 * 3650, doc: 'how far event time may be behind receive time' },
  deviceCacheTtlMs: { env: 'DEVICE_CACHE_TTL_MS', default: 60_000, min: 0, max: 3_600_000, doc: 'device registry cache lifetime in enrich' },
  deviceCacheMax: { env: 'DEVICE_CACHE_MAX', default: 10_000, min: 1, max: 1_000_000, doc: 'device registry cache entries per instance' },
  replayWindow: { env: 'SEQ_REPLAY_WINDOW', default: 10_000, min: 0, max: 1_000_000_000, doc: 'signed devices: a seq this far below the newest seen is a replay' },
  bqBatchMaxRows: { env: 'BQ_BATCH_MAX_ROWS', default: 500, min: 1, max: 10000, doc: 'rows per BigQuery insert request (group commit size)' },
  bqBatchMaxWaitMs: { env: 'BQ_BATCH_MAX_WAIT_MS', default: 250, min: 0, max: 10000, doc: 'longest a row waits for its group commit' },
  // validate and enrich: the events of concurrent requests on one instance
  // travel as one message. 100 ms is short next to the sinks' own windows and
  // long enough at 100 msg/s per instance for about ten device messages to
  // share a message (a lone request is published at once: early flush).
  eventBatchWindowMs: { env: 'EVENT_BATCH_WINDOW_MS', default: 100, min: 0, max: 10_000, doc: 'longest a valid or enriched event waits to share a Pub/Sub message with others' },
  eventBatchMaxEvents: { env: 'EVENT_BATCH_MAX_EVENTS', default: 500, min: 1, max: 10_000, doc: 'most events in one events-valid or events-enriched message' },
  // Pub/Sub takes 10 MB per message; a quarter MiB keeps a redelivered batch cheap.
  eventBatchMaxBytes: { env: 'EVENT_BATCH_MAX_BYTES', default: 256 * 1024, min: 1024, max: 9 * 1024 * 1024, doc: 'most JSON bytes of events in one events-valid or events-enriched message' },
  // 1.25 s keeps a busy device's document under Firestore's sustained 1 write/s
  // per document with headroom; a device idle for a window is written at once.
  firestoreCoalesceMs: { env: 'FIRESTORE_COALESCE_MS', default: 1250, min: 0, max: 60000, doc: 'window in which writes to one device are merged' },
  // 1 ms, not the client's 10: a function's request waits for its publish, so
  // the window is added latency, and with a fixed number of requests in flight
  // latency is throughput (http bench: about 4,800 vs 3,400 req/s). Requests
  // arriving within the millisecond still share one publish call.
  publishBatchMaxMs: { env: 'PUBLISH_BATCH_MAX_MS', default: 1, min: 0, max: 1000, doc: 'longest a published message waits to share a Pub/Sub publish request' },
  // 14 MiB: a push of Pub/Sub's largest message (10 MB, base64 in JSON) fits,
  // so every real push is read and dead-lettered by name; Cloud Run's own cap is 32 MiB.
  maxRequestBytes: { env: 'MAX_REQUEST_BYTES', default: 14 * 1024 * 1024, min: 64 * 1024, max: 32 * 1024 * 1024, doc: 'largest HTTP request body a function reads (bigger: 413, unread)' },
  // Charged by body size, but what a body costs is the work it causes: a
  // 256 KiB batch of ~450 events is held as event objects and batched JSON
  // until its publish, several times its size in heap. 8 MiB of bodies (~23
  // pushes of the largest accepted batch) keeps the 128 MiB heap clear, while
  // 250 pushes of typical messages (~1 KiB) are ~250 KiB and never wait.
  requestBytesInFlight: { env: 'REQUEST_BYTES_IN_FLIGHT', default: 8 * 1024 * 1024, min: 1024 * 1024, max: 1024 * 1024 * 1024, doc: 'request body bytes one instance admits at once (more wait, unread)' },
  deadLetterPayloadMaxBytes: { env: 'DEADLETTER_PAYLOAD_MAX_BYTES', default: 256 * 1024, min: 1024, max: 5 * 1024 * 1024, doc: 'raw bytes kept per dead letter (longer ones are truncated, with size and sha256)' },
} as const satisfies Record<string, IntSpec>;

export type IntSettings = { -readonly [K in keyof typeof INT_SETTINGS]: number };

export interface Config extends IntSettings {
  projectId: string;
  dataset: string;
  topicValid: string;
  topicEnriched: string;
  topicDeadLetter: string;
  /** Accepted schemaVersion attribute values (absent attribute means the newest). */
  schemaVersions: readonly string[];
  /**
   * Publish events-valid / events-enriched with orderingKey = deviceId.
   * Off by default: the sinks are last-writer-wins by event time, so order buys
   * no correctness, while ordered publishing cost 7x publish throughput
   * (287 vs 2,100 msg/s measured) and ordered subscriptions allow only one
   * delivery per device in flight, which defeats group commit.
   */
  publishOrderingKeys: boolean;
  /**
   * How the BigQuery sinks write: `storage-write` (default: the Storage Write
   * API's default stream, billed by bytes) or `insert-all` (legacy streaming
   * inserts, billed per row with a 1 KB minimum, de-duplicated by insertId).
   */
  bqWriteApi: BqWriteApi;
  /** Storage Write API endpoint, BQ_STORAGE_ENDPOINT (unset: Google's); http://host:port is plaintext (a local emulator). */
  bqStorageEndpoint: StorageEndpoint | undefined;
}

export interface StorageEndpoint {
  host: string;
  port: number;
  plaintext: boolean;
}

/** https://host[:port] (TLS, default port 443) or http://host:port (plaintext). */
export function parseStorageEndpoint(raw: string | undefined): StorageEndpoint | undefined {
  const v = raw?.trim();
  if (!v) return undefined;
  const bad = (): never => {
    throw new ConfigError('BQ_STORAGE_ENDPOINT', `expected https://host[:port] or http://host:port, got ${JSON.stringify(raw)}`);
  };
  let url: URL;
  try {
    url = new URL(v);
  } catch {
    return bad();
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.pathname.replace(/\/$/, '') !== '' || url.search || url.username) bad();
  const plaintext = url.protocol === 'http:';
  if (plaintext && !url.port) bad();
  return { host: url.hostname.replace(/^\[(.*)\]$/, '$1'), port: url.port ? Number(url.port) : 443, plaintext };
}

export const BQ_WRITE_APIS = ['storage-write', 'insert-all'] as const;
export type BqWriteApi = (typeof BQ_WRITE_APIS)[number];

function writeApi(env: Env): BqWriteApi {
  const raw = env.BQ_WRITE_API?.trim() || 'storage-write';
  if (!(BQ_WRITE_APIS as readonly string[]).includes(raw)) throw new ConfigError('BQ_WRITE_API', `expected ${BQ_WRITE_APIS.join(' or ')}, got ${JSON.stringify(env.BQ_WRITE_API)}`);
  return raw as BqWriteApi;
}

function parseInt10(variable: string, raw: string, spec: IntSpec): number {
  if (!/^-?\d+$/.test(raw.trim())) throw new ConfigError(variable, `expected an integer, got ${JSON.stringify(raw)}`);
  const n = Number(raw.trim());
  if (n < spec.min || n > spec.max) throw new ConfigError(variable, `must be between ${spec.min} and ${spec.max}, got ${n}`);
  return n;
}

function bool(env: Env, variable: string, fallback: boolean): boolean {
  const raw = env[variable]?.trim().toLowerCase();
  if (raw === undefined || raw === '') return fallback;
  if (raw === 'true' || raw === '1') return true;
  if (raw === 'false' || raw === '0') return false;
  throw new ConfigError(variable, `expected true or false, got ${JSON.stringify(env[variable])}`);
}

function name(env: Env, variable: string, fallback: string): string {
  const v = env[variable]?.trim() || fallback;
  if (!/^[A-Za-z0-9_.-]{1,255}$/.test(v)) throw new ConfigError(variable, `not a valid resource name: ${JSON.stringify(v)}`);
  return v;
}

export function loadConfig(env: Env = process.env): Config {
  const projectId = env.GOOGLE_CLOUD_PROJECT?.trim() || env.GCLOUD_PROJECT?.trim() || env.GCP_PROJECT?.trim();
  if (!projectId) throw new ConfigError('GOOGLE_CLOUD_PROJECT', 'not set (the Google Cloud project id, e.g. demo-iot locally)');
  if (!/^[a-z][a-z0-9-]{4,61}[a-z0-9]$/.test(projectId)) throw new ConfigError('GOOGLE_CLOUD_PROJECT', `not a valid project id: ${JSON.stringify(projectId)}`);

  const ints = {} as IntSettings;
  for (const [key, spec] of Object.entries(INT_SETTINGS) as [keyof IntSettings, IntSpec][]) {
    const raw = env[spec.env];
    ints[key] = raw === undefined || raw === '' ? spec.default : parseInt10(spec.env, raw, spec);
  }
  return {
    projectId,
    dataset: name(env, 'BQ_DATASET', DATASET),
    topicValid: name(env, 'TOPIC_VALID', TOPICS.valid),
    topicEnriched: name(env, 'TOPIC_ENRICHED', TOPICS.enriched),
    topicDeadLetter: name(env, 'TOPIC_DEADLETTER', TOPICS.deadLetter),
    schemaVersions: ['1'],
    publishOrderingKeys: bool(env, 'PUBLISH_ORDERING_KEYS', false),
    bqWriteApi: writeApi(env),
    bqStorageEndpoint: parseStorageEndpoint(env.BQ_STORAGE_ENDPOINT),
    ...ints,
  };
}

let cached: Config | undefined;
/** The instance's config, parsed on first use and then kept. */
export function config(): Config {
  cached ??= loadConfig();
  return cached;
}
