// sinkBigquery's core: one enriched event -> its readings rows and its events
// row, each through its table's group commit. Resolves once every row is
// durable; throws PermanentError('bigquery-row-invalid') when BigQuery
// rejected some row for good (the others are written; a replay is deduplicated
// by insertId); any transient failure propagates, so the delivery is retried.
import { PermanentError } from '../lib/errors.js';
import type { EnrichedEvent } from '../lib/events.js';
import type { MessageContext } from '../lib/handle-message.js';
import type { PubSubMessage } from '../lib/pubsub-message.js';
import { parseEnrichedEvent } from '../sinks/enriched-event.js';
import type { RowToInsert } from '../sinks/row-sink.js';
import type { RowOutcome } from '../sinks/table-writer.js';
import { eventRows } from './rows.js';

export interface SinkBigqueryDeps {
  writeReadings(rows: readonly RowToInsert[]): Promise<RowOutcome[]>;
  writeEvents(rows: readonly RowToInsert[]): Promise<RowOutcome[]>;
}

export async function sinkBigqueryCore(event: EnrichedEvent, deps: SinkBigqueryDeps): Promise<void> {
  const rows = eventRows(event);
  const [readings, events] = await Promise.all([deps.writeReadings(rows.readings), deps.writeEvents(rows.events)]);
  const problems = [...describe('readings', rows.readings, readings), ...describe('events', rows.events, events)];
  if (problems.length > 0) throw new PermanentError('bigquery-row-invalid', problems.join('; ').slice(0, 500));
}

/** The adapter's whole job after decoding: parse (malformed -> PermanentError), name the ids, run the core. */
export async function processEnrichedMessage(msg: PubSubMessage, ctx: MessageContext, deps: SinkBigqueryDeps): Promise<void> {
  const e = parseEnrichedEvent(msg.data);
  ctx.deviceId = e.deviceId;
  ctx.eventId = e.eventId;
  await sinkBigqueryCore(e, deps);
}

function describe(table: string, rows: RowToInsert[], outcomes: RowOutcome[]): string[] {
  const out: string[] = [];
  outcomes.forEach((o, i) => {
    if (!o) return;
    // Metric names are the device's keys, bounded by validate; values are never named.
    const metric = table === 'readings' ? String(rows[i]?.json.metric ?? '') : '';
    out.push(`${table}${metric ? `[${metric.slice(0, 64)}]` : ''}${o.location ? `.${o.location.slice(0, 64)}` : ''}: ${o.reason}`);
  });
  return out;
}
