// Device authenticity: HMAC-SHA256 signatures with key rotation, the
// deviceKeys document parser, and per-instance replay protection.
import assert from 'node:assert/strict';
import { PermanentError } from '../../functions/lib/errors.js';
import { validateMessage } from '../../functions/validate/validate-message.js';
import { parseDeviceKeyDoc } from '../../functions/validate/device-keys.js';
import { ReplayGuard } from '../../functions/validate/replay-guard.js';
import { decodeSignature, hmacSha256, verifySignature, type DeviceKeyEntry } from '../../functions/validate/signature.js';
import { CURRENT_SECRET, EXPIRED_SECRET, SIGNED_DEVICE, msg, sign } from '../fixtures/device-messages/bad-inputs.js';
import { pubsubMessage, testDeps } from '../fixtures/device-messages/harness.js';

const NOW = new Date('2026-11-24T20:00:00Z');
const DATA = Buffer.from('{"deviceId":"signed-001","ts":"2026-11-24T19:59:30Z","readings":{"t":1}}');

function reasonOf(fn: () => void): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof PermanentError);
    return err.reason;
  }
  return 'accepted';
}

async function reasonOfAsync(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof PermanentError, String(err));
    return err.reason;
  }
  return 'accepted';
}

describe('signature: decoding', () => {
  const mac = hmacSha256(CURRENT_SECRET, DATA);
  const table: [string, string, boolean][] = [
    ['lowercase hex', mac.toString('hex'), true],
    ['uppercase hex', mac.toString('hex').toUpperCase(), true],
    ['base64', mac.toString('base64'), true],
    ['base64 without padding', mac.toString('base64').replace(/=+$/, ''), true],
    ['base64url', mac.toString('base64url'), true],
    ['hex, 31 bytes', mac.toString('hex').slice(2), false],
    ['hex, 33 bytes', mac.toString('hex') + '00', false],
    ['base64 of 16 bytes', mac.subarray(0, 16).toString('base64'), false],
    ['empty', '', false],
    ['text', 'hello world', false],
  ];
  for (const [name, text, ok] of table) {
    it(`${name} -> ${ok ? 'decoded' : 'refused'}`, () => {
      const got = decodeSignature(text);
      if (ok) assert.deepEqual(got, mac);
      else assert.equal(got, null);
    });
  }
});

describe('signature: verification with rotation', () => {
  const entry: DeviceKeyEntry = {
    requireSignature: true,
    keys: [
      { id: 'old', secret: EXPIRED_SECRET, notAfterMs: NOW.getTime() + 60_000 },
      { id: 'new', secret: CURRENT_SECRET, notAfterMs: null },
    ],
  };
  const table: [string, string | undefined, Date, string][] = [
    ['new key', sign(CURRENT_SECRET, DATA), NOW, 'accepted'],
    ['old key inside the overlap', sign(EXPIRED_SECRET, DATA), NOW, 'accepted'],
    ['old key at its notAfter', sign(EXPIRED_SECRET, DATA), new Date(NOW.getTime() + 60_000), 'accepted'],
    ['old key after its notAfter', sign(EXPIRED_SECRET, DATA), new Date(NOW.getTime() + 60_001), 'bad-signature'],
    ['new key, base64', sign(CURRENT_SECRET, DATA, 'base64'), NOW, 'accepted'],
    ['missing', undefined, NOW, 'missing-signature'],
    ['empty', '', NOW, 'missing-signature'],
    ['signature of other bytes', sign(CURRENT_SECRET, Buffer.concat([DATA, Buffer.from(' ')])), NOW, 'bad-signature'],
    ['unknown key', sign(Buffer.from('0123456789abcdef0123456789abcdef'), DATA), NOW, 'bad-signature'],
    ['garbage', 'zz', NOW, 'bad-signature'],
  ];
  for (const [name, sig, now, want] of table) {
    it(`${name} -> ${want}`, () => assert.equal(reasonOf(() => verifySignature(DATA, sig, entry, now)), want));
  }

  it('all keys expired -> bad-signature', () => {
    const expired: DeviceKeyEntry = { requireSignature: true, keys: [{ id: 'k', secret: CURRENT_SECRET, notAfterMs: NOW.getTime() - 1 }] };
    assert.equal(reasonOf(() => verifySignature(DATA, sign(CURRENT_SECRET, DATA), expired, NOW)), 'bad-signature');
  });
});

describe('signature: deviceKeys documents', () => {
  const secret = Buffer.alloc(32, 7).toString('base64');
  it('parses keys with optional notAfter as RFC 3339, epoch ms or a Timestamp', () => {
    const e = parseDeviceKeyDoc({
      requireSignature: true,
      keys: [
        { id: 'a', secret },
        { id: 'b', secret, notAfter: '2026-12-01T00:00:00Z' },
        { id: 'c', secret, notAfter: 1_800_000_000_000 },
        { id: 'd', secret, notAfter: { toMillis: () => 42 } },
      ],
    });
    assert.equal(e.requireSignature, true);
    assert.deepEqual(e.keys.map((k) => k.notAfterMs), [null, Date.parse('2026-12-01T00:00:00Z'), 1_800_000_000_000, 42]);
    assert.deepEqual(e.keys[0]?.secret, Buffer.alloc(32, 7));
  });

  it('keys imply requireSignature; requireSignature: false switches it off', () => {
    assert.equal(parseDeviceKeyDoc({ keys: [{ id: 'a', secret }] }).requireSignature, true);
    assert.equal(parseDeviceKeyDoc({ keys: [{ id: 'a', secret }], requireSignature: false }).requireSignature, false);
    assert.equal(parseDeviceKeyDoc({}).requireSignature, false);
  });

  const malformed: [string, Record<string, unknown>][] = [
    ['keys not an array', { keys: 'x' }],
    ['key without id', { keys: [{ secret }] }],
    ['secret not base64', { keys: [{ id: 'a', secret: 'not base64!' }] }],
    ['secret too short', { keys: [{ id: 'a', secret: Buffer.alloc(8).toString('base64') }] }],
    ['notAfter not a time', { keys: [{ id: 'a', secret, notAfter: 'soon' }] }],
    ['requireSignature not boolean', { keys: [{ id: 'a', secret }], requireSignature: 'yes' }],
    ['requireSignature without keys', { keys: [], requireSignature: true }],
  ];
  for (const [name, doc] of malformed) {
    it(`${name} -> malformed-device-record`, () => assert.equal(reasonOf(() => parseDeviceKeyDoc(doc)), 'malformed-device-record'));
  }
});

describe('signature: key lookup outcomes in validate', () => {
  it('a malformed keys document dead-letters as malformed-device-record with the deviceId; a lookup failure is transient', async () => {
    const data = JSON.stringify(msg({ deviceId: SIGNED_DEVICE }));
    const deps = testDeps();
    deps.lookupDeviceKey = async () => parseDeviceKeyDoc({ keys: 'nope' });
    await assert.rejects(validateMessage(pubsubMessage(data), deps), (err: unknown) => err instanceof PermanentError && err.reason === 'malformed-device-record' && err.deviceId === SIGNED_DEVICE);
    deps.lookupDeviceKey = async () => {
      throw new Error('UNAVAILABLE');
    };
    await assert.rejects(validateMessage(pubsubMessage(data), deps), (err: unknown) => err instanceof Error && !(err instanceof PermanentError));
  });
});

describe('signature: replay protection (per instance, best effort)', () => {
  function signed(seq: number): ReturnType<typeof pubsubMessage> {
    const data = Buffer.from(JSON.stringify(msg({ deviceId: SIGNED_DEVICE, seq })));
    return pubsubMessage(data, { signature: sign(CURRENT_SECRET, data) });
  }

  it('a seq more than replayWindow below the newest seen -> replayed-seq; inside the window -> accepted', async () => {
    const deps = testDeps();
    deps.replayGuard = new ReplayGuard(100, 10);
    assert.equal(await reasonOfAsync(validateMessage(signed(1000), deps)), 'accepted');
    assert.equal(await reasonOfAsync(validateMessage(signed(900), deps)), 'accepted');
    assert.equal(await reasonOfAsync(validateMessage(signed(899), deps)), 'replayed-seq');
    assert.equal(await reasonOfAsync(validateMessage(signed(5000), deps)), 'accepted');
    assert.equal(await reasonOfAsync(validateMessage(signed(1000), deps)), 'replayed-seq');
    assert.equal(deps.replayGuard.newestSeq(SIGNED_DEVICE), 5000);
  });

  function signedBoot(boot: string, seq: number): ReturnType<typeof pubsubMessage> {
    const data = Buffer.from(JSON.stringify({ ...msg({ deviceId: SIGNED_DEVICE, seq }), boot }));
    return pubsubMessage(data, { signature: sign(CURRENT_SECRET, data) });
  }

  it('a reboot (new boot id, seq from 0 again) starts a fresh window; a recent old boot still refuses its replays', async () => {
    const deps = testDeps();
    deps.replayGuard = new ReplayGuard(100, 10);
    assert.equal(await reasonOfAsync(validateMessage(signedBoot('b1', 5000), deps)), 'accepted');
    // Without a boot id this would be a replay of seq 1; in a new boot it is the device's first message.
    assert.equal(await reasonOfAsync(validateMessage(signedBoot('b2', 1), deps)), 'accepted');
    assert.equal(await reasonOfAsync(validateMessage(signedBoot('b2', 2), deps)), 'accepted');
    // Replaying a captured message of the earlier boot, far below its newest: refused.
    assert.equal(await reasonOfAsync(validateMessage(signedBoot('b1', 10), deps)), 'replayed-seq');
    assert.equal(deps.replayGuard.newestSeq(SIGNED_DEVICE, 'b1'), 5000);
    assert.equal(deps.replayGuard.newestSeq(SIGNED_DEVICE, 'b2'), 2);
    // And the eventIds of the two boots differ, so nothing downstream merges them.
    const { events } = await validateMessage(signedBoot('b3', 1), deps);
    assert.equal(events[0]?.eventId, `${SIGNED_DEVICE}@b3:1`);
  });

  it('unsigned devices and refused messages do not move the newest seq', async () => {
    const deps = testDeps();
    const guard = new ReplayGuard(0, 10);
    deps.replayGuard = guard;
    await validateMessage(pubsubMessage(JSON.stringify(msg({ seq: 50 }))), deps);
    assert.equal(guard.newestSeq('sensor-042'), undefined);
    const data = Buffer.from(JSON.stringify(msg({ deviceId: SIGNED_DEVICE, seq: 70 })));
    assert.equal(await reasonOfAsync(validateMessage(pubsubMessage(data, { signature: 'ab'.repeat(32) }), deps)), 'bad-signature');
    assert.equal(guard.newestSeq(SIGNED_DEVICE), undefined);
  });

  it('keeps at most maxDevices entries', () => {
    const g = new ReplayGuard(10, 2);
    g.record('a', [1]);
    g.record('b', [2]);
    g.record('c', [3]);
    assert.equal(g.newestSeq('a'), undefined);
    assert.equal(g.newestSeq('c'), 3);
  });
});
