// The local stack for tests: the same startStack that `npm run emulate` uses,
// on free ports with a unique project id, plus clients pointed at it and the
// last log lines of every component (printed when a test fails).
import { randomBytes } from 'node:crypto';
import type { BigQuery } from '@google-cloud/bigquery';
import type { Firestore } from '@google-cloud/firestore';
import type { PubSub } from '@google-cloud/pubsub';
import { bigqueryClient, firestoreClient, pubsubClient } from '../../tools/lib/emulator-clients.js';
import { startStack, type Stack, type StackOptions } from '../../tools/emulate/stack.js';

export interface TestStack {
  stack: Stack;
  pubsub: PubSub;
  firestore: Firestore;
  bigquery: BigQuery;
  /** The last log lines, tagged with their component. */
  logTail(n?: number): string;
  stop(): Promise<void>;
}

/** A project id unique to this run, valid for GOOGLE_CLOUD_PROJECT (demo- marks it emulator-only). */
export function uniqueProjectId(prefix: string): string {
  return `demo-${prefix}-${randomBytes(4).toString('hex')}`;
}

export async function startTestStack(prefix: string, opts: Partial<Omit<StackOptions, 'log'>> = {}): Promise<TestStack> {
  const lines: string[] = [];
  const log = (component: string, line: string): void => {
    lines.push(`${component.padEnd(14)} | ${line}`);
    if (lines.length > 2000) lines.splice(0, 1000);
  };
  const stack = await startStack({
    projectId: uniqueProjectId(prefix),
    ports: { pubsub: 0, firestore: 0, bigquery: 0, functions: 0 },
    ...opts,
    log,
  });
  const pubsub = pubsubClient(stack.endpoints);
  const firestore = firestoreClient(stack.endpoints);
  const bigquery = bigqueryClient(stack.endpoints);
  return {
    stack,
    pubsub,
    firestore,
    bigquery,
    logTail: (n = 60) => lines.slice(-n).join('\n'),
    async stop() {
      await Promise.allSettled([pubsub.close(), firestore.terminate()]);
      await stack.stop();
    },
  };
}
