// The one place that decides what is retried. A PermanentError can never
// succeed on redelivery (bad bytes, schema, unknown device...): it goes to the
// dead-letter topic and the message is acked. Anything else is transient and
// is thrown so Pub/Sub redelivers with backoff.

/** Named reasons, stored in telemetry.deadletter.reason. Stable: analysts filter on them. */
export const REASONS = [
  'not-utf8',
  'not-json',
  'not-object',
  'schema-violation',
  'oversize',
  'too-deep',
  'too-many-events',
  'too-many-metrics',
  'empty-batch',
  'invalid-device-id',
  'invalid-timestamp',
  'clock-skew-future',
  'clock-skew-past',
  'non-finite-number',
  'forbidden-key',
  'bad-attributes',
  'unsupported-schema-version',
  'batch-device-mismatch',
  'unknown-device',
  'disabled-device',
  'missing-signature',
  'bad-signature',
  'replayed-seq',
  'publisher-mismatch',
  'malformed-envelope',
  'max-delivery-attempts',
  'bigquery-row-invalid',
  'too-many-state-keys',
  'key-too-long',
  'string-too-long',
  'malformed-device-record',
] as const;

export type Reason = (typeof REASONS)[number];

export class PermanentError extends Error {
  override readonly name = 'PermanentError';
  constructor(
    readonly reason: Reason,
    /** Short, safe detail (a schema path, a limit): never the user's data. */
    readonly detail: string = '',
  ) {
    super(detail ? `${reason}: ${detail}` : reason);
  }

  /** Ids known where the error was raised, for the dead letter and its log line. */
  deviceId?: string;
  eventId?: string;

  /** Attaches the ids known so far (chainable: `throw new PermanentError(...).withIds({deviceId})`). */
  withIds(ids: { deviceId?: string | null; eventId?: string | null }): this {
    if (ids.deviceId) this.deviceId = ids.deviceId;
    if (ids.eventId) this.eventId = ids.eventId;
    return this;
  }
}

export function isPermanent(err: unknown): err is PermanentError {
  return err instanceof PermanentError;
}

/** Thrown by adapters for failures that should be retried (sink down, 429/5xx, timeouts). */
export class TransientError extends Error {
  override readonly name = 'TransientError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
