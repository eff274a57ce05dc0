// The cost model on hand-worked examples: every expected figure below is
// computed in the comment beside it from the pricing pages' rules, not read
// back from the code.
import assert from 'node:assert/strict';
import { READINGS } from '../../schemas/bigquery-tables.js';
import { bigQueryRowBytes, billBusySpans, billedInsertBytes, billedOnePerRequest, billedRequestBytes, pubsubMessageBytes } from '../../bench/cost.js';
import { simulateInstance } from '../../bench/cost-sim.js';
import { dataflowTemplateCost, firestoreWritesPerEvent, pipelineCost, uniformDeploy, type PipelineConfig, type PipelineProfile } from '../../bench/cost-model.js';
import { defaultConfig } from '../../bench/cost-profile.js';
import { costTargets, devicesFor } from '../../bench/cost-report.js';
import { BILLING_RULES, BYTES, PRICES, SECONDS_PER_MONTH, costOf, monthlyCostOf } from '../../bench/prices.js';
import { FUNCTION_NAMES } from '../../functions/lib/names.js';
import { billedSeconds, meanLatencyMs, pubsubBytesPerMessage, requestsPerMessage } from '../../bench/delivery-measures.js';
import { bottleneck } from '../../bench/sections/capacity.js';

const close = (actual: number, expected: number, tolerance = 1e-9): void =>
  assert.ok(Math.abs(actual - expected) <= tolerance * Math.max(1, Math.abs(expected)), `${actual} != ${expected}`);

describe('cost: Cloud Run request-based billing of busy spans', () => {
  const g = 0.1;
  it('bills a lone short request as one 100 ms unit', () => {
    assert.deepEqual(billBusySpans([{ start: 0, end: 0.03 }], g), { busySeconds: 0.03, billedSeconds: 0.1, periods: 1 });
  });
  it('bills overlapping requests once, as one busy period rounded up', () => {
    // 0 .. 0.12 busy: 2 units
    const b = billBusySpans([{ start: 0.04, end: 0.12 }, { start: 0, end: 0.05 }], g);
    close(b.busySeconds, 0.12);
    close(b.billedSeconds, 0.2);
    assert.equal(b.periods, 1);
  });
  it('does not round an exact multiple up again (0.3 s is 3 units)', () => {
    close(billBusySpans([{ start: 1, end: 1.3 }], g).billedSeconds, 0.3);
  });
  it('bills separate requests separately, and touching ones together', () => {
    close(billBusySpans([{ start: 0, end: 0.01 }, { start: 0.5, end: 0.51 }], g).billedSeconds, 0.2);
    // 0 .. 0.25 in one period: 3 units, not 1 + 2
    close(billBusySpans([{ start: 0, end: 0.1 }, { start: 0.1, end: 0.25 }], g).billedSeconds, 0.3);
    assert.equal(billBusySpans([], g).billedSeconds, 0);
  });
  it('refuses a span that ends before it starts', () => {
    assert.throws(() => billBusySpans([{ start: 1, end: 0.5 }], g), RangeError);
  });
});

describe('cost: Pub/Sub and BigQuery minimums', () => {
  it('bills at least 1,000 bytes per Pub/Sub request, whatever it carries', () => {
    assert.equal(billedRequestBytes([10], BILLING_RULES), 1000);
    assert.equal(billedRequestBytes([400, 400, 400], BILLING_RULES), 1200);
    assert.equal(billedOnePerRequest([10, 999, 1000, 2500], BILLING_RULES), 1000 + 1000 + 1000 + 2500);
  });
  it('counts a message as data + attribute keys and values + timestamp and id', () => {
    // 100 + (13 + 1) + (8 + 3: "dé" is 3 bytes) + 36
    assert.equal(pubsubMessageBytes(100, { schemaVersion: '1', deviceId: 'dé' }, BILLING_RULES), 100 + 14 + 11 + 36);
  });
  it('bills insertAll rows at 1 KB at least', () => {
    assert.equal(billedInsertBytes([1, 1500], BILLING_RULES), 1024 + 1500);
  });
  it('sizes a readings row by BigQuery data type rules (NULL is free)', () => {
    const row = { event_id: 'd:1', tenant_id: 'acme', device_id: 'd', metric: 'temperature', value: 21.5, unit: null, event_time: 't', ingest_time: 't', site: null, model: 'th-200', seq: 1 };
    // strings: 2+3, 2+4, 2+1, 2+11, 2+6; numbers/timestamps: 4 * 8; nulls: 0
    assert.equal(bigQueryRowBytes(row, READINGS), 5 + 6 + 3 + 13 + 8 + 32);
  });
});

describe('cost: the price table', () => {
  it('has a unit, a source page and a date for every price, and a TiB costs its list price', () => {
    assert.equal(costOf(PRICES.pubsubThroughput, BYTES.TIB), 40);
    for (const [name, p] of Object.entries(PRICES)) {
      assert.ok(p.usd > 0 && p.per > 0 && p.unit && p.takenOn, `incomplete price: ${name}`);
      assert.match(p.source, /^https:\/\/cloud\.google\.com\//, name);
    }
  });
  it('takes the free tier off a month once', () => {
    // 3M requests, 2M free: 1M billed at $0.40
    close(monthlyCostOf(PRICES.cloudRunRequests, 3e6, true), 0.4);
    close(monthlyCostOf(PRICES.cloudRunRequests, 3e6, false), 1.2);
    assert.equal(monthlyCostOf(PRICES.cloudRunRequests, 1e6, true), 0);
  });
});

describe('cost: one instance simulated with the batching rule', () => {
  it('flushes every request at once at a low rate with early flush (held for CPU + one publish)', () => {
    const r = simulateInstance({ requestsPerS: 1, itemsPerRequest: 1, cpuPerRequestS: 0.002, requests: 500, policy: { kind: 'batch', windowS: 0.1, maxItems: 500, earlyFlush: true, flushLatencyS: 0.02 } });
    // a few arrive within 22 ms of the one before and share its window
    assert.ok(r.flushes >= 490, `flushes ${r.flushes}`);
    close(r.meanHoldS, 0.022, 0.1);
    // Requests 1 s apart on average: nearly every one is its own busy period of 22 ms, billed 100 ms.
    const bill = billBusySpans(r.spans, 0.1);
    assert.ok(bill.periods > 480, `periods ${bill.periods}`);
    close(bill.billedSeconds / r.flushes, 0.1, 0.03);
  });
  it('without early flush, every request waits out the window', () => {
    const r = simulateInstance({ requestsPerS: 1, itemsPerRequest: 1, cpuPerRequestS: 0, requests: 300, policy: { kind: 'batch', windowS: 0.1, maxItems: 500, earlyFlush: false, flushLatencyS: 0.02 } });
    close(r.meanHoldS, 0.12, 0.05);
  });
  it('at a high rate shares one flush among the window\'s requests', () => {
    // 1,000 req/s, 100 ms window: about 100 requests per flush (the window opens at the first of them).
    const r = simulateInstance({ requestsPerS: 1000, itemsPerRequest: 1, cpuPerRequestS: 0, requests: 20_000, policy: { kind: 'batch', windowS: 0.1, maxItems: 500, earlyFlush: true, flushLatencyS: 0.02 } });
    const perFlush = r.items / r.flushes;
    assert.ok(perFlush > 90 && perFlush < 110, `per flush ${perFlush}`);
    // Always busy: billed time is the elapsed time.
    close(billBusySpans(r.spans, 0.1).billedSeconds / r.durationS, 1, 0.02);
  });
  it('caps a flush at maxItems, and splits a request bigger than that', () => {
    const r = simulateInstance({ requestsPerS: 1000, itemsPerRequest: 10, cpuPerRequestS: 0, requests: 10_000, policy: { kind: 'batch', windowS: 1, maxItems: 50, earlyFlush: false, flushLatencyS: 0 } });
    close(r.items / r.flushes, 50, 1e-9);
    const big = simulateInstance({ requestsPerS: 10, itemsPerRequest: 3, cpuPerRequestS: 0, requests: 100, policy: { kind: 'batch', windowS: 0, maxItems: 1, earlyFlush: false, flushLatencyS: 0 } });
    close(big.flushes, 300, 1e-9);
  });
});

describe('cost: the pipeline, priced', () => {
  // Round numbers so that the hand-worked figures stay readable.
  const profile: PipelineProfile = {
    eventsPerMessage: 1,
    rowsPerEvent: 5,
    deviceMessageBytes: 300,
    validEventBytes: 250,
    enrichedEventBytes: 350,
    batchMessageOverheadBytes: 50,
    rowBytes: 100,
    cpu: Object.fromEntries(FUNCTION_NAMES.map((fn) => [fn, { perRequestS: 0.001, perEventS: 0 }])) as PipelineProfile['cpu'],
    latencyS: { publish: 0.02, bigqueryWrite: 0.02, firestoreCommit: 0.02 },
    firestoreReadsPerWrite: 1,
    source: 'test',
  };
  const month = SECONDS_PER_MONTH;

  it('at 1 msg/s: four requests per message, seven 1,000-byte Pub/Sub minimums, each request billed 100 ms', () => {
    const c = pipelineCost(profile, defaultConfig({ bigqueryWrite: 'insertAll' }), { ratePerS: 1, devices: 10, freeTier: false }, PRICES, BILLING_RULES);
    close(c.requestsPerMessage, 4, 0.02);
    // device publish, push validate, publish valid, push enrich, publish enriched, push to each sink
    close(c.pubsubBytesPerMessage, 7000, 0.02);
    const validateCpu = c.items.find((i) => i.service.startsWith('Cloud Run validate') && i.unit === 'vCPU-second')!;
    // 1 request/s x 0.1 s billed x 1 vCPU x 2,592,000 s = 259,200 vCPU-s, plus a little: the
    // 9.5% of requests that come within 100 ms of the one before (1 - e^-0.1) wait in a window.
    assert.ok(validateCpu.quantity >= 0.1 * month && validateCpu.quantity <= 0.1 * month * 1.1, `${validateCpu.quantity}`);
    const requests = c.items.filter((i) => i.unit === 'request').reduce((s, i) => s + i.usdPerMonth, 0);
    // about 4 x 2,592,000 requests at $0.40 per million
    close(requests, (4 * month * 0.4) / 1e6, 0.02);
    // insertAll: 5 rows x 1,024 bytes a message, $0.01 per 200 MiB
    const bq = c.items.find((i) => i.service === 'BigQuery')!;
    close(bq.usdPerMonth, (month * 5 * 1024 * 0.01) / (200 * 1024 ** 2), 1e-9);
    // Storage Write API: the 100 bytes of each row as written, $0.025 per GiB (no free tier here)
    const sw = pipelineCost(profile, defaultConfig(), { ratePerS: 1, devices: 10, freeTier: false }, PRICES, BILLING_RULES).items.find((i) => i.service === 'BigQuery')!;
    close(sw.usdPerMonth, (month * 5 * 100 * 0.025) / 1024 ** 3, 1e-9);
  });

  it('instance-based: the whole month of every instance, no request fee', () => {
    const config: PipelineConfig = { ...defaultConfig(), deploy: uniformDeploy({ vcpu: 1, memoryGiB: 0.5, concurrency: 80, minInstances: 0, billing: 'instance' }) };
    const c = pipelineCost(profile, config, { ratePerS: 10, devices: 10, freeTier: false }, PRICES, BILLING_RULES);
    const validate = c.items.filter((i) => i.service.startsWith('Cloud Run validate'));
    // 1 instance x 1 vCPU x 2,592,000 s x $0.000018 = $46.656; memory 0.5 GiB x 2,592,000 x $0.000002 = $2.592
    close(validate.find((i) => i.unit === 'vCPU-second')!.usdPerMonth, 46.656);
    close(validate.find((i) => i.unit === 'GiB-second')!.usdPerMonth, 2.592);
    assert.equal(c.items.filter((i) => i.unit === 'request').length, 0);
  });

  it('uses a free tier once across the functions', () => {
    const c = pipelineCost(profile, defaultConfig(), { ratePerS: 1, devices: 10, freeTier: true }, PRICES, BILLING_RULES);
    const req = c.items.filter((i) => i.unit === 'request');
    const total = req.reduce((s, i) => s + i.quantity, 0);
    close(req.reduce((s, i) => s + i.usdPerMonth, 0), ((total - 2e6) * 0.4) / 1e6, 1e-9);
  });

  it('coalesces Firestore writes by per-device rate and window', () => {
    // 10 events/s per device, 1.25 s window: one write per 1 + 12.5 events
    close(firestoreWritesPerEvent(10, 1.25, 1), 1 / 13.5);
    // a device every 10 s: almost every event is its own write
    close(firestoreWritesPerEvent(0.1, 1.25, 1), 1 / 1.125);
    // spread over 4 instances, each sees a quarter of the device's events
    close(firestoreWritesPerEvent(10, 1.25, 4), 1 / (1 + 2.5 * 1.25));
  });

  it('prices the Dataflow template at one always-on n1-standard-2 at a low rate', () => {
    const c = dataflowTemplateCost(profile, { ratePerS: 1, devices: 1, freeTier: false }, PRICES, BILLING_RULES);
    const item = (name: string): number => c.items.find((i) => i.item.startsWith(name))!.usdPerMonth;
    // 2 vCPU x 720 h x $0.069 = $99.36; 7.5 GB x 720 h x $0.003557 = $19.2078; 30 GB x 720 h x $0.000054 = $1.1664
    close(item('worker vCPU'), 99.36);
    close(item('worker memory'), 19.2078);
    close(item('worker disk'), 1.1664);
  });

  it('reports the three targets with pass matching the value', () => {
    const ts = costTargets(profile, true);
    assert.equal(ts.length, 3);
    for (const t of ts) assert.equal(t.pass, t.unit === 'USD' ? t.value < t.threshold : t.value <= t.threshold, t.name);
    assert.equal(devicesFor(10_000), 100_000);
  });
});

describe('cost: what the e2e deliveries say', () => {
  const rec = (startMs: number, endMs: number, messageBytes: number) => ({ startMs, endMs, messageBytes });
  const none = { validate: [], enrich: [], sinkBigquery: [], sinkFirestore: [], sinkDeadletter: [] };

  it('counts requests per device message over every function', () => {
    const records = { ...none, validate: [rec(0, 1, 300), rec(0, 1, 300)], enrich: [rec(0, 1, 900)], sinkBigquery: [rec(0, 1, 1200)], sinkFirestore: [rec(0, 1, 1200)] };
    assert.equal(requestsPerMessage(records, 2), 5 / 2);
  });

  it('bills Pub/Sub bytes for every delivery and one publish per topic, 1,000 bytes at least each', () => {
    const records = { ...none, validate: [rec(0, 1, 300)], enrich: [rec(0, 1, 900)], sinkBigquery: [rec(0, 1, 1200)], sinkFirestore: [rec(0, 1, 1200)] };
    // deliveries 1000 + 1000 + 1200 + 1200; publishes (device, events-valid, events-enriched) 1000 + 1000 + 1200
    assert.equal(pubsubBytesPerMessage(records, 1, BILLING_RULES), 4400 + 3200);
  });

  it('bills measured spans as busy periods rounded up to 100 ms, and averages latency', () => {
    // 0-30 ms and 20-60 ms overlap: one period of 60 ms, billed 100; 500-650 ms: billed 200
    close(billedSeconds([rec(0, 30, 1), rec(20, 60, 1), rec(500, 650, 1)], BILLING_RULES), 0.3);
    close(meanLatencyMs([rec(0, 30, 1), rec(20, 60, 1)]), 35);
  });

  it('names the busiest process as the bottleneck', () => {
    assert.deepEqual(bottleneck({ validate: 0.4, pubsub: 0.98, enrich: 0.2 }), { name: 'pubsub', share: 0.98 });
  });
});
