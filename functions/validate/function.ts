// validate's adapter: device-events push -> validateMessage -> its events on
// events-valid, sharing one `{"events":[...]}` message with the events of
// concurrent requests on this instance (functions/lib/event-message.ts). The
// request is acked only once the message carrying its events is published;
// a failed publish is thrown, so Pub/Sub redelivers the device message
// (eventIds are stable, so events published again are duplicates the sinks
// absorb). Permanent failures go to events-deadletter, per device message,
// via handlePubSubEvent.
import * as functions from '@google-cloud/functions-framework';
import { config } from '../lib/config.js';
import { TOPICS } from '../lib/names.js';
import { configuredBatcher, type EventBatcher } from '../lib/event-message.js';
import type { ValidEvent } from '../lib/events.js';
import { handlePubSubEvent } from '../lib/handle-message.js';
import { fromGatewayTopic, validateGatewayMessage } from './gateway-path.js';
import { gatewayInstanceDeps, validateInstanceDeps } from './instance-deps.js';
import { validateMessage } from './validate-message.js';

let batcher: EventBatcher<ValidEvent> | undefined;

function validBatcher(): EventBatcher<ValidEvent> {
  batcher ??= configuredBatcher<ValidEvent>(config().topicValid);
  return batcher;
}

functions.cloudEvent('validate', (event: functions.CloudEvent<unknown>) =>
  handlePubSubEvent('validate', event, async (msg, ctx) => {
    // Which subscription delivered it decides the path (the topic is in the push URL): gateway-path.ts.
    const { events } = fromGatewayTopic(event.source, TOPICS.gatewayEvents)
      ? await validateGatewayMessage(msg, gatewayInstanceDeps())
      : await validateMessage(msg, validateInstanceDeps());
    if (events[0]) ctx.deviceId = events[0].deviceId;
    await validBatcher().publish(events);
    // Oversize is known from the encoded length: such a message is never decoded whole.
  }, undefined, { maxDataBytes: config().maxMessageBytes }),
);
