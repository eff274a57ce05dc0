// Google Cloud clients pointed at a running local stack by explicit endpoint,
// for tools and tests that run beside several stacks (each test stack has its
// own free ports, so the process-wide *_EMULATOR_HOST variables cannot be
// used there). Functions never use this: they read the standard variables.
import { BigQuery } from '@google-cloud/bigquery';
import { Firestore } from '@google-cloud/firestore';
import { PubSub } from '@google-cloud/pubsub';

export interface EmulatorEndpoints {
  projectId: string;
  /** host:port */
  pubsubHost: string;
  /** host:port */
  firestoreHost: string;
  /** http://host:port */
  bigqueryUrl: string;
}

export function pubsubClient(e: EmulatorEndpoints): PubSub {
  // A non-googleapis apiEndpoint puts the client in emulator mode (plaintext, no credentials).
  return new PubSub({ projectId: e.projectId, apiEndpoint: e.pubsubHost });
}

export function firestoreClient(e: EmulatorEndpoints): Firestore {
  // ssl: false makes the client send "Authorization: Bearer owner" (emulator admin, rules bypassed).
  return new Firestore({ projectId: e.projectId, host: e.firestoreHost, ssl: false });
}

export function bigqueryClient(e: EmulatorEndpoints): BigQuery {
  return new BigQuery({ projectId: e.projectId, apiEndpoint: e.bigqueryUrl });
}
