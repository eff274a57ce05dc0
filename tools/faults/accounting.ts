// The fault run's books: what was published against what the sinks hold.
// "lost" is an expected row that is not there; "doubled" is a row stored more
// than once; "unexpected" is a row nobody published. They are counted through
// the de-dup views (schemas/bigquery-views.ts), which is what analysts query
// and where the pipeline promises exactly-once: the Storage Write API's
// default stream is at-least-once and insertAll's de-dup best effort, so the
// raw tables may hold copies, counted apart in `raw` (the measured duplicate
// rate of the write path).
import type { BigQuery } from '@google-cloud/bigquery';
import { DATASET, TABLES } from '../../functions/lib/names.js';
import type { ExpectedOutcome, MessageKind } from '../lib/message-mix.js';
import { DEADLETTER_DEDUP, EVENTS_DEDUP, READINGS_DEDUP } from '../../schemas/bigquery-views.js';

export interface TableCount {
  expected: number;
  total: number;
  distinct: number;
  lost: number;
  doubled: number;
  /**
   * Of `doubled`: extra copies of keys already stored when the BigQuery
   * emulator came back from its restart. The emulator now keeps its insertId
   * window in the --data file and drains in-flight requests before it stops,
   * so this should be 0; it is still counted apart because BigQuery's own
   * de-duplication is only best effort. The readings_dedup view removes any
   * such copies for analysts.
   */
  doubledAcrossRestart: number;
  unexpected: number;
}

export interface ReasonCount {
  reason: string;
  expected: number;
  got: number;
}

/** The readings_dedup view's query (infra/modules/bigquery/main.tf), run on the stored rows. */
export const READINGS_DEDUP_SQL = `SELECT COUNT(*) AS n, COUNT(DISTINCT CONCAT(event_id, '|', metric)) AS d FROM (
  SELECT * FROM ${DATASET}.${TABLES.readings} WHERE TRUE
  QUALIFY ROW_NUMBER() OVER (PARTITION BY event_id, metric, event_time ORDER BY ingest_time) = 1)`;

/** What the raw tables hold: every stored copy (the at-least-once write path's duplicates). */
export interface RawCount {
  rows: number;
  distinct: number;
  /** rows - distinct */
  copies: number;
}

export interface Accounting {
  /** Rows and distinct keys through the readings_dedup view's query (null when the engine refused it). */
  readingsDedup: { rows: number; distinct: number } | null;
  /** The raw tables: readings (event_id, metric), events (event_id), deadletter (the deadletter_dedup key). */
  raw: { readings: RawCount; events: RawCount; deadletter: RawCount };
  published: Record<MessageKind, number> & { poison: number };
  readings: TableCount;
  events: TableCount;
  deadLetters: ReasonCount[];
  /** max-delivery-attempts rows by stage (the subscription's function, or the poison subscription). */
  maxDeliveryByStage: Record<string, number>;
  firestore: { documents: number; checked: number; skipped: number; problems: string[] };
  /** Examples of lost / unexpected keys, for the log. */
  examples: { lost: string[]; unexpected: string[] };
}

export interface Counts {
  readings: number;
  events: number;
  deadletter: number;
}

async function rows<T>(bq: BigQuery, sql: string): Promise<T[]> {
  const [r] = await bq.query({ query: sql });
  return r as T[];
}

export async function currentCounts(bq: BigQuery): Promise<Counts> {
  const [r] = await rows<Record<keyof Counts, number>>(
    bq,
    `SELECT (SELECT COUNT(*) FROM ${DATASET}.${TABLES.readings}) AS readings,
            (SELECT COUNT(*) FROM ${DATASET}.${TABLES.events}) AS events,
            (SELECT COUNT(*) FROM ${DATASET}.${TABLES.deadLetter}) AS deadletter`,
  );
  return { readings: Number(r?.readings ?? 0), events: Number(r?.events ?? 0), deadletter: Number(r?.deadletter ?? 0) };
}

function tableCount(expectedKeys: ReadonlySet<string>, stored: readonly string[], beforeRestart: ReadonlySet<string>): TableCount & { lostKeys: string[]; unexpectedKeys: string[] } {
  const distinct = new Set(stored);
  const copies = new Map<string, number>();
  for (const k of stored) copies.set(k, (copies.get(k) ?? 0) + 1);
  let doubledAcrossRestart = 0;
  for (const [k, n] of copies) if (n > 1 && beforeRestart.has(k)) doubledAcrossRestart += n - 1;
  const lostKeys = [...expectedKeys].filter((k) => !distinct.has(k));
  const unexpectedKeys = [...distinct].filter((k) => !expectedKeys.has(k));
  return {
    expected: expectedKeys.size,
    total: stored.length,
    distinct: distinct.size,
    lost: lostKeys.length,
    doubled: stored.length - distinct.size,
    doubledAcrossRestart,
    unexpected: unexpectedKeys.length,
    lostKeys,
    unexpectedKeys,
  };
}

const raw = (keys: readonly string[]): RawCount => {
  const distinct = new Set(keys).size;
  return { rows: keys.length, distinct, copies: keys.length - distinct };
};

export async function bigQueryAccounting(
  bq: BigQuery,
  expected: ExpectedOutcome,
  extraDeadLetters: Record<string, number>,
  beforeRestart: { readings: ReadonlySet<string>; events: ReadonlySet<string> } = { readings: new Set(), events: new Set() },
): Promise<Pick<Accounting, 'readings' | 'readingsDedup' | 'raw' | 'events' | 'deadLetters' | 'maxDeliveryByStage' | 'examples'>> {
  let readingsDedup: Accounting['readingsDedup'] = null;
  try {
    const [v] = await rows<{ n: number; d: number }>(bq, READINGS_DEDUP_SQL);
    readingsDedup = { rows: Number(v?.n ?? 0), distinct: Number(v?.d ?? 0) };
  } catch {
    // reported as n/a
  }
  const from = (table: string) => `${DATASET}.${table}`;
  const readingKeys = async (table: string) => (await rows<{ k: string }>(bq, `SELECT CONCAT(event_id, '|', metric) AS k FROM ${from(table)}`)).map((r) => r.k);
  const eventKeys = async (table: string) => (await rows<{ k: string }>(bq, `SELECT event_id AS k FROM ${from(table)}`)).map((r) => r.k);
  const dlKey = DEADLETTER_DEDUP.key.join(", '|', ");
  const deadLetterKeys = async (table: string) => (await rows<{ k: string }>(bq, `SELECT CONCAT(${dlKey}) AS k FROM ${from(table)}`)).map((r) => r.k);
  const [viewReadings, viewEvents, rawReadings, rawEvents, rawDeadLetters] = await Promise.all([
    readingKeys(READINGS_DEDUP.viewId),
    eventKeys(EVENTS_DEDUP.viewId),
    readingKeys(TABLES.readings),
    eventKeys(TABLES.events),
    deadLetterKeys(TABLES.deadLetter),
  ]);
  const dl = await rows<{ reason: string; stage: string; n: number }>(bq, `SELECT reason, stage, COUNT(*) AS n FROM ${from(DEADLETTER_DEDUP.viewId)} GROUP BY reason, stage`);

  const { lostKeys, unexpectedKeys, ...readings } = tableCount(expected.readings, viewReadings, beforeRestart.readings);
  const { lostKeys: _l, unexpectedKeys: _u, ...events } = tableCount(expected.events, viewEvents, beforeRestart.events);

  const want: Record<string, number> = { ...expected.deadLetters };
  for (const [k, v] of Object.entries(extraDeadLetters)) want[k] = (want[k] ?? 0) + v;
  const got: Record<string, number> = {};
  const maxDeliveryByStage: Record<string, number> = {};
  for (const r of dl) {
    got[r.reason] = (got[r.reason] ?? 0) + Number(r.n);
    if (r.reason === 'max-delivery-attempts') maxDeliveryByStage[r.stage] = (maxDeliveryByStage[r.stage] ?? 0) + Number(r.n);
  }
  const reasons = [...new Set([...Object.keys(want), ...Object.keys(got)])].sort();
  return {
    readings,
    readingsDedup,
    raw: { readings: raw(rawReadings), events: raw(rawEvents), deadletter: raw(rawDeadLetters) },
    events,
    deadLetters: reasons.map((reason) => ({ reason, expected: want[reason] ?? 0, got: got[reason] ?? 0 })),
    maxDeliveryByStage,
    examples: { lost: lostKeys.slice(0, 5), unexpected: unexpectedKeys.slice(0, 5) },
  };
}

/** The keys stored right now (taken when the BigQuery emulator is back from a restart). */
export async function storedKeys(bq: BigQuery): Promise<{ readings: Set<string>; events: Set<string> }> {
  const readingRows = await rows<{ event_id: string; metric: string }>(bq, `SELECT event_id, metric FROM ${DATASET}.${TABLES.readings}`);
  const eventRows = await rows<{ event_id: string }>(bq, `SELECT event_id FROM ${DATASET}.${TABLES.events}`);
  return { readings: new Set(readingRows.map((r) => `${r.event_id}|${r.metric}`)), events: new Set(eventRows.map((r) => r.event_id)) };
}

/**
 * Totals over every table: a dead letter missing is lost, one too many is
 * doubled. `doubled` counts every extra row; `pipelineDoubled` leaves out the
 * copies that straddled the BigQuery emulator restart (see TableCount).
 */
export function totals(a: Accounting): { lost: number; doubled: number; pipelineDoubled: number; acrossRestart: number; unexpected: number; stateWrong: number } {
  let lost = a.readings.lost + a.events.lost;
  let doubled = a.readings.doubled + a.events.doubled;
  const acrossRestart = a.readings.doubledAcrossRestart + a.events.doubledAcrossRestart;
  for (const r of a.deadLetters) {
    if (r.got < r.expected) lost += r.expected - r.got;
    if (r.got > r.expected && r.expected > 0) doubled += r.got - r.expected;
  }
  // A reason nobody expected is a row in the wrong place (e.g. a stage that gave up).
  const unexpected = a.readings.unexpected + a.events.unexpected + a.deadLetters.filter((r) => r.expected === 0).reduce((s, r) => s + r.got, 0);
  return { lost, doubled, pipelineDoubled: doubled - acrossRestart, acrossRestart, unexpected, stateWrong: a.firestore.problems.length };
}

export function accountingOk(a: Accounting): boolean {
  const t = totals(a);
  return t.lost === 0 && t.pipelineDoubled === 0 && t.unexpected === 0 && t.stateWrong === 0;
}
