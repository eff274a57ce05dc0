// What the replay tool prints: the grouped overview of dead letters, the
// per-message plan (--dry-run) and the outcome of a replay (--publish).
import type { Colors } from '../lib/cli.js';
import { plainValue, type ResultField } from '../lib/bigquery-query.js';
import { formatTable } from '../query/format.js';
import type { PlanItem } from './plan.js';

export interface GroupRow {
  stage: string;
  reason: string;
  deviceId: string | null;
  hour: string;
  messages: number;
  truncated: number;
  firstSeen: string;
  lastSeen: string;
}

export function toGroupRow(r: Record<string, unknown>): GroupRow {
  const s = (v: unknown): string => String(plainValue(v) ?? '');
  return {
    stage: s(r.stage),
    reason: s(r.reason),
    deviceId: r.device_id === null || r.device_id === undefined ? null : s(r.device_id),
    hour: s(r.hour),
    messages: Number(plainValue(r.messages) ?? 0),
    truncated: Number(plainValue(r.truncated) ?? 0),
    firstSeen: s(r.first_seen),
    lastSeen: s(r.last_seen),
  };
}

const f = (name: string, type = 'STRING'): ResultField => ({ name, type });

/** Roll-ups by stage+reason, by device (top 15) and by hour. */
export function renderOverview(groups: readonly GroupRow[], c: Colors): string {
  const total = groups.reduce((n, g) => n + g.messages, 0);
  if (total === 0) return 'No dead-lettered messages match.\n';
  const out: string[] = [c.bold(`${total} dead-lettered message(s)`), ''];

  const byReason = new Map<string, { stage: string; reason: string; messages: number; devices: Set<string>; truncated: number; first: string; last: string }>();
  for (const g of groups) {
    const k = `${g.stage}\u0000${g.reason}`;
    const e = byReason.get(k) ?? { stage: g.stage, reason: g.reason, messages: 0, devices: new Set<string>(), truncated: 0, first: g.firstSeen, last: g.lastSeen };
    e.messages += g.messages;
    e.truncated += g.truncated;
    if (g.deviceId) e.devices.add(g.deviceId);
    if (g.firstSeen < e.first) e.first = g.firstSeen;
    if (g.lastSeen > e.last) e.last = g.lastSeen;
    byReason.set(k, e);
  }
  out.push(c.bold('By stage and reason'));
  out.push(
    formatTable(
      [f('stage'), f('reason'), f('messages', 'INT64'), f('devices', 'INT64'), f('truncated', 'INT64'), f('first_seen'), f('last_seen')],
      [...byReason.values()]
        .sort((a, b) => b.messages - a.messages || a.stage.localeCompare(b.stage) || a.reason.localeCompare(b.reason))
        .map((e) => ({ stage: e.stage, reason: e.reason, messages: e.messages, devices: e.devices.size, truncated: e.truncated, first_seen: e.first, last_seen: e.last })),
      c,
    ),
  );

  const byDevice = new Map<string, { messages: number; reasons: Set<string> }>();
  for (const g of groups) {
    const k = g.deviceId ?? '(unknown)';
    const e = byDevice.get(k) ?? { messages: 0, reasons: new Set<string>() };
    e.messages += g.messages;
    e.reasons.add(g.reason);
    byDevice.set(k, e);
  }
  const devices = [...byDevice.entries()].sort((a, b) => b[1].messages - a[1].messages || a[0].localeCompare(b[0]));
  out.push(c.bold(`By device${devices.length > 15 ? ` (top 15 of ${devices.length})` : ''}`));
  out.push(formatTable([f('device_id'), f('messages', 'INT64'), f('reasons')], devices.slice(0, 15).map(([d, e]) => ({ device_id: d, messages: e.messages, reasons: [...e.reasons].sort().join(', ') })), c));

  const byHour = new Map<string, number>();
  for (const g of groups) byHour.set(g.hour, (byHour.get(g.hour) ?? 0) + g.messages);
  const hours = [...byHour.entries()].sort((a, b) => a[0].localeCompare(b[0]));
  const peak = Math.max(...hours.map(([, n]) => n));
  out.push(c.bold('By hour (received_at, UTC)'));
  out.push(formatTable([f('hour'), f('messages', 'INT64'), f('')], hours.map(([h, n]) => ({ hour: h, messages: n, '': '#'.repeat(Math.max(1, Math.round((n / peak) * 40))) })), c));
  out.push(c.dim('Show what would be re-published: add --dry-run. Re-publish: add --publish.'));
  return out.join('\n') + '\n';
}

export function renderPlan(items: readonly PlanItem[], c: Colors): string {
  if (items.length === 0) return 'No dead-lettered messages match.\n';
  const rows = items.map((i) => ({
    received_at: i.row.receivedAt,
    stage: i.row.stage,
    reason: i.row.reason,
    device_id: i.row.deviceId,
    message_id: i.row.messageId,
    bytes: i.row.payloadSize,
    action: i.action === 'publish' ? `publish -> ${i.topic}` : `skip: ${i.skip}`,
  }));
  const table = formatTable(
    [f('received_at'), f('stage'), f('reason'), f('device_id'), f('message_id'), f('bytes', 'INT64'), f('action')],
    rows,
    c,
  );
  return table + planTotals(items, c, 'would publish') + '\n';
}

export function planTotals(items: readonly PlanItem[], c: Colors, verb: string): string {
  const byTopic = new Map<string, number>();
  const skipped = new Map<string, number>();
  for (const i of items) {
    if (i.action === 'publish' && i.topic) byTopic.set(i.topic, (byTopic.get(i.topic) ?? 0) + 1);
    else if (i.skip) skipped.set(i.skip, (skipped.get(i.skip) ?? 0) + 1);
  }
  const pub = [...byTopic.entries()].map(([t, n]) => `${n} to ${t}`).join(', ') || 'nothing';
  const skip = [...skipped.entries()].map(([r, n]) => `${r} ${n}`).join(', ');
  return `${c.bold(`${verb} ${pub}`)}${skip ? `; skipped ${skip}` : ''}`;
}

export function renderSkips(items: readonly PlanItem[], c: Colors): string {
  return items
    .filter((i) => i.action === 'skip')
    .map((i) => c.yellow(`skipped ${i.row.messageId ?? '(no message id)'} (${i.row.stage}/${i.row.reason}): ${i.skip} — ${i.skipDetail ?? ''}`))
    .join('\n');
}
