// Device JWT checks (gateway/jwt.ts) and credential parsing
// (gateway/credentials.ts), table-driven: each case a token and whether IoT
// Core's rules accept it, with the rule a refusal must name.
import assert from 'node:assert/strict';
import { SignJWT } from 'jose';
import { checkCredentials, importCredentials, type DeviceKey } from '../../../gateway/credentials.js';
import { GatewayError } from '../../../gateway/errors.js';
import { verifyDeviceToken } from '../../../gateway/jwt.js';
import { credential, deviceToken, ecKey, rsaKey, selfSignedCert, type TestKey } from '../../support/device-keys.js';

const PROJECT = 'demo-gateway';
const NOW = 1_800_000_000_000; // a fixed clock: 2027-01-15
const S = NOW / 1000;

describe('unit: gateway device JWTs', function () {
  this.timeout(20_000);
  let ec: TestKey, rsa: TestKey, other: TestKey;
  let keys: DeviceKey[];

  before(async function () {
    ec = ecKey();
    rsa = rsaKey();
    other = ecKey();
    keys = await importCredentials([credential(ec), credential(rsa)]);
  });

  const verify = (t: string, k: DeviceKey[] = keys) => verifyDeviceToken(t, k, { projectId: PROJECT, nowMs: NOW });

  const rejects = async (t: string, pattern: RegExp, k?: DeviceKey[]) => {
    await assert.rejects(verify(t, k), (e: unknown) => e instanceof GatewayError && e.status === 'UNAUTHENTICATED' && pattern.test(e.message));
  };

  it('accepts ES256 and RS256 tokens signed by a device key, and returns exp', async function () {
    assert.deepEqual(await verify(await deviceToken(ec, PROJECT, { iat: S, exp: S + 600 })), { iat: S, exp: S + 600 });
    assert.equal((await verify(await deviceToken(rsa, PROJECT, { iat: S - 60, exp: S + 3600 }))).exp, S + 3600);
  });

  it('accepts iat up to 10 minutes ahead (device clock skew) and a 24 h lifetime', async function () {
    await verify(await deviceToken(ec, PROJECT, { iat: S + 599, exp: S + 599 + 86400 }));
  });

  it('accepts aud as a list containing the project id', async function () {
    await verify(await deviceToken(ec, PROJECT, { iat: S, aud: ['other', PROJECT] }));
  });

  const cases: { name: string; token: () => Promise<string>; error: RegExp }[] = [
    { name: 'expired', token: () => deviceToken(ec, PROJECT, { iat: S - 7200, exp: S - 1 }), error: /expired/ },
    { name: 'wrong audience', token: () => deviceToken(ec, 'demo-other', { iat: S }), error: /aud must be the project id/ },
    { name: 'no aud', token: () => deviceToken(ec, PROJECT, { iat: S, omit: ['aud'] }), error: /aud/ },
    { name: 'no exp', token: () => deviceToken(ec, PROJECT, { iat: S, omit: ['exp'] }), error: /exp/ },
    { name: 'no iat', token: () => deviceToken(ec, PROJECT, { iat: S, omit: ['iat'] }), error: /iat/ },
    { name: 'iat 11 minutes ahead', token: () => deviceToken(ec, PROJECT, { iat: S + 660, exp: S + 3600 }), error: /iat is more than 10 minutes in the future/ },
    { name: 'lifetime over 24 h', token: () => deviceToken(ec, PROJECT, { iat: S, exp: S + 86401 }), error: /more than 24 hours after iat/ },
    { name: 'signed by another key', token: () => deviceToken(other, PROJECT, { iat: S }), error: /signature does not match/ },
    { name: 'HS256', token: () => new SignJWT({ iat: S, exp: S + 60, aud: PROJECT }).setProtectedHeader({ alg: 'HS256' }).sign(Buffer.alloc(32, 1)), error: /alg must be RS256 or ES256/ },
    { name: 'alg none', token: async () => `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify({ iat: S, exp: S + 60, aud: PROJECT })).toString('base64url')}.`, error: /alg must be RS256 or ES256/ },
    { name: 'not a JWT', token: async () => 'hello', error: /malformed JWT/ },
    { name: 'tampered payload', token: async () => { const [h, , s] = (await deviceToken(ec, PROJECT, { iat: S })).split('.'); return `${h}.${Buffer.from(JSON.stringify({ iat: S, exp: S + 99999, aud: PROJECT })).toString('base64url')}.${s}`; }, error: /signature does not match/ },
  ];
  for (const c of cases) {
    it(`refuses a token: ${c.name}`, async function () {
      await rejects(await c.token(), c.error);
    });
  }

  it('refuses a token whose only matching credential has expired, and takes it before', async function () {
    const k = await importCredentials([credential(ec, { expirationTime: new Date(NOW - 1000).toISOString() })]);
    await rejects(await deviceToken(ec, PROJECT, { iat: S }), /no unexpired ES256 credential/, k);
    const fresh = await importCredentials([credential(ec, { expirationTime: new Date(NOW + 1000).toISOString() })]);
    await verifyDeviceToken(await deviceToken(ec, PROJECT, { iat: S }), fresh, { projectId: PROJECT, nowMs: NOW });
  });

  it('takes X.509 certificates (ES256 and RS256) and expires the key with the certificate', async function () {
    const k = await importCredentials([credential(ec, { x509: selfSignedCert(ec, 2) }), credential(rsa, { x509: selfSignedCert(rsa, 2) })]);
    const now = Date.now();
    for (const key of [ec, rsa]) await verifyDeviceToken(await deviceToken(key, PROJECT), k, { projectId: PROJECT, nowMs: now });
    assert.ok(k.every((x) => x.notAfterMs !== null && x.notAfterMs > now + 86_400_000 && x.notAfterMs < now + 3 * 86_400_000));
    const later = now + 3 * 86_400_000;
    await assert.rejects(verifyDeviceToken(await deviceToken(ec, PROJECT, { iat: later / 1000 }), k, { projectId: PROJECT, nowMs: later }), /no unexpired ES256 credential/);
  });

  it('refuses credential lists over 3, unknown formats, and keys that do not match their format', async function () {
    assert.throws(() => checkCredentials([credential(ec), credential(ec), credential(ec), credential(ec)]), /at most 3 credentials/);
    assert.throws(() => checkCredentials([{ publicKey: { format: 'DSA_PEM', key: ec.publicPem } }]), /format must be one of/);
    assert.throws(() => checkCredentials([{ publicKey: { format: 'ES256_PEM', key: 'abc' } }]), /must be PEM text/);
    await assert.rejects(importCredentials([{ publicKey: { format: 'ES256_PEM', key: rsa.publicPem }, expirationTime: null }]), /not a valid ES256_PEM key for ES256/);
    assert.deepEqual(checkCredentials([{ public_key: { format: 'RSA_PEM', key: rsa.publicPem }, expiration_time: '2030-01-01T00:00:00Z' }])[0]?.expirationTime, '2030-01-01T00:00:00Z');
  });
});
