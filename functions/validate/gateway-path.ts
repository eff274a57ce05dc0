// validate's trusted path: device events the gateway (gateway/) published to
// its own topic, which only the gateway's service account may publish to
// (infra/). The gateway authenticated the device with its JWT, so its
// deviceId attribute is the device's identity: no HMAC signature, no deviceId
// or ts needed in the body (ts defaults to the gateway's receive time). The
// registry's payload mapping (gateway-mapping.ts) turns the payload into our
// event model, which then gets every check of the ordinary path
// (validateMessage). Only the subscription decides the path, never the
// message: the push URL names the topic, and a device can publish only to
// device-events, where attributes earn no trust.
import { PermanentError } from '../lib/errors.js';
import type { MaybePromise } from '../lib/checked-document.js';
import type { PubSubMessage } from '../lib/pubsub-message.js';
import { parseRfc3339 } from '../lib/canonical-time.js';
import { DEVICE_ID_PATTERN } from '../../schemas/device-message.v1.js';
import { mapPayload, type PayloadMapping } from './gateway-mapping.js';
import { validateMessage, type ValidateDeps, type ValidateResult } from './validate-message.js';

const DEVICE_ID = new RegExp(DEVICE_ID_PATTERN);
const REGISTRY_ID = /^[a-zA-Z][-a-zA-Z0-9._+~%]{2,254}$/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** True when a CloudEvent's source is the gateway's topic (//pubsub.googleapis.com/projects/p/topics/t). */
export function fromGatewayTopic(source: string | undefined, gatewayTopic: string): boolean {
  return typeof source === 'string' && source.endsWith(`/topics/${gatewayTopic}`);
}

export interface GatewayDeps extends ValidateDeps {
  /** The registry's mapping (cached); null: no such registry. */
  lookupMapping(registryId: string): MaybePromise<PayloadMapping | null>;
}

export async function validateGatewayMessage(msg: PubSubMessage, deps: GatewayDeps): Promise<ValidateResult> {
  const deviceId = msg.attributes.deviceId;
  const registryId = msg.attributes.deviceRegistryId;
  if (!deviceId || !DEVICE_ID.test(deviceId)) throw new PermanentError('bad-attributes', 'gateway message without a valid deviceId attribute');
  if (!registryId || !REGISTRY_ID.test(registryId)) throw new PermanentError('bad-attributes', 'gateway message without a valid deviceRegistryId attribute').withIds({ deviceId });
  if (msg.data.length > deps.config.maxMessageBytes) throw new PermanentError('oversize', `${msg.data.length} bytes > ${deps.config.maxMessageBytes}`).withIds({ deviceId });

  const found = deps.lookupMapping(registryId);
  const mapping = found instanceof Promise ? await found : found;
  if (!mapping) throw new PermanentError('unknown-device', `registry ${registryId} not found`).withIds({ deviceId });

  let text: string;
  try {
    text = utf8.decode(msg.data);
  } catch {
    throw new PermanentError('not-utf8', 'body is not valid UTF-8').withIds({ deviceId });
  }
  let body: unknown;
  try {
    body = mapPayload(mapping, text);
  } catch (err) {
    throw err instanceof PermanentError ? err.withIds({ deviceId }) : err;
  }
  // Receive time: the gateway's stamp (the same on a publish retry, so the eventId is too), else Pub/Sub's.
  const receivedAt = parseRfc3339(msg.attributes.gatewayReceiveTime ?? '')?.canonical ?? msg.publishTime;
  const filled = fill(body, deviceId, receivedAt);
  // Every check of the ordinary path on the filled-in body; the dead letter
  // keeps the device's own bytes (handlePubSubEvent dead-letters `msg`).
  const { lookupDeviceKey: _signatures, replayGuard: _replay, ...checks } = deps;
  return validateMessage({ ...msg, data: Buffer.from(JSON.stringify(filled), 'utf8') }, checks);
}

/** deviceId from the gateway and ts from the receive time, where the body has none; anything else is left to the schema. */
function fill(body: unknown, deviceId: string, receivedAt: string): unknown {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return body;
  const o = { ...(body as Record<string, unknown>) };
  if (o.deviceId === undefined) o.deviceId = deviceId;
  if (Array.isArray(o.events)) {
    o.events = o.events.map((e: unknown) => (e !== null && typeof e === 'object' && !Array.isArray(e) && (e as { ts?: unknown }).ts === undefined ? { ...e, ts: receivedAt } : e));
  } else if (o.ts === undefined) {
    o.ts = receivedAt;
  }
  return o;
}
