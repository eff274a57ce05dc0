// validate's adapter: device-events push -> validateMessage -> one message per
// event on events-valid (ordering key = deviceId when PUBLISH_ORDERING_KEYS). Permanent failures go to
// events-deadletter via handlePubSubEvent; publish failures are thrown, so
// Pub/Sub redelivers the device message (eventIds are stable, so the events
// a retry publishes again are duplicates the sinks absorb).
import * as functions from '@google-cloud/functions-framework';
import { config } from '../lib/config.js';
import { handlePubSubEvent } from '../lib/handle-message.js';
import { publishJson, publisher } from '../lib/pubsub-clients.js';
import { validateInstanceDeps } from './instance-deps.js';
import { validateMessage } from './validate-message.js';

functions.cloudEvent('validate', (event: functions.CloudEvent<unknown>) =>
  handlePubSubEvent('validate', event, async (msg, ctx) => {
    const d = validateInstanceDeps();
    const { events } = await validateMessage(msg, d);
    const ordering = config().publishOrderingKeys;
    const topic = publisher(config().topicValid, { ordering });
    // Published concurrently (with ordering on, the client keeps one key's messages in order).
    await Promise.all(
      events.map((ev) => {
        ctx.deviceId = ev.deviceId;
        return publishJson(topic, ev, {
          attributes: { eventId: ev.eventId, deviceId: ev.deviceId, schemaVersion: ev.schemaVersion },
          ...(ordering ? { orderingKey: ev.deviceId } : {}),
        });
      }),
    );
  }, undefined, { maxDataBytes: config().maxMessageBytes }),
);
