// sinkBigquery: events-enriched -> BigQuery telemetry.readings + telemetry.events.
import * as functions from '@google-cloud/functions-framework';
import type { CloudEvent } from '@google-cloud/functions-framework';
import { config } from '../lib/config.js';
import { handlePubSubEvent } from '../lib/handle-message.js';
import { TABLES } from '../lib/names.js';
import { bigQueryRowSink } from '../sinks/bigquery-client.js';
import { tableWriter } from '../sinks/table-writer.js';
import { processEnrichedMessage, type SinkBigqueryDeps } from './sink.js';

let deps: SinkBigqueryDeps | undefined;

/** One group commit per table, shared by every concurrent delivery of this instance. */
function instanceDeps(): SinkBigqueryDeps {
  if (!deps) {
    const cfg = config();
    const opts = { maxRows: cfg.bqBatchMaxRows, maxWaitMs: cfg.bqBatchMaxWaitMs, earlyFlush: true };
    const readings = tableWriter(bigQueryRowSink(), TABLES.readings, opts);
    const events = tableWriter(bigQueryRowSink(), TABLES.events, opts);
    deps = { writeReadings: readings.write, writeEvents: events.write };
  }
  return deps;
}

functions.cloudEvent('sinkBigquery', (event: CloudEvent<unknown>) =>
  handlePubSubEvent('sinkBigquery', event, (msg, ctx) => processEnrichedMessage(msg, ctx, instanceDeps())),
);
