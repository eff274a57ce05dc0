// The messages that flow between stages (not what devices send: that is
// schemas/device-message.v1.ts). Every field is already normalized by validate.

export type StateValue = string | number | boolean | null;

/** One event on events-valid (published by validate in `{"events":[...]}` batch messages: functions/lib/event-message.ts). */
export interface ValidEvent {
  /** deviceId:seq, or deviceId:h:<sha256 of the canonical event> without seq. */
  eventId: string;
  deviceId: string;
  seq: number | null;
  /** Canonical UTC RFC 3339 with microseconds, e.g. 2026-11-24T20:00:00.125000Z (sorts as text). */
  eventTime: string;
  /** metric name -> finite number. */
  readings: Record<string, number>;
  state: Record<string, StateValue>;
  schemaVersion: string;
  /** Pub/Sub publish time of the device message (canonical form as eventTime). */
  receivedAt: string;
}

/** Published by enrich to events-enriched. */
export interface EnrichedEvent extends ValidEvent {
  tenantId: string;
  site: string | null;
  model: string | null;
  /** metric name -> unit, from the registry (metrics without a unit are absent). */
  units: Record<string, string>;
}

/** Body of every message on events-deadletter published by our functions. */
export interface DeadLetterEnvelope {
  kind: 'iot.deadletter.v1';
  stage: 'validate' | 'enrich' | 'sinkBigquery' | 'sinkFirestore' | 'sinkDeadletter';
  reason: string;
  detail: string;
  deviceId: string | null;
  eventId: string | null;
  messageId: string | null;
  /** Canonical UTC time the failing stage received the message. */
  receivedAt: string;
  /** Attributes of the failing message, as received. */
  attributes: Record<string, string>;
  /** Raw bytes of the failing message, base64 (possibly truncated, see payloadSize). */
  payload: string;
  payloadSize: number;
  payloadSha256: string;
  payloadTruncated: boolean;
}
