// IoT Core's MQTT topics (gateway/mqtt-topics.ts), table-driven, and the
// per-connection rate limit.
import assert from 'node:assert/strict';
import { parsePublishTopic, parseSubscribeTopic, RateLimit } from '../../../gateway/mqtt-topics.js';

describe('unit: gateway MQTT topics', function () {
  const pub: [string, unknown][] = [
    ['/devices/d-1/events', { kind: 'events', deviceId: 'd-1', subFolder: null }],
    ['/devices/d-1/events/a/b', { kind: 'events', deviceId: 'd-1', subFolder: 'a/b' }],
    ['/devices/d.1+x/state', { kind: 'state', deviceId: 'd.1+x' }],
    ['/devices/c-1/attach', { kind: 'attach', deviceId: 'c-1' }],
    ['/devices/c-1/detach', { kind: 'detach', deviceId: 'c-1' }],
    ['/devices/d-1/state/x', null],
    ['/devices/d-1/config', null],
    ['/devices/d-1/commands', null],
    ['devices/d-1/events', null],
    ['/devices//events', null],
  ];
  for (const [topic, want] of pub) it(`publish ${topic}`, () => assert.deepEqual(parsePublishTopic(topic), want));

  const sub: [string, unknown][] = [
    ['/devices/d-1/config', { kind: 'config', deviceId: 'd-1' }],
    ['/devices/d-1/commands/#', { kind: 'commands', deviceId: 'd-1' }],
    ['/devices/d-1/commands', { kind: 'commands', deviceId: 'd-1' }],
    ['/devices/g-1/errors', { kind: 'errors', deviceId: 'g-1' }],
    ['/devices/+/config', { kind: 'config', deviceId: '+' }],
    ['/devices/d-1/#', null],
    ['#', null],
    ['/devices/d-1/commands/+', null],
  ];
  for (const [topic, want] of sub) it(`subscribe ${topic}`, () => assert.deepEqual(parseSubscribeTopic(topic), want));
  // A wildcard device id is parsed but matches no route (routes are keyed by real ids), so it is refused.

  it('rate limit: a burst of 100, then 100 per second', function () {
    const r = new RateLimit(100, 0);
    let n = 0;
    while (r.take(0)) n++;
    assert.equal(n, 100);
    assert.equal(r.take(5), false); // 0.5 token after 5 ms
    assert.equal(r.take(10), true); // 1 token after 10 ms
    // Idle for long: the bucket holds 100, not more.
    let burst = 0;
    while (r.take(10_000)) burst++;
    assert.equal(burst, 100);
    let steady = 0;
    for (let t = 10_001; t <= 11_000; t += 1) if (r.take(t)) steady++;
    assert.ok(steady >= 99 && steady <= 100, String(steady));
  });
});
