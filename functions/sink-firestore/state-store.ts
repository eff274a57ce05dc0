// Applies a device's events to deviceState/{id} in ONE transaction: read the
// document, merge (pure), write only if something is newer. Contention and
// other retryable codes (ABORTED, UNAVAILABLE, DEADLINE_EXCEEDED...) are
// retried by the client's transaction runner up to maxAttempts; after that the
// failure is a TransientError, so the deliveries are retried by Pub/Sub.
import { FieldValue, type Firestore } from '@google-cloud/firestore';
import { TransientError } from '../lib/errors.js';
import { COLLECTIONS } from '../lib/names.js';
import { mergeState, type StateEvent } from './merge-state.js';
import { fromDoc, toDoc } from './state-doc.js';

export interface StateStore {
  apply(deviceId: string, events: readonly StateEvent[]): Promise<{ written: boolean }>;
}

export class FirestoreStateStore implements StateStore {
  /** Counters for logs, benchmarks and tests. */
  readonly stats = { transactions: 0, attempts: 0, writes: 0, failures: 0 };

  constructor(
    private readonly db: Firestore,
    private readonly opts: { maxAttempts?: number; collection?: string } = {},
  ) {}

  async apply(deviceId: string, events: readonly StateEvent[]): Promise<{ written: boolean }> {
    const ref = this.db.collection(this.opts.collection ?? COLLECTIONS.deviceState).doc(deviceId);
    this.stats.transactions++;
    try {
      const written = await this.db.runTransaction(
        async (tx) => {
          this.stats.attempts++;
          const snap = await tx.get(ref);
          const next = mergeState(fromDoc(snap.data()), events);
          if (!next) return false;
          tx.set(ref, toDoc(next, FieldValue.serverTimestamp()));
          return true;
        },
        { maxAttempts: this.opts.maxAttempts ?? 5 },
      );
      if (written) this.stats.writes++;
      return { written };
    } catch (err) {
      this.stats.failures++;
      const code = (err as { code?: unknown }).code;
      throw new TransientError(`deviceState/${deviceId.slice(0, 128)} transaction failed${code !== undefined ? ` (code ${String(code)})` : ''}`, { cause: err });
    }
  }
}
