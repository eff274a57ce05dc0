// The local stack for tests: the same startStack that `npm run emulate` uses,
// on free ports with a unique project id, plus clients pointed at it and the
// last log lines of every component (printed when a test fails).
import { randomBytes } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
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
    ports: { pubsub: 0, firestore: 0, bigquery: 0, bigqueryGrpc: 0, functions: 0 },
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

/** CPU seconds (user + system) used so far by each component's process tree (Linux /proc). */
export function cpuSecondsByComponent(pids: Record<string, number>): Record<string, number> {
  const ticks = 100; // USER_HZ on Linux
  const all = readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map(Number);
  const stat = new Map<number, { ppid: number; cpu: number }>();
  for (const pid of all) {
    try {
      const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
      stat.set(pid, { ppid: Number(f[1]), cpu: (Number(f[11]) + Number(f[12])) / ticks });
    } catch {
      // exited meanwhile
    }
  }
  const out: Record<string, number> = {};
  for (const [component, root] of Object.entries(pids)) {
    const tree = new Set([root]);
    let grew = true;
    while (grew) {
      grew = false;
      for (const [pid, s] of stat) {
        if (tree.has(s.ppid) && !tree.has(pid)) {
          tree.add(pid);
          grew = true;
        }
      }
    }
    out[component] = Math.round([...tree].reduce((a, p) => a + (stat.get(p)?.cpu ?? 0), 0) * 10) / 10;
  }
  return out;
}
