// sinkDeadletter: events-deadletter -> BigQuery telemetry.deadletter. Every
// message becomes a row (ours, Pub/Sub's max-delivery-attempts, or
// malformed-envelope); only a BigQuery outage is thrown (retried).
import * as functions from '@google-cloud/functions-framework';
import type { CloudEvent } from '@google-cloud/functions-framework';
import { config } from '../lib/config.js';
import { isPermanent } from '../lib/errors.js';
import { handlePubSubEvent } from '../lib/handle-message.js';
import { TABLES } from '../lib/names.js';
import { fromCloudEvent, type PubSubMessage } from '../lib/pubsub-message.js';
import { bigQueryRowSink } from '../sinks/bigquery-client.js';
import { tableWriter } from '../sinks/table-writer.js';
import { sinkDeadletterCore, type SinkDeadletterDeps } from './sink.js';

let deps: SinkDeadletterDeps | undefined;

function instanceDeps(): SinkDeadletterDeps {
  if (!deps) {
    const cfg = config();
    const writer = tableWriter(bigQueryRowSink(), TABLES.deadLetter, { maxRows: cfg.bqBatchMaxRows, maxWaitMs: cfg.bqBatchMaxWaitMs });
    deps = { writeDeadletter: writer.write, payloadMaxBytes: cfg.deadLetterPayloadMaxBytes, now: () => new Date() };
  }
  return deps;
}

/**
 * A CloudEvent whose Pub/Sub envelope cannot be decoded: handlePubSubEvent
 * would only log it for this stage (dead-lettering it would loop), so it is
 * stored here directly, as a malformed-envelope row of what arrived.
 */
function undecodable(event: CloudEvent<unknown>): PubSubMessage | null {
  try {
    fromCloudEvent(event);
    return null;
  } catch (err) {
    if (!isPermanent(err)) throw err;
    let text = '';
    try {
      text = JSON.stringify(event.data) ?? '';
    } catch {
      // unserializable: keep an empty payload, the row still records the failure
    }
    return { data: Buffer.from(text, 'utf8'), attributes: {}, messageId: String(event.id ?? ''), publishTime: String(event.time ?? '') };
  }
}

functions.cloudEvent('sinkDeadletter', async (event: CloudEvent<unknown>) => {
  const broken = undecodable(event);
  if (broken) {
    await sinkDeadletterCore(broken, instanceDeps());
    return;
  }
  await handlePubSubEvent('sinkDeadletter', event, async (msg) => {
    await sinkDeadletterCore(msg, instanceDeps());
  });
});
