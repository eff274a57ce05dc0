// sinkDeadletter: events-deadletter -> BigQuery telemetry.deadletter. Every
// message becomes a row (ours, Pub/Sub's max-delivery-attempts, or
// malformed-envelope); only a BigQuery outage is thrown (retried).
import * as functions from '@google-cloud/functions-framework';
import type { CloudEvent } from '@google-cloud/functions-framework';
import { config } from '../lib/config.js';
import { handlePubSubEvent } from '../lib/handle-message.js';
import { TABLES } from '../lib/names.js';
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

functions.cloudEvent('sinkDeadletter', (event: CloudEvent<unknown>) =>
  handlePubSubEvent('sinkDeadletter', event, async (msg) => {
    await sinkDeadletterCore(msg, instanceDeps());
  }),
);
