// IoT Core's MQTT topics, parsed once per packet. A device publishes to
//   /devices/{id}/events[/subfolder...]   telemetry
//   /devices/{id}/state                   state
//   /devices/{id}/attach | /detach        gateways, for a bound device
// and subscribes to
//   /devices/{id}/config                  config (QoS 1: re-sent until PUBACK)
//   /devices/{id}/commands/#              commands
//   /devices/{gateway}/errors             gateways: attach and delegated errors
// where {id} is itself or, for a gateway, a device attached through it.
export type PublishTopic =
  | { kind: 'events'; deviceId: string; subFolder: string | null }
  | { kind: 'state'; deviceId: string }
  | { kind: 'attach'; deviceId: string }
  | { kind: 'detach'; deviceId: string };

export type SubscribeTopic = { kind: 'config'; deviceId: string } | { kind: 'commands'; deviceId: string } | { kind: 'errors'; deviceId: string };

const PUB = /^\/devices\/([^/]+)\/(events|state|attach|detach)(?:\/(.+))?$/;
const SUB = /^\/devices\/([^/]+)\/(config|commands\/#|commands|errors)$/;

export function parsePublishTopic(topic: string): PublishTopic | null {
  const m = PUB.exec(topic);
  if (!m) return null;
  const [, deviceId, kind, rest] = m as unknown as [string, string, PublishTopic['kind'], string | undefined];
  if (kind === 'events') return { kind, deviceId, subFolder: rest ?? null };
  if (rest !== undefined) return null;
  return { kind, deviceId };
}

export function parseSubscribeTopic(topic: string): SubscribeTopic | null {
  const m = SUB.exec(topic);
  if (!m) return null;
  const kind = m[2]!.startsWith('commands') ? 'commands' : (m[2] as 'config' | 'errors');
  return { kind, deviceId: m[1]! };
}

export const configTopic = (deviceId: string): string => `/devices/${deviceId}/config`;
export const commandTopic = (deviceId: string, subFolder: string | null): string => `/devices/${deviceId}/commands${subFolder ? `/${subFolder}` : ''}`;
export const errorsTopic = (gatewayId: string): string => `/devices/${gatewayId}/errors`;

/** A token bucket: `rate` per second, bursts up to `rate`. */
export class RateLimit {
  private tokens: number;
  private last: number;
  constructor(
    private readonly rate: number,
    now: number,
  ) {
    this.tokens = rate;
    this.last = now;
  }

  take(now: number): boolean {
    this.tokens = Math.min(this.rate, this.tokens + ((now - this.last) / 1000) * this.rate);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
