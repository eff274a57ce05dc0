// Errors the bridges answer with, in Google's canonical codes: the HTTP bridge
// turns one into Google's error JSON ({"error": {code, message, status}}) and
// the MQTT bridge into a CONNACK return code or a closed connection, so the
// same decision (expired token, blocked device...) reads the same on both.
export const CANONICAL = {
  INVALID_ARGUMENT: 400,
  FAILED_PRECONDITION: 400,
  OUT_OF_RANGE: 400,
  UNAUTHENTICATED: 401,
  PERMISSION_DENIED: 403,
  NOT_FOUND: 404,
  ALREADY_EXISTS: 409,
  ABORTED: 409,
  RESOURCE_EXHAUSTED: 429,
  INTERNAL: 500,
  UNAVAILABLE: 503,
  DEADLINE_EXCEEDED: 504,
} as const;

export type CanonicalStatus = keyof typeof CANONICAL;

export class GatewayError extends Error {
  override readonly name = 'GatewayError';
  constructor(
    readonly status: CanonicalStatus,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  get httpCode(): number {
    return CANONICAL[this.status];
  }

  /** Google's error body, as googleapis return it. */
  toJson(): { error: { code: number; message: string; status: CanonicalStatus } } {
    return { error: { code: this.httpCode, message: this.message, status: this.status } };
  }
}

export const isGatewayError = (e: unknown): e is GatewayError => e instanceof GatewayError;
