// Issue 6: nothing lost, nothing doubled, while the pipeline is hurt. The
// fault harness (tools/faults/harness.ts) runs its own stack, streams 10,000
// messages (invalid ones, exact duplicates, out-of-order, unknown and
// disabled devices) and meanwhile slows BigQuery, kills and restarts the
// BigQuery emulator (rows kept in its --data file), the Firestore emulator
// and sinkBigquery, and freezes sinkFirestore; three poison messages must
// end as max-delivery-attempts. The accounting table is printed. Lost and
// doubled are counted through the de-dup views (the Storage Write API's
// default stream is at-least-once); the raw tables' copies are measured too.
import assert from 'node:assert/strict';
import { totals } from '../../tools/faults/accounting.js';
import { runFaultHarness, type FaultHarnessResult } from '../../tools/faults/harness.js';
import { POISON_SUBSCRIPTION } from '../../tools/faults/poison.js';

const MESSAGES = 10_000;
const POISON = 3;

describe('e2e: faults while 10,000 messages flow (nothing lost, nothing doubled)', function () {
  this.timeout(600_000);
  let r: FaultHarnessResult;

  before(async function () {
    const t0 = Date.now();
    r = await runFaultHarness({
      messages: MESSAGES,
      poisonMessages: POISON,
      progress: (l) => process.stdout.write(`      ${new Date().toISOString().slice(11, 19)} ${l}\n`),
    });
    process.stdout.write(`${r.report.replace(/^/gm, '      ')}\n      whole run ${((Date.now() - t0) / 1000).toFixed(0)} s\n`);
  });

  after(function () {
    if (this.currentTest?.state === 'failed' && r) process.stdout.write(`${r.logTail(60)}\n`);
  });

  it('injected every fault while messages were published', function () {
    assert.deepEqual(r.faults.map((f) => f.name).sort(), ['freeze sinkFirestore', 'restart bigquery', 'restart firestore', 'restart sinkBigquery', 'slow bigquery']);
    for (const f of r.faults) assert.equal(f.error, undefined, `${f.name}: ${f.error}`);
    assert.ok(r.faults.every((f) => f.atMessage < MESSAGES), 'every fault started before the last message was published');
  });

  it('drains within the bound', function () {
    assert.ok(r.info.drained, 'pipeline did not drain');
  });

  it('loses nothing: every expected reading and event is in BigQuery', function () {
    assert.equal(r.accounting.readings.lost, 0, `lost readings, e.g. ${r.accounting.examples.lost.join(', ')}`);
    assert.equal(r.accounting.events.lost, 0);
    assert.equal(r.accounting.readings.unexpected + r.accounting.events.unexpected, 0);
  });

  it('doubles nothing through the de-dup views; the raw tables hold only copies of the same keys', function () {
    const t = totals(r.accounting);
    // Every copy counts, those that straddled the BigQuery restart included.
    assert.equal(t.acrossRestart, 0, 'copies across the BigQuery restart');
    assert.equal(t.doubled, 0, 'copies in the de-dup views');
    const raw = r.accounting.raw;
    assert.equal(raw.readings.distinct, r.accounting.readings.distinct, 'raw readings keys = view keys');
    assert.equal(raw.events.distinct, r.accounting.events.distinct, 'raw events keys = view keys');
    // What analysts query: the readings_dedup view's SQL returns one row per (event_id, metric).
    const v = r.accounting.readingsDedup;
    assert.ok(v, 'the readings_dedup query ran (a refused query fails the test)');
    assert.equal(v.rows, v.distinct);
    assert.equal(v.rows, r.accounting.readings.expected, 'one row per expected reading');
  });

  it('dead-letters every bad message with its expected reason, and only those', function () {
    const wrong = r.accounting.deadLetters.filter((d) => d.got !== d.expected);
    assert.deepEqual(wrong, []);
  });

  it('ends a message that fails on every delivery as max-delivery-attempts (and nothing else)', function () {
    assert.deepEqual(r.accounting.maxDeliveryByStage, { [POISON_SUBSCRIPTION]: POISON });
    assert.ok(r.info.poisonDeliveries >= POISON * 5, `only ${r.info.poisonDeliveries} deliveries`);
  });

  it('keeps deviceState at the newest value per device and field', function () {
    assert.deepEqual(r.accounting.firestore.problems.slice(0, 5), []);
    assert.ok(r.accounting.firestore.checked > 0, 'no field could be checked after the Firestore restart');
  });

  it('crashes no function process', function () {
    assert.deepEqual(r.processes.crashed, []);
  });
});
