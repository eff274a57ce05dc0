// Device payloads to Pub/Sub, unchanged, with the attributes IoT Core put on
// every telemetry message (deviceId, deviceNumId, deviceRegistryId,
// deviceRegistryLocation, projectId, subFolder when there is one), plus
// gatewayReceiveTime: the pipeline's event time when the payload has none,
// stamped once so a publish retry of the same message yields the same eventId.
import type { PubSub, Topic } from '@google-cloud/pubsub';
import { GatewayError } from './errors.js';
import type { DeviceRecord, RegistryRecord } from './registry.js';

export interface EventAttributes {
  [k: string]: string;
  deviceId: string;
  deviceNumId: string;
  deviceRegistryId: string;
  deviceRegistryLocation: string;
  projectId: string;
  gatewayReceiveTime: string;
}

export function eventAttributes(projectId: string, reg: RegistryRecord, dev: DeviceRecord, subFolder: string | null, receivedAt: Date): EventAttributes {
  return {
    deviceId: dev.deviceId,
    deviceNumId: dev.numId,
    deviceRegistryId: reg.registryId,
    deviceRegistryLocation: reg.location,
    projectId,
    ...(subFolder ? { subFolder } : {}),
    gatewayReceiveTime: receivedAt.toISOString(),
  };
}

export class EventPublisher {
  private readonly topics = new Map<string, Topic>();

  constructor(
    private readonly pubsub: PubSub,
    private readonly defaultTopic: string,
    /** How long a message may wait to share a publish request; the device's PUBACK waits for it. */
    private readonly batchMs = 5,
  ) {}

  private topic(name: string): Topic {
    let t = this.topics.get(name);
    if (!t) {
      t = this.pubsub.topic(name, { batching: { maxMessages: 500, maxMilliseconds: this.batchMs } });
      this.topics.set(name, t);
    }
    return t;
  }

  /** Resolves once Pub/Sub has stored the message; a failure is UNAVAILABLE (the device retries). */
  async publish(topicName: string | null, data: Buffer, attributes: Record<string, string>): Promise<string> {
    try {
      return await this.topic(topicName ?? this.defaultTopic).publishMessage({ data, attributes });
    } catch (err) {
      throw new GatewayError('UNAVAILABLE', 'the event could not be forwarded; retry', { cause: err });
    }
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.topics.values()].map((t) => t.flush()));
    this.topics.clear();
  }
}
