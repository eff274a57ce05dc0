// The hostile corpus (test/fixtures/hostile-corpus.ts) published through the
// real Pub/Sub emulator into the running stack, one good message before every
// hostile one: no function process crashes (same pids, still answering), the
// whole run finishes in bounded time, validate's peak memory stays bounded,
// every hostile message is dead-lettered with its exact reason, and every
// good message in between arrives in telemetry.readings.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { DATASET, FUNCTION_NAMES, TABLES, TOPICS } from '../../functions/lib/names.js';
import { corpusBytes, hostileCorpus, type HostileCase } from '../fixtures/hostile-corpus.js';
import { startTestStack, type TestStack } from '../support/stack.js';

const GOOD_DEVICE = 'globex-sensor-05';
const SETTLE_MS = 120_000;
// Peak for the whole run, 9.5 MB message included (its push body is a 12.7 MB
// JSON string, parsed, then base64-decoded): measured 228 MiB; a parser that
// recursed or copied per level would be far above.
const MAX_VALIDATE_HWM_MIB = 320;

interface DeadRow {
  message_id: string | null;
  reason: string;
  stage: string;
  payload_size: number | null;
  payload_truncated: boolean | null;
}

/** Peak resident memory of a process (VmHWM, KiB) from /proc. */
function vmHwmKib(pid: number): number {
  const m = /^VmHWM:\s+(\d+)\s+kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : NaN;
}

describe('e2e: a hostile corpus through the running stack', function () {
  this.timeout(300_000);
  let t: TestStack | undefined;
  let pidsBefore: Record<string, number> = {};
  const cases = hostileCorpus();
  /** Pub/Sub message id (or push messageId) -> case. */
  const byMessageId = new Map<string, HostileCase>();
  const pushStatus: { name: string; status: number }[] = [];
  const goodEventIds: string[] = [];
  let dead: DeadRow[] = [];
  let settleSeconds = 0;

  before(async function () {
    t = await startTestStack('hostile', { functionEnv: { LOG_LEVEL: 'WARNING', FIRESTORE_COALESCE_MS: '200' } });
    pidsBefore = t.stack.pids();
    const topic = t.pubsub.topic(TOPICS.deviceEvents);
    const seq0 = Date.now() % 1_000_000;
    const t0 = Date.now();
    for (const [i, c] of cases.entries()) {
      // A good message first: everything between hostile ones must still flow.
      const seq = seq0 + i;
      goodEventIds.push(`${GOOD_DEVICE}:${seq}`);
      const good = { deviceId: GOOD_DEVICE, seq, ts: new Date(Date.now() - 5000).toISOString(), readings: { temperature: 20 + i / 100 } };
      await topic.publishMessage({ data: Buffer.from(JSON.stringify(good)), attributes: { schemaVersion: '1' } });
      if (c.via === 'pubsub') {
        const id = await topic.publishMessage({ data: c.data, attributes: c.attributes });
        byMessageId.set(id, c);
      } else {
        // What a broken push would POST: the function answers, it must not crash.
        const res = await fetch(`${t.stack.urls.functions.validate}/projects/${t.stack.projectId}/topics/${TOPICS.deviceEvents}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ subscription: `projects/${t.stack.projectId}/subscriptions/hostile`, message: c.pushMessage }),
        });
        await res.arrayBuffer();
        pushStatus.push({ name: c.name, status: res.status });
      }
    }
    // Bounded wait: every hostile message dead-lettered, every good reading stored.
    const deadline = Date.now() + SETTLE_MS;
    for (;;) {
      const [rows] = await t.bigquery.query({ query: `SELECT message_id, reason, stage, payload_size, payload_truncated FROM ${DATASET}.${TABLES.deadLetter}` });
      dead = rows as DeadRow[];
      const [r] = await t.bigquery.query({ query: `SELECT COUNT(DISTINCT event_id) AS n FROM ${DATASET}.${TABLES.readings} WHERE device_id = '${GOOD_DEVICE}'` });
      const goods = Number((r as { n: number }[])[0]?.n ?? 0);
      if ((dead.length >= cases.length && goods >= goodEventIds.length) || Date.now() > deadline) break;
      await new Promise((res) => setTimeout(res, 1000));
    }
    settleSeconds = (Date.now() - t0) / 1000;
    process.stdout.write(`      corpus: ${cases.length} hostile messages, ${(corpusBytes(cases) / 1024 / 1024).toFixed(1)} MiB, + ${goodEventIds.length} good ones; settled in ${settleSeconds.toFixed(1)} s\n`);
  });

  after(async function () {
    if (this.currentTest?.state === 'failed') process.stdout.write(`${t?.logTail(60) ?? ''}\n`);
    await t?.stop();
  });

  it('keeps every function process alive and answering (same pids)', async function () {
    const now = t!.stack.pids();
    for (const fn of FUNCTION_NAMES) {
      assert.equal(now[fn], pidsBefore[fn], `${fn} was restarted`);
      process.kill(now[fn]!, 0); // throws if the process is gone
      const res = await fetch(t!.stack.urls.functions[fn], { signal: AbortSignal.timeout(5000) });
      await res.arrayBuffer();
    }
  });

  it('answers broken push envelopes with a 2xx (dead-lettered and acknowledged, not retried)', function () {
    for (const p of pushStatus) assert.ok(p.status >= 200 && p.status < 300, `${p.name}: ${p.status}`);
    assert.equal(pushStatus.length, cases.filter((c) => c.via === 'push').length);
  });

  it('finishes in bounded time', function () {
    assert.ok(settleSeconds < SETTLE_MS / 1000, `took ${settleSeconds} s`);
  });

  it(`keeps validate's peak memory under ${MAX_VALIDATE_HWM_MIB} MiB`, function () {
    const kib = vmHwmKib(t!.stack.pids().validate!);
    process.stdout.write(`      validate VmHWM ${(kib / 1024).toFixed(0)} MiB\n`);
    assert.ok(kib < MAX_VALIDATE_HWM_MIB * 1024, `VmHWM ${kib} KiB`);
  });

  it('dead-letters every hostile message with its exact reason', function () {
    const got = new Map(dead.filter((d) => d.message_id).map((d) => [d.message_id!, d]));
    const wrong: string[] = [];
    for (const [id, c] of byMessageId) {
      const row = got.get(id);
      if (!row) wrong.push(`${c.name}: no dead letter`);
      else if (row.reason !== c.reason || row.stage !== 'validate') wrong.push(`${c.name}: ${row.stage}/${row.reason}, expected validate/${c.reason}`);
    }
    // Push cases have no Pub/Sub message id (the framework may not pass theirs on): matched by reason.
    const unnamed = cases.filter((c) => c.via === 'push');
    const spareRows = dead.filter((d) => !d.message_id || !byMessageId.has(d.message_id));
    const spare = spareRows.map((d) => d.reason).sort();
    assert.deepEqual(spare, unnamed.map((c) => c.reason).sort(), `dead letters of cases without a message id: ${JSON.stringify(spareRows.map((d) => [d.stage, d.reason, d.message_id, d.payload_size]))}; wrong: ${JSON.stringify(wrong)}`);
    assert.deepEqual(wrong, []);
    assert.equal(dead.length, cases.length, 'one dead letter per hostile message, no more');
  });

  it('keeps the 9.5 MB payload truncated in the dead letter, with its full size', function () {
    const c = cases.find((x) => x.name.startsWith('9.5 MB'))!;
    const id = [...byMessageId].find(([, v]) => v === c)?.[0];
    const row = dead.find((d) => d.message_id === id);
    assert.equal(row?.payload_truncated, true);
    assert.equal(Number(row?.payload_size), c.data.length);
  });

  it('delivers every good message sent between the hostile ones', async function () {
    const [rows] = await t!.bigquery.query({ query: `SELECT event_id FROM ${DATASET}.${TABLES.readings} WHERE device_id = '${GOOD_DEVICE}'` });
    const got = new Set((rows as { event_id: string }[]).map((r) => r.event_id));
    assert.deepEqual(goodEventIds.filter((id) => !got.has(id)), []);
    assert.equal((rows as unknown[]).length, goodEventIds.length, 'one readings row per good message');
  });
});
