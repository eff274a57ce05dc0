// Section "core": how fast one core runs our per-message work, against the
// floor every JSON pipeline pays. Ours: base64 decode of the push envelope,
// validateMessage (all checks), enrichEvent per event (registry through the
// same cache the adapter uses, in memory), row building and the insertAll body
// text. Floor: base64 decode, JSON.parse, ajv validate with the same compiled
// schema, JSON.stringify. Both over the same fixed messages, in this process
// (one core), runs interleaved, medians compared.
import type { CloudEvent } from '@google-cloud/functions-framework';
import { loadConfig } from '../../functions/lib/config.js';
import { fromCloudEvent, type PubSubMessage } from '../../functions/lib/pubsub-message.js';
import { LOCAL_PROJECT_ID } from '../../functions/lib/names.js';
import { validateMessage, type ValidateDeps } from '../../functions/validate/validate-message.js';
import { validatorsFor } from '../../functions/validate/schema-validators.js';
import { parsedDocumentLookup } from '../../functions/enrich/device-cache.js';
import { parseDeviceRecord } from '../../functions/enrich/device-record.js';
import { parseDeviceKeyDoc } from '../../functions/validate/device-keys.js';
import { enrichEvent, type EnrichDeps } from '../../functions/enrich/enrich-event.js';
import { eventRows } from '../../functions/sink-bigquery/rows.js';
import { SEED_DEVICES, deviceDocument } from '../../tools/emulate/seed.js';
import { buildTraffic, pushEnvelope } from '../messages.js';
import { toRow } from '../report.js';
import type { SectionContext } from '../section.js';
import { median, rotatingRounds, type Variant } from '../stats.js';
import type { BenchRow } from '../types.js';

type Envelope = Record<string, unknown>;

/** Results go to module state (observable), so the optimizer cannot drop the work. */
export let sunk = 0;
function sink(n: number): void {
  sunk = (sunk + n) | 0;
}

function ourDeps(): { validate: ValidateDeps; enrich: EnrichDeps } {
  const cfg = loadConfig({ GOOGLE_CLOUD_PROJECT: LOCAL_PROJECT_ID });
  const registry = new Map(SEED_DEVICES.map((d) => [d.deviceId, deviceDocument(d) as unknown as Record<string, unknown>]));
  // The same cache shapes as the deployed adapters: documents parsed once per read, hits synchronous.
  const opts = { ttlMs: cfg.deviceCacheTtlMs, maxEntries: cfg.deviceCacheMax };
  const getDevice = parsedDocumentLookup(async (id) => registry.get(id) ?? null, parseDeviceRecord, opts);
  // No device in the set signs: the key lookup answers "no keys", cached, as in production.
  const lookupDeviceKey = parsedDocumentLookup(async () => null, parseDeviceKeyDoc, { ...opts, negativeTtlMs: cfg.deviceCacheTtlMs });
  return {
    validate: {
      config: cfg,
      now: () => new Date(),
      lookupDeviceKey,
    },
    enrich: { getDevice },
  };
}

/** Our path for one push envelope; returns the number of rows built. */
async function ours(env: Envelope, deps: { validate: ValidateDeps; enrich: EnrichDeps }): Promise<number> {
  const msg = fromCloudEvent({ data: env } as unknown as CloudEvent<unknown>);
  const { events } = await validateMessage(msg, deps.validate);
  let rows = 0;
  for (const ev of events) {
    const enriched = await enrichEvent(ev, deps.enrich);
    const r = eventRows(enriched);
    // The insertAll request body is text: building it is part of the work.
    sink(JSON.stringify(r.readings).length + JSON.stringify(r.events).length);
    rows += r.readings.length + r.events.length;
  }
  return rows;
}

function floor(env: Envelope): number {
  const data = (env.message as { data: string }).data;
  const parsed: unknown = JSON.parse(Buffer.from(data, 'base64').toString('utf8'));
  const v = validatorsFor('1');
  if (!v) throw new Error('schema v1 missing');
  const ok = Object.hasOwn(parsed as object, 'events') ? v.batch(parsed) : v.single(parsed);
  if (!ok) throw new Error('floor: message rejected by the schema');
  sink(JSON.stringify(parsed).length);
  return 1;
}

/** msg/s of `fn` over the whole set, repeated until at least `minMs` have passed. */
async function timed<E>(set: readonly E[], minMs: number, fn: (e: E) => unknown): Promise<number> {
  let n = 0;
  const start = process.hrtime.bigint();
  let elapsedMs = 0;
  do {
    for (const e of set) await fn(e);
    n += set.length;
    elapsedMs = Number(process.hrtime.bigint() - start) / 1e6;
  } while (elapsedMs < minMs);
  return (n / elapsedMs) * 1000;
}

function timedSync<E>(set: readonly E[], minMs: number, fn: (e: E) => unknown): number {
  let n = 0;
  const start = process.hrtime.bigint();
  let elapsedMs = 0;
  do {
    for (const e of set) fn(e);
    n += set.length;
    elapsedMs = Number(process.hrtime.bigint() - start) / 1e6;
  } while (elapsedMs < minMs);
  return (n / elapsedMs) * 1000;
}

/**
 * Microseconds per message of each step of `ours` and of the floor's two
 * halves, each step timed alone on the previous step's outputs (computed
 * beforehand), so the table's ratio can be read as a sum: where the time goes.
 */
async function stageBreakdown(set: readonly Envelope[], deps: { validate: ValidateDeps; enrich: EnrichDeps }, minMs: number): Promise<string> {
  const msgs = set.map((e) => fromCloudEvent({ data: e } as unknown as CloudEvent<unknown>));
  const valid = await Promise.all(msgs.map(async (m) => (await validateMessage(m, deps.validate)).events));
  const enriched = await Promise.all(valid.map((evs) => Promise.all(evs.map((ev) => enrichEvent(ev, deps.enrich)))));
  const built = enriched.map((evs) => evs.map(eventRows));
  const texts = msgs.map((m) => new TextDecoder().decode(m.data));
  const parsed = texts.map((t) => JSON.parse(t) as object);
  const v = validatorsFor('1');
  if (!v) throw new Error('schema v1 missing');
  const idx = set.map((_, i) => i);
  const us = (rate: number): string => (1e6 / rate).toFixed(2);
  const stages: [string, () => Promise<number>][] = [
    ['push envelope + base64', async () => timedSync(idx, minMs, (i) => sink(fromCloudEvent({ data: set[i] } as unknown as CloudEvent<unknown>).data.length))],
    ['validate', () => timed(idx, minMs, async (i) => sink((await validateMessage(msgs[i] as PubSubMessage, deps.validate)).events.length))],
    ['enrich', () => timed(idx, minMs, async (i) => { for (const ev of valid[i] ?? []) sink((await enrichEvent(ev, deps.enrich)).seq ?? 0); })],
    ['rows', async () => timedSync(idx, minMs, (i) => { for (const ev of enriched[i] ?? []) sink(eventRows(ev).readings.length); })],
    ['insertAll row text', async () => timedSync(idx, minMs, (i) => { for (const r of built[i] ?? []) sink(JSON.stringify(r.readings).length + JSON.stringify(r.events).length); })],
    ['floor: UTF-8 + JSON.parse', async () => timedSync(idx, minMs, (i) => sink(JSON.parse(texts[i] as string) ? 1 : 0))],
    ['floor: ajv', async () => timedSync(idx, minMs, (i) => { const p = parsed[i] as object; sink((Object.hasOwn(p, 'events') ? v.batch(p) : v.single(p)) ? 1 : 0); })],
    ['floor: stringify', async () => timedSync(idx, minMs, (i) => sink(JSON.stringify(parsed[i]).length))],
  ];
  const parts: string[] = [];
  for (const [name, run] of stages) parts.push(`${name} ${us(await run())}`);
  return `core: microseconds per message by step (each timed alone): ${parts.join(', ')}`;
}

export async function benchCore(ctx: SectionContext): Promise<BenchRow[]> {
  const count = ctx.quick ? 500 : 2000;
  const rounds = ctx.quick ? 5 : 11;
  const minMs = ctx.quick ? 200 : 500;
  const now = new Date();
  const traffic = buildTraffic({ count, now, seqBase: 1 });
  const set = traffic.map((m, i) => pushEnvelope(m, String(i + 1), now));
  const deps = ourDeps();

  // Every message must pass both paths: a rejected one would make ours look fast.
  let rows = 0;
  for (const e of set) rows += await ours(e, deps);
  for (const e of set) floor(e);
  const expectedRows = traffic.reduce((s, m) => s + m.readings + m.events, 0);
  if (rows !== expectedRows) throw new Error(`core: built ${rows} rows, expected ${expectedRows}`);

  // Validate alone, with the output it publishes (the ValidEvent JSON): the
  // like-for-like comparison with the floor, which also ends in one stringify.
  const validateOnly = async (e: Envelope): Promise<void> => {
    const { events } = await validateMessage(fromCloudEvent({ data: e } as unknown as CloudEvent<unknown>), deps.validate);
    for (const ev of events) sink(JSON.stringify(ev).length);
  };
  const variants: Variant[] = [
    { name: 'ours', run: () => timed(set, minMs, (e) => ours(e, deps)) },
    { name: 'validate', run: () => timed(set, minMs, validateOnly) },
    { name: 'floor', run: async () => timedSync(set, minMs, floor) },
  ];
  ctx.progress(`core: warming up (${count} messages)`);
  for (const v of variants) await v.run();
  const results = await rotatingRounds(rounds, variants, (i, r) =>
    ctx.progress(`core: round ${i + 1}/${rounds}: ${variants.map((v) => `${v.name} ${Math.round(r.get(v.name)?.at(-1) ?? 0)} msg/s`).join(', ')}`),
  );
  const med = (name: string): number => median(results.get(name) ?? []);
  const events = traffic.reduce((s, m) => s + m.events, 0);
  ctx.note(`core: ${count} messages (${events} events, ${rows} rows, ${traffic.filter((m) => m.events > 1).length} batches), ${rounds} interleaved rounds of >= ${minMs} ms per variant (order rotating), medians`);
  ctx.progress('core: timing each step alone');
  ctx.note(await stageBreakdown(set, deps, minMs));
  const floorBaseline = { baselineName: 'decode+parse+ajv+stringify', baseline: med('floor'), better: 'higher' as const };
  return [
    toRow({ group: 'core', name: 'validate+enrich+rows, one core', unit: 'msg/s', value: med('ours'), ...floorBaseline, target: { on: 'ratio', op: '>=', threshold: 0.66 } }),
    toRow({ group: 'core', name: 'validate alone (+ its output JSON)', unit: 'msg/s', value: med('validate'), ...floorBaseline }),
  ];
}
