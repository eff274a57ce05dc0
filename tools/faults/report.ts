// The accounting table the fault run prints (plain text: it goes into logs,
// CI output and docs/reliability.md as is).
import { totals, type Accounting } from './accounting.js';

export interface FaultRecord {
  name: string;
  /** Seconds after the first message was published. */
  atSeconds: number;
  /** Messages published when it started. */
  atMessage: number;
  durationMs: number;
  detail: string;
  error?: string;
}

export interface RunInfo {
  messages: number;
  devices: number;
  seed: number;
  rate: number;
  publishSeconds: number;
  drainSeconds: number;
  drained: boolean;
  poisonDeliveries: number;
}

const num = (n: number, w = 9): string => String(n).padStart(w);

export function formatReport(info: RunInfo, faults: readonly FaultRecord[], a: Accounting, processes: { crashed: string[]; unanswered: string[] }): string {
  const t = totals(a);
  const L: string[] = [];
  L.push(`fault run: ${info.messages} messages from ${info.devices} devices (seed ${info.seed}), ${info.rate} msg/s;`);
  L.push(`published in ${info.publishSeconds.toFixed(1)} s, ${info.drained ? 'drained' : 'NOT drained'} ${info.drainSeconds.toFixed(1)} s after the last publish`);
  L.push('');
  L.push('faults injected while messages flowed:');
  for (const f of faults) {
    L.push(`  t+${f.atSeconds.toFixed(1).padStart(6)} s  msg ${String(f.atMessage).padStart(6)}  ${f.name.padEnd(22)} ${(f.durationMs / 1000).toFixed(1).padStart(5)} s  ${f.detail}${f.error ? `  FAILED: ${f.error}` : ''}`);
  }
  L.push(
    `function processes: ${processes.crashed.length ? `CRASHED ${processes.crashed.join(', ')}` : 'none crashed (same pids, alive)'}; ` +
      `health probe unanswered outside planned faults: ${processes.unanswered.length}${processes.unanswered.length ? ` (${processes.unanswered.slice(0, 3).join('; ')})` : ''}`,
  );
  L.push('');
  const p = a.published;
  const kinds = Object.entries(p).map(([k, v]) => `${k} ${v}`).join(', ');
  L.push(`published by kind: ${kinds} (total ${Object.values(p).reduce((x, y) => x + y, 0)})`);
  L.push('');
  L.push(`${'BigQuery, through the de-dup views'.padEnd(34)}${'expected'.padStart(9)}${'rows'.padStart(9)}${'distinct'.padStart(9)}${'lost'.padStart(9)}${'doubled'.padStart(9)}${'restart¹'.padStart(9)}${'extra'.padStart(9)}`);
  for (const [name, c] of [['readings_dedup (event_id, metric)', a.readings], ['events_dedup (event_id)', a.events]] as const) {
    L.push(`${name.padEnd(34)}${num(c.expected)}${num(c.total)}${num(c.distinct)}${num(c.lost)}${num(c.doubled)}${num(c.doubledAcrossRestart)}${num(c.unexpected)}`);
  }
  const v = a.readingsDedup;
  L.push(`readings through the readings_dedup view's query (QUALIFY ROW_NUMBER() = 1): ${v ? `${v.rows} rows, ${v.distinct} distinct, ${v.rows - v.distinct} doubled` : 'n/a (query refused)'}`);
  L.push('¹ doubled rows whose first copy was stored before the BigQuery emulator restart (should be 0 through the views).');
  L.push('');
  L.push(`${'raw tables (every stored copy)'.padEnd(34)}${'rows'.padStart(9)}${'distinct'.padStart(9)}${'copies²'.padStart(9)}${'rate'.padStart(9)}`);
  for (const [name, c] of [['readings', a.raw.readings], ['events', a.raw.events], ['deadletter', a.raw.deadletter]] as const) {
    L.push(`${('  ' + name).padEnd(34)}${num(c.rows)}${num(c.distinct)}${num(c.copies)}${`${((c.copies / Math.max(1, c.distinct)) * 100).toFixed(2)}%`.padStart(9)}`);
  }
  L.push('² extra copies of a key in the raw table: the write path is at-least-once (the Storage Write API default stream');
  L.push('  has no insertId; insertAll de-duplicates only best effort); the views above remove them.');
  L.push('');
  L.push(`${'deadletter by reason'.padEnd(34)}${'expected'.padStart(9)}${'rows'.padStart(9)}${'lost'.padStart(9)}${'doubled'.padStart(9)}`);
  for (const r of a.deadLetters) {
    const lost = Math.max(0, r.expected - r.got);
    const doubled = Math.max(0, r.got - r.expected);
    L.push(`${('  ' + r.reason).padEnd(34)}${num(r.expected)}${num(r.got)}${num(lost)}${num(doubled)}`);
  }
  const stages = Object.entries(a.maxDeliveryByStage);
  L.push(`dead-lettered by max-delivery-attempts: ${stages.length ? stages.map(([s, n]) => `${s} ${n}`).join(', ') : 'none'}` + ` (poison messages published ${a.published.poison}, deliveries to the failing function ${info.poisonDeliveries})`);
  L.push('');
  const fs = a.firestore;
  L.push(`Firestore deviceState: ${fs.documents} documents; ${fs.checked} fields checked (newest value and eventId per device and field): ${fs.problems.length} wrong;`);
  L.push(`  ${fs.skipped} fields not checkable: their newest event was published before the Firestore emulator restart, which keeps no data`);
  for (const p of fs.problems.slice(0, 5)) L.push(`  wrong: ${p}`);
  if (a.examples.lost.length) L.push(`  lost readings, e.g. ${a.examples.lost.join(', ')}`);
  if (a.examples.unexpected.length) L.push(`  unexpected readings, e.g. ${a.examples.unexpected.join(', ')}`);
  L.push('');
  L.push(`lost = ${t.lost}`);
  L.push(`doubled = ${t.pipelineDoubled} through the de-dup views${t.acrossRestart ? ` (plus ${t.acrossRestart} across the BigQuery emulator restart)` : ''}; raw-table copies ${a.raw.readings.copies + a.raw.events.copies + a.raw.deadletter.copies}`);
  if (t.unexpected) L.push(`unexpected = ${t.unexpected}`);
  if (t.stateWrong) L.push(`deviceState wrong = ${t.stateWrong}`);
  return L.join('\n') + '\n';
}
