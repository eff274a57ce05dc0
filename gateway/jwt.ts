// Device JWTs as IoT Core checked them: RS256 or ES256, signed by one of the
// device's unexpired keys, aud = the project id, iat at most 10 minutes in
// the future (device clock skew), exp after now and at most 24 h after iat.
// jose checks the signature, the alg, aud and exp; the IoT Core-specific
// bounds on iat are checked here. Every failure is UNAUTHENTICATED with a
// message that says which rule failed (never the token itself).
import { decodeProtectedHeader, errors as joseErrors, jwtVerify } from 'jose';
import type { DeviceKey } from './credentials.js';
import { GatewayError } from './errors.js';
import { LIMITS } from './names.js';

export interface VerifiedToken {
  iat: number;
  /** Epoch seconds: the MQTT bridge closes the connection then. */
  exp: number;
}

const unauth = (msg: string, cause?: unknown): GatewayError => new GatewayError('UNAUTHENTICATED', msg, cause ? { cause } : undefined);

export async function verifyDeviceToken(token: string, keys: readonly DeviceKey[], opts: { projectId: string; nowMs: number }): Promise<VerifiedToken> {
  let alg: string | undefined;
  try {
    alg = decodeProtectedHeader(token).alg;
  } catch (err) {
    throw unauth('malformed JWT', err);
  }
  if (alg !== 'RS256' && alg !== 'ES256') throw unauth(`JWT alg must be RS256 or ES256, got ${JSON.stringify(alg ?? null)}`);
  const usable = keys.filter((k) => k.alg === alg && (k.notAfterMs === null || k.notAfterMs > opts.nowMs) && (k.notBeforeMs === null || k.notBeforeMs <= opts.nowMs));
  if (usable.length === 0) throw unauth(`the device has no unexpired ${alg} credential`);

  const currentDate = new Date(opts.nowMs);
  let lastClaimError: unknown;
  for (const k of usable) {
    try {
      const { payload } = await jwtVerify(token, k.key, { algorithms: [alg], audience: opts.projectId, requiredClaims: ['iat', 'exp'], currentDate });
      const iat = payload.iat as number;
      const exp = payload.exp as number;
      const now = opts.nowMs / 1000;
      if (iat > now + LIMITS.iatSkewSeconds) throw unauth(`JWT iat is more than ${LIMITS.iatSkewSeconds / 60} minutes in the future`);
      if (exp - iat > LIMITS.maxTokenLifetimeSeconds) throw unauth('JWT exp is more than 24 hours after iat');
      return { iat, exp };
    } catch (err) {
      if (err instanceof GatewayError) throw err;
      if (err instanceof joseErrors.JWSSignatureVerificationFailed) continue; // try the device's next key
      if (err instanceof joseErrors.JWTExpired) throw unauth('JWT has expired', err);
      if (err instanceof joseErrors.JWTClaimValidationFailed) {
        throw unauth(err.claim === 'aud' ? `JWT aud must be the project id ${opts.projectId}` : `JWT claim ${err.claim} is missing or invalid`, err);
      }
      lastClaimError = err;
    }
  }
  throw unauth(lastClaimError ? 'malformed JWT' : 'JWT signature does not match any of the device credentials', lastClaimError);
}
