// sinkDeadletter's core: one events-deadletter message -> one deadletter row,
// through the table's group commit. It never raises a PermanentError (that
// would dead-letter into its own topic, a loop): a row BigQuery rejects is
// replaced by a malformed-envelope row of the raw message, written directly.
// A BigQuery outage is transient and propagates (retried).
import { logger } from '../lib/logger.js';
import type { PubSubMessage } from '../lib/pubsub-message.js';
import type { RowToInsert } from '../sinks/row-sink.js';
import type { RowOutcome } from '../sinks/table-writer.js';
import { deadLetterRow, malformedRow, type DeadLetterRowDeps } from './rows.js';

export interface SinkDeadletterDeps extends DeadLetterRowDeps {
  writeDeadletter(rows: readonly RowToInsert[]): Promise<RowOutcome[]>;
}

/** Resolves with what was stored: the row's reason, or null when even the fallback was rejected. */
export async function sinkDeadletterCore(msg: PubSubMessage, deps: SinkDeadletterDeps): Promise<string | null> {
  const row = deadLetterRow(msg, deps);
  const [outcome] = await deps.writeDeadletter([row]);
  if (!outcome) return String(row.json.reason);
  const fallback = malformedRow(msg, `deadletter row rejected by BigQuery: ${outcome.location || 'row'} ${outcome.reason}`.slice(0, 300), deps);
  const [again] = await deps.writeDeadletter([fallback]);
  if (!again) return 'malformed-envelope';
  // Nothing left to try that could succeed; retrying would loop for ever.
  logger.error('dead letter rejected by BigQuery twice, dropped', { stage: 'sinkDeadletter', messageId: msg.messageId, reason: again.reason, location: again.location });
  return null;
}
