// The live dashboard on the whole local stack, in real headless Chromium:
// simulated devices publish through Pub/Sub, the functions fill BigQuery and
// Firestore, and the page (Firestore Web SDK listeners with tenant tokens,
// firestore.rules loaded) shows every device's latest readings, sparklines
// from BigQuery and the dead-letter count; a new reading published while the
// page is open appears on it within a bounded wait. Saves
// test-results/dashboard.png.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { COLLECTIONS, DATASET, TABLES, TOPICS } from '../../functions/lib/names.js';
import { startDashboard, type Dashboard } from '../../tools/dashboard/server.js';
import { chooseFleet } from '../../tools/simulate/fleet.js';
import { MessageFactory } from '../../tools/simulate/messages.js';
import { formatValue } from '../../tools/dashboard/web/format.js';
import { waitUntil } from '../../tools/lib/ports.js';
import { startTestStack, type TestStack } from '../support/stack.js';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const SCREENSHOT = path.resolve(__dirname, '..', '..', '..', 'test-results', 'dashboard.png');
const MESSAGES = 480;
const SPAN_MS = 40 * 60_000;
const LIVE_UPDATE_BOUND_MS = 30_000;

describe('e2e: live dashboard on the local stack, in headless Chromium', function () {
  this.timeout(300_000);
  let t: TestStack | undefined;
  let dash: Dashboard | undefined;
  let ctx: BrowserContext | undefined;
  let page: Page;
  let userDataDir = '';
  let deadLetters = 0;
  // 8 devices of each tenant, the first ones, so the top of the page is full.
  const fleet = chooseFleet({ devices: 24 });

  before(async function () {
    t = await startTestStack('dash', { functionEnv: { FIRESTORE_COALESCE_MS: '200', LOG_LEVEL: 'WARNING' } });
    // 40 minutes of history, published at once: event times spread evenly up to now.
    const start = Date.now() - SPAN_MS;
    let i = 0;
    const factory = new MessageFactory({
      devices: fleet.devices,
      disabledDeviceIds: fleet.disabledDeviceIds,
      shares: { batch: 0.05, late: 0, duplicate: 0.02, invalid: 0.0125 },
      seed: 2026,
      total: MESSAGES,
      seqBase: 1000,
      now: () => new Date(start + (i++ * SPAN_MS) / MESSAGES),
    });
    const msgs = Array.from({ length: MESSAGES }, () => factory.next());
    const expectedDead = msgs.filter((m) => m.kind === 'invalid').length;
    const topic = t.pubsub.topic(TOPICS.deviceEvents, { batching: { maxMessages: 100, maxMilliseconds: 20 } });
    await Promise.all(msgs.map((m) => topic.publishMessage({ data: m.data, attributes: m.attributes })));
    const stack = t;
    await waitUntil(async () => {
      const [states] = await Promise.all([stack.firestore.collection(COLLECTIONS.deviceState).get()]);
      const [rows] = await stack.bigquery.query({
        query: `SELECT (SELECT COUNT(DISTINCT device_id) FROM ${DATASET}.${TABLES.readings}) AS devices, (SELECT COUNT(*) FROM ${DATASET}.${TABLES.deadLetter}) AS dead`,
      });
      const r = (rows as { devices: number; dead: number }[])[0];
      deadLetters = Number(r?.dead ?? 0);
      return states.size === fleet.devices.length && Number(r?.devices) === fleet.devices.length && deadLetters === expectedDead;
    }, 180_000, 'the pipeline to settle');

    dash = await startDashboard({ port: 0, projectId: t.stack.projectId, firestoreHost: t.stack.endpoints.firestoreHost, bigqueryUrl: t.stack.endpoints.bigqueryUrl });
    userDataDir = mkdtempSync(path.join(os.tmpdir(), 'dashboard-chromium-'));
    ctx = await chromium.launchPersistentContext(userDataDir, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, viewport: { width: 1440, height: 1000 } });
    page = await ctx.newPage();
    await page.goto(dash.url);
  });

  after(async function () {
    if (this.currentTest?.state === 'failed' && t) console.log(t.logTail(40));
    await ctx?.close().catch(() => undefined);
    if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
    await dash?.close();
    await t?.stop();
  });

  const cell = (device: string, metric: string) => `[data-device="${device}"] [data-metric="${metric}"] .value`;

  it('shows every tenant with its devices and their latest readings from Firestore (rules loaded, tenant tokens)', async () => {
    await page.waitForFunction(() => document.getElementById('conn-text')?.textContent === 'live · 3 tenant listeners', undefined, { timeout: 30_000 });
    assert.equal(await page.getAttribute('#conn', 'data-state'), 'live');
    assert.deepEqual(await page.$$eval('section.tenant', (els) => els.map((e) => (e as HTMLElement).dataset.tenant)), ['acme', 'globex', 'initech']);
    // Each card shows the stored value, formatted as the page formats it (read again on every
    // poll: a straggling event may still move it). A short textContent timeout keeps the poll
    // going when a card is not rendered yet, so the error can say what was on the page.
    for (const d of fleet.devices) {
      const doc = (t as TestStack).firestore.collection(COLLECTIONS.deviceState).doc(d.deviceId);
      let last = 'nothing read yet';
      let pageStatus = 'unknown';
      await waitUntil(async () => {
        const stored = (await doc.get()).get('metrics.temperature.value') as unknown;
        const want = typeof stored === 'number' ? formatValue(stored) : `no number (${JSON.stringify(stored)})`;
        const shown = await page.textContent(cell(d.deviceId, 'temperature'), { timeout: 2_000 }).catch(() => 'no cell');
        pageStatus = (await page.textContent('#conn-text', { timeout: 1_000 }).catch(() => null)) ?? 'unknown';
        last = `page ${shown}, stored ${want}`;
        return last === `page ${want}, stored ${want}`;
      }, 30_000, () => `${d.deviceId} temperature on the page (${last}; page status: ${pageStatus})`);
    }
  });

  it('draws a sparkline per metric from BigQuery and shows the dead-letter count with its reasons', async () => {
    await page.waitForSelector('[data-device="acme-sensor-01"] [data-metric="temperature"] path.spark-line', { timeout: 40_000 });
    const points = await page.$eval('[data-device="acme-sensor-01"] [data-metric="humidity"] path.spark-line', (p) => (p.getAttribute('d') ?? '').split('L').length);
    assert.ok(points >= 5, `humidity sparkline has ${points} points`);
    await page.waitForFunction((n) => document.getElementById('stat-dead')?.textContent === String(n), deadLetters, { timeout: 30_000 });
    assert.ok(deadLetters > 0);
    assert.ok((await page.$$('.reasons li')).length >= 1);
  });

  it(`a reading published while the page is open appears within ${LIVE_UPDATE_BOUND_MS / 1000} s`, async () => {
    const body = { deviceId: 'acme-sensor-01', seq: 999_999, ts: new Date().toISOString(), readings: { temperature: 42.42, humidity: 12.5 }, state: { door: 'open' } };
    const t0 = Date.now();
    await (t as TestStack).pubsub.topic(TOPICS.deviceEvents).publishMessage({ json: body, attributes: { schemaVersion: '1' } });
    // When the document changes in Firestore (admin read), to tell pipeline latency from the page's.
    let storedMs = -1;
    const doc = (t as TestStack).firestore.collection(COLLECTIONS.deviceState).doc('acme-sensor-01');
    const stored = waitUntil(async () => (await doc.get()).get('metrics.temperature.value') === 42.42, LIVE_UPDATE_BOUND_MS, 'the reading in Firestore').then(() => (storedMs = Date.now() - t0));
    await page.waitForFunction((sel) => document.querySelector(sel)?.textContent === '42.42', cell('acme-sensor-01', 'temperature'), { timeout: LIVE_UPDATE_BOUND_MS });
    const ms = Date.now() - t0;
    await stored;
    console.log(`      publish -> Firestore: ${storedMs} ms, publish -> page: ${ms} ms`);
    assert.equal(await page.textContent(cell('acme-sensor-01', 'humidity')), '12.50');
    assert.equal(await page.textContent('[data-device="acme-sensor-01"] [data-state="door"]'), 'door: open');
    assert.equal(await page.getAttribute('[data-device="acme-sensor-01"]', 'data-liveness'), 'live');
    mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT });
  });
});
