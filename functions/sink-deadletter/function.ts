// sinkDeadletter: events-deadletter -> BigQuery telemetry.deadletter. Every
// message becomes a row (ours, Pub/Sub's max-delivery-attempts, or
// malformed-envelope); only a BigQuery outage is thrown (retried).
import * as functions from '@google-cloud/functions-framework';
import type { CloudEvent } from '@google-cloud/functions-framework';
import { config } from '../lib/config.js';
import { handlePubSubEvent } from '../lib/handle-message.js';
import { TABLES } from '../lib/names.js';
import type { PubSubMessage } from '../lib/pubsub-message.js';
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

// A permanent failure here (a CloudEvent whose Pub/Sub envelope cannot be
// decoded) is stored as a row of what arrived, not published back to
// events-deadletter, which would loop through this function.
functions.cloudEvent('sinkDeadletter', (event: CloudEvent<unknown>) =>
  handlePubSubEvent('sinkDeadletter', event, (msg) => store(msg), undefined, { onPermanent: (_err, msg) => store(msg) }),
);

async function store(msg: PubSubMessage): Promise<void> {
  await sinkDeadletterCore(msg, instanceDeps());
}
