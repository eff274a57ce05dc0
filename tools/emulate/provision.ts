// Provisioning of the local stack's resources, every step idempotent (an
// existing resource is fine, so a restarted emulator can be provisioned again):
// topics, one subscription per function, the BigQuery dataset and tables
// (schemas/bigquery-tables.ts), Firestore rules and the seeded registry.
import { existsSync, readFileSync } from 'node:fs';
import { BigQuery } from '@google-cloud/bigquery';
import { Firestore } from '@google-cloud/firestore';
import { PubSub, type CreateSubscriptionOptions } from '@google-cloud/pubsub';
import { COLLECTIONS, DATASET, FUNCTIONS, FUNCTION_NAMES, GATEWAY_ROUTE, TOPICS, type FunctionName } from '../../functions/lib/names.js';
import { ALL_TABLES, tableResource } from '../../schemas/bigquery-tables.js';
import { DEDUP_VIEWS, dedupViewSql } from '../../schemas/bigquery-views.js';
import { loadFirestoreRules } from './gcloud-emulators.js';
import { repoPath } from './repo-root.js';
import { SEED_DEVICES, deviceDocument, type SeedDevice } from './seed.js';

export type DeliveryMode = 'bridge' | 'push';

/** What production uses (infra/): 5 attempts, then the dead-letter topic. */
export const MAX_DELIVERY_ATTEMPTS = 5;
export const ACK_DEADLINE_SECONDS = 60;

const ALREADY_EXISTS = 6; // gRPC status code

function isAlreadyExists(err: unknown): boolean {
  return (err as { code?: number }).code === ALREADY_EXISTS;
}

/** The push URL a function gets: functions-framework takes the CloudEvent source from this path. */
export function pushEndpoint(functionUrl: string, projectId: string, topic: string): string {
  return `${functionUrl}/projects/${projectId}/topics/${topic}`;
}

export async function createTopics(pubsub: PubSub): Promise<void> {
  for (const topic of Object.values(TOPICS)) {
    try {
      await pubsub.createTopic(topic);
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
    }
  }
}

export interface SubscriptionOptions {
  projectId: string;
  delivery: DeliveryMode;
  /** Function base URLs (needed for push delivery). */
  functionUrls: Record<FunctionName, string>;
  /** enableMessageOrdering on every subscription (only matters for publishers that set ordering keys). */
  ordering?: boolean;
}

/** Subscription settings for one function; the dead-letter sink's own subscription has no dead-letter policy. */
export function subscriptionSettings(fn: FunctionName, opts: SubscriptionOptions): CreateSubscriptionOptions {
  const { topic } = FUNCTIONS[fn];
  const settings: CreateSubscriptionOptions = {
    ackDeadlineSeconds: ACK_DEADLINE_SECONDS,
    // No retryPolicy: the emulator rejects it (400); infra/ keeps it for the cloud.
    pushConfig: opts.delivery === 'push' ? { pushEndpoint: pushEndpoint(opts.functionUrls[fn], opts.projectId, topic) } : {},
  };
  if (opts.ordering) settings.enableMessageOrdering = true;
  if (topic !== TOPICS.deadLetter) {
    settings.deadLetterPolicy = {
      deadLetterTopic: `projects/${opts.projectId}/topics/${TOPICS.deadLetter}`,
      maxDeliveryAttempts: MAX_DELIVERY_ATTEMPTS,
    };
  }
  return settings;
}

/** validate's second subscription, on the gateway's topic (GATEWAY_ROUTE): validate's settings, pushed with that topic in the path. */
export function gatewaySubscriptionSettings(opts: SubscriptionOptions): CreateSubscriptionOptions {
  const settings = subscriptionSettings(GATEWAY_ROUTE.target, opts);
  if (opts.delivery === 'push') settings.pushConfig = { pushEndpoint: pushEndpoint(opts.functionUrls[GATEWAY_ROUTE.target], opts.projectId, GATEWAY_ROUTE.topic) };
  return settings;
}

export async function createSubscriptions(pubsub: PubSub, opts: SubscriptionOptions): Promise<void> {
  const all = [
    ...FUNCTION_NAMES.map((fn) => ({ ...FUNCTIONS[fn], settings: subscriptionSettings(fn, opts) })),
    { topic: GATEWAY_ROUTE.topic, subscription: GATEWAY_ROUTE.subscription, settings: gatewaySubscriptionSettings(opts) },
  ];
  for (const { topic, subscription, settings } of all) {
    try {
      await pubsub.topic(topic).createSubscription(subscription, settings);
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
      // It exists (a re-provisioned emulator, or another delivery mode): make its push config current.
      await pubsub.subscription(subscription).modifyPushConfig(settings.pushConfig ?? {});
    }
  }
}

export async function createDatasetAndTables(bigquery: BigQuery): Promise<void> {
  const dataset = bigquery.dataset(DATASET);
  const [exists] = await dataset.exists();
  if (!exists) {
    try {
      await bigquery.createDataset(DATASET, { location: 'US' });
    } catch (err) {
      if ((err as { code?: number }).code !== 409) throw err;
    }
  }
  for (const t of ALL_TABLES) {
    const table = dataset.table(t.tableId);
    const [tableExists] = await table.exists();
    if (tableExists) continue;
    try {
      await dataset.createTable(t.tableId, tableResource(t));
    } catch (err) {
      if ((err as { code?: number }).code !== 409) throw err;
    }
  }
  // The de-dup views analysts query (the read side of exactly-once), as infra/ creates them.
  const projectId = await bigquery.getProjectId();
  for (const v of DEDUP_VIEWS) {
    const [viewExists] = await dataset.table(v.viewId).exists();
    if (viewExists) continue;
    try {
      await dataset.createTable(v.viewId, { description: v.description, view: { query: dedupViewSql(v, `\`${projectId}.${DATASET}.${v.table}\``), useLegacySql: false } });
    } catch (err) {
      if ((err as { code?: number }).code !== 409) throw err;
    }
  }
}

/** True when the dataset and every table answer (the stack's last readiness check). */
export async function tablesExist(bigquery: BigQuery): Promise<boolean> {
  const dataset = bigquery.dataset(DATASET);
  for (const t of ALL_TABLES) {
    const [exists] = await dataset.table(t.tableId).exists();
    if (!exists) return false;
  }
  return true;
}

export const RULES_FILE = repoPath('firestore.rules');

/** Loads firestore.rules into the emulator if the file exists; returns whether it did. */
export async function loadRulesIfPresent(firestoreHost: string, projectId: string): Promise<boolean> {
  if (!existsSync(RULES_FILE)) return false;
  await loadFirestoreRules(firestoreHost, projectId, readFileSync(RULES_FILE, 'utf8'));
  return true;
}

/** Writes devices/{id} for every seeded device (set, so running it twice changes nothing). */
export async function seedRegistry(firestore: Firestore, devices: readonly SeedDevice[] = SEED_DEVICES): Promise<number> {
  const batch = firestore.batch();
  for (const d of devices) batch.set(firestore.collection(COLLECTIONS.devices).doc(d.deviceId), deviceDocument(d));
  await batch.commit();
  return devices.length;
}
