// sinkBigquery's core: enriched events -> their readings rows and events
// rows, each table's rows of one message through one call of its group
// commit (so a batch message is never split by an early flush). Resolves once
// every row is durable. An event BigQuery rejected some row of for good is
// reported per event (bigquery-row-invalid) and dead-lettered on its own; the
// other rows are written (a replay is deduplicated by insertId). Any
// transient failure propagates, so the delivery is retried.
import { PermanentError } from '../lib/errors.js';
import type { EnrichedEvent } from '../lib/events.js';
import { eventFailure, parseEventMessage } from '../lib/event-message.js';
import type { EventFailure, MessageContext } from '../lib/handle-message.js';
import type { PubSubMessage } from '../lib/pubsub-message.js';
import { enrichedEventFrom } from '../sinks/enriched-event.js';
import type { RowToInsert } from '../sinks/row-sink.js';
import type { RowOutcome } from '../sinks/table-writer.js';
import { eventRows } from './rows.js';

export interface SinkBigqueryDeps {
  writeReadings(rows: readonly RowToInsert[]): Promise<RowOutcome[]>;
  writeEvents(rows: readonly RowToInsert[]): Promise<RowOutcome[]>;
}

/** One event: throws PermanentError('bigquery-row-invalid') when some row of it was rejected for good. */
export async function sinkBigqueryCore(event: EnrichedEvent, deps: SinkBigqueryDeps): Promise<void> {
  const [problem] = await sinkBigqueryEvents([event], deps);
  if (problem) throw problem;
}

/** Many events: one PermanentError or null per event, in order. */
export async function sinkBigqueryEvents(events: readonly EnrichedEvent[], deps: SinkBigqueryDeps): Promise<(PermanentError | null)[]> {
  const perEvent = events.map((e) => eventRows(e));
  const readings = perEvent.flatMap((r) => r.readings);
  const evRows = perEvent.flatMap((r) => r.events);
  const [rOut, eOut] = await Promise.all([readings.length > 0 ? deps.writeReadings(readings) : [], evRows.length > 0 ? deps.writeEvents(evRows) : []]);
  let ri = 0;
  let ei = 0;
  return perEvent.map((rows) => {
    const problems = [
      ...describe('readings', rows.readings, rOut.slice(ri, (ri += rows.readings.length))),
      ...describe('events', rows.events, eOut.slice(ei, (ei += rows.events.length))),
    ];
    return problems.length > 0 ? new PermanentError('bigquery-row-invalid', problems.join('; ').slice(0, 500)) : null;
  });
}

/** The adapter's whole job after decoding: split the batch (malformed events dead-lettered), write, dead-letter rejected events. */
export async function processEnrichedMessage(msg: PubSubMessage, ctx: MessageContext, deps: SinkBigqueryDeps): Promise<void> {
  const message = parseEventMessage(msg.data, enrichedEventFrom, 'enriched event');
  const failures: EventFailure[] = [];
  const ok: { event: EnrichedEvent; raw: unknown }[] = [];
  for (const s of message.slots) {
    if (s.ok) ok.push({ event: s.event, raw: s.raw });
    else failures.push(eventFailure(message, s.error, s.raw));
  }
  if (ok[0]) ctx.deviceId = ok[0].event.deviceId;
  if (ok[0] && !message.batch) ctx.eventId = ok[0].event.eventId;
  const problems = await sinkBigqueryEvents(
    ok.map((o) => o.event),
    deps,
  );
  problems.forEach((p, i) => {
    if (p) failures.push(eventFailure(message, p.withIds({ deviceId: ok[i]!.event.deviceId, eventId: ok[i]!.event.eventId }), ok[i]!.raw));
  });
  await ctx.deadLetterEvents(failures);
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
