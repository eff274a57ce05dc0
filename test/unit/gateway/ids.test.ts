// IoT Core's id rules and device paths (gateway/ids.ts), and the HTTP
// bridge's URL routing (gateway/http-bridge.ts parseRoute).
import assert from 'node:assert/strict';
import { parseRoute } from '../../../gateway/http-bridge.js';
import { isIotId, parseDevicePath } from '../../../gateway/ids.js';

describe('unit: gateway ids and paths', function () {
  const valid = ['abc', 'Sensor-01', 'a.b_c+d~e%f', 'x'.repeat(255), 'dev%2Fnot-a-slash'];
  const invalid = ['ab', '1abc', '-abc', 'a b', 'a/b', 'a#b', 'x'.repeat(256), '', 'é-device', '__abc__'];
  for (const id of valid) it(`accepts device id ${JSON.stringify(id.slice(0, 24))}`, () => assert.equal(isIotId(id), true));
  for (const id of invalid) it(`refuses device id ${JSON.stringify(id.slice(0, 24))}`, () => assert.equal(isIotId(id), false));

  it('parses a client id / device path and refuses anything else', function () {
    assert.deepEqual(parseDevicePath('projects/demo-iot/locations/us-central1/registries/reg-1/devices/dev.1'), { projectId: 'demo-iot', location: 'us-central1', registryId: 'reg-1', deviceId: 'dev.1' });
    for (const p of ['projects/demo-iot/locations/us-central1/registries/reg-1/devices/', 'projects/demo-iot/registries/reg-1/devices/dev-1', 'projects/demo-iot/locations/us-central1/registries/reg-1/devices/dev-1/x', 'dev-1']) {
      assert.equal(parseDevicePath(p), null, p);
    }
  });

  it('routes the HTTP bridge methods, decoding %-escapes in ids', function () {
    const base = '/v1/projects/demo-iot/locations/us-central1/registries/reg-1/devices';
    assert.equal(parseRoute(`${base}/dev-1:publishEvent`)?.action, 'publishEvent');
    assert.equal(parseRoute(`${base}/dev-1:setState`)?.action, 'setState');
    assert.equal(parseRoute(`${base}/dev-1/config`)?.action, 'config');
    assert.equal(parseRoute(`${base}/dev%2525x:publishEvent`)?.path.deviceId, 'dev%25x');
    assert.equal(parseRoute(`${base}/dev-1:deleteDevice`), null);
    assert.equal(parseRoute(`${base}/dev%2F1:publishEvent`), null);
    assert.equal(parseRoute(`${base}/%E0%A4%A:publishEvent`), null);
  });
});
