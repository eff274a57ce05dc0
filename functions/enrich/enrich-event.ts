// enrich's pure core: a ValidEvent plus its registry entry -> EnrichedEvent.
// Unknown and disabled devices are permanent (dead letter, replayable once the
// registry is fixed), never retried.
import { PermanentError } from '../lib/errors.js';
import type { EnrichedEvent, ValidEvent } from '../lib/events.js';
import type { MaybePromise } from '../lib/checked-document.js';
import type { DeviceRecord } from './device-record.js';

export interface EnrichDeps {
  /** The registry entry; null when the device is not registered. May throw malformed-device-record. Cache hits may answer synchronously. */
  getDevice(deviceId: string): MaybePromise<DeviceRecord | null>;
}

export async function enrichEvent(event: ValidEvent, deps: EnrichDeps): Promise<EnrichedEvent> {
  const ids = { deviceId: event.deviceId, eventId: event.eventId };
  let device: DeviceRecord | null;
  try {
    const found = deps.getDevice(event.deviceId);
    device = found instanceof Promise ? await found : found;
  } catch (err) {
    throw err instanceof PermanentError ? err.withIds(ids) : err;
  }
  return withDevice(event, device);
}

/** The synchronous part: the checks on the registry entry and the enriched event. */
export function withDevice(event: ValidEvent, device: DeviceRecord | null): EnrichedEvent {
  const ids = { deviceId: event.deviceId, eventId: event.eventId };
  if (!device) throw new PermanentError('unknown-device', 'no devices/{deviceId} registry entry').withIds(ids);
  if (!device.tenantId) throw new PermanentError('malformed-device-record', 'devices: no tenantId').withIds(ids);
  if (device.status === 'disabled') throw new PermanentError('disabled-device', 'device status is disabled').withIds(ids);

  // Only the units of metrics this event carries: the message stays small.
  const units: Record<string, string> = {};
  for (const metric of Object.keys(event.readings)) {
    const unit = Object.hasOwn(device.units, metric) ? device.units[metric] : undefined;
    if (unit !== undefined) units[metric] = unit;
  }
  return { ...event, tenantId: device.tenantId, site: device.site, model: device.model, units };
}
